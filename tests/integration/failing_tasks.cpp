// A program whose tasks all throw, for log_test.sh: the log (the scheduler's, or the
// program's own on the threads runtime) must name them.
// usage: failing_tasks [N [timeout]]  (timeout: the tasks throw weft::TimeoutError)
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <weft/weft.hpp>

int explode(int x) { throw std::runtime_error("boom \"" + std::to_string(x) + "\""); }
WEFT_REMOTE(explode);
// A weft error of the task's own reaches the caller unwrapped, and is logged all the same.
int time_out(int x) { throw weft::TimeoutError("waited too long for part " + std::to_string(x)); }
WEFT_REMOTE(time_out);

int main(int argc, char** argv) {
  auto rt = weft::init(argc, argv);
  const int n = argc > 1 ? std::stoi(argv[1]) : 1;
  const bool weft_errors = argc > 2 && std::string(argv[2]) == "timeout";
  std::vector<weft::Ref<int>> refs;
  for (int i = 0; i < n; ++i) {
    refs.push_back(weft_errors ? weft::remote(time_out, i) : weft::remote(explode, i));
  }
  int errors = 0;
  for (auto& r : refs) {
    try {
      weft::get(r);
    } catch (const weft::TaskError&) {
      errors += weft_errors ? 0 : 1;
    } catch (const weft::TimeoutError&) {
      errors += weft_errors ? 1 : 0;
    }
  }
  std::printf("errors: %d of %d\n", errors, n);
}
