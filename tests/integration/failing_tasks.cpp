// A program whose tasks all throw, for log_test.sh: the log (the scheduler's, or the
// program's own on the threads runtime) must name them.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <weft/weft.hpp>

int explode(int x) { throw std::runtime_error("boom \"" + std::to_string(x) + "\""); }
WEFT_REMOTE(explode);

int main(int argc, char** argv) {
  auto rt = weft::init(argc, argv);
  const int n = argc > 1 ? std::stoi(argv[1]) : 1;
  std::vector<weft::Ref<int>> refs;
  for (int i = 0; i < n; ++i) refs.push_back(weft::remote(explode, i));
  int errors = 0;
  for (auto& r : refs) {
    try {
      weft::get(r);
    } catch (const weft::TaskError&) {
      ++errors;
    }
  }
  std::printf("errors: %d of %d\n", errors, n);
}
