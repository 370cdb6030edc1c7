// A program that runs its tasks on a cluster of `weft` CLI workers, and whose own binary is
// also a worker. With a scheduler at tcp://127.0.0.1:8786:
//
//   weft worker --scheduler tcp://127.0.0.1:8786 --load ./libweft_example_tasks.so
//   WEFT_ROLE=worker WEFT_SCHEDULER=tcp://127.0.0.1:8786 ./cluster_client
//   ./cluster_client --weft-runtime=connect:tcp://127.0.0.1:8786
//
// Without --weft-runtime (or WEFT_RUNTIME) the same code runs on threads in this process.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <weft/weft.hpp>

#include "tasks.hpp"

int main(int argc, char** argv) {
  // First thing: started as a worker (WEFT_ROLE=worker), this serves tasks and never returns.
  weft::Runtime rt = weft::init(argc, argv);
  std::printf("runtime: %s\n", rt.describe().c_str());

  // A map: one task per input.
  std::vector<weft::Ref<double>> level;
  for (int i = 0; i < 100; ++i) level.push_back(weft::remote(tasks::square, double(i)));

  // A tree reduction: Ref arguments are dependencies, so partial sums go from worker to
  // worker and only the total comes back here.
  while (level.size() > 1) {
    std::vector<weft::Ref<double>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(weft::remote(tasks::add, level[i], level[i + 1]));
    }
    if (level.size() % 2 == 1) next.push_back(level.back());
    level = std::move(next);
  }
  std::printf("sum of squares of 0..99: %.0f\n", weft::get(level[0]));

  // Slow tasks spread over the workers; each names the process it ran in.
  std::vector<weft::Ref<std::string>> places;
  for (int i = 0; i < 16; ++i) places.push_back(weft::remote(tasks::where, 100));
  std::set<std::string> processes;
  for (const weft::Ref<std::string>& p : places) processes.insert(weft::get(p));
  std::printf("16 tasks ran in %zu process(es):", processes.size());
  for (const std::string& p : processes) std::printf(" %s", p.c_str());
  std::printf("\n");
}
