// The seed tutorial: 16 tasks that sleep 9.9 s in total, run on 16 workers.
// Serially this takes 9.9 s; in parallel it takes as long as the longest sleep (1.5 s).
//
//   ./sleep_tasks                 # threads:16
//   ./sleep_tasks inline          # one at a time, in this thread, for comparison
//   ./sleep_tasks processes:2     # two worker processes: about half the total
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

double nap(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return seconds;
}
WEFT_REMOTE(nap);

int main(int argc, char** argv) {
  auto rt = weft::init(argc > 1 ? argv[1] : "threads:16");
  const std::vector<double> sleeps{0.1, 0.2, 0.1, 0.5, 0.7, 0.9, 0.5, 0.4,
                                   1.5, 1.3, 1.0, 0.3, 0.7, 0.6, 0.3, 0.8};

  const auto start = std::chrono::steady_clock::now();
  std::vector<weft::Ref<double>> refs;
  for (double s : sleeps) refs.push_back(weft::remote(nap, s));
  double slept = 0;
  for (double s : weft::get(refs)) slept += s;
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  std::printf("runtime: %s\n", rt.describe().c_str());
  std::printf("tasks: %zu, total sleep: %.1f s\n", refs.size(), slept);
  std::printf("elapsed: %.3f s (longest single sleep: 1.5 s)\n", elapsed.count());
}
