// For cli_test.sh: calls `scale` as this program declares it, on a worker whose library
// declares it with other parameters (mismatch_tasks.cpp). Prints the error the call gets;
// exits 1 if it gets none.
#include <cstdio>

#include <weft/weft.hpp>

namespace mismatch {

int scale(int x) { return 2 * x; }
WEFT_REMOTE(scale);

}  // namespace mismatch

int main(int argc, char** argv) {
  weft::Runtime rt = weft::init(argc, argv);
  try {
    const int r = weft::get(
        weft::remote(weft::TaskOptions{.resources = {{"mismatch", 1}}}, mismatch::scale, 3));
    std::printf("no error: scale(3) = %d\n", r);
    return 1;
  } catch (const weft::TaskError& e) {
    std::printf("refused: %s\n", e.what());
    return 0;
  }
}
