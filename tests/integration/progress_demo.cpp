// Runs short sleeping tasks through get() of many refs, compute() and parallel_map with a
// progress bar, for tests/integration/progress_test.sh to look at what reaches stderr.
//   progress_demo on       each call asks for a bar (Progress::kOn)
//   progress_demo default  each call leaves it to WEFT_PROGRESS (Progress::kDefault)
// Prints the results' checksums on stdout, so the script can tell the runs did the work.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

namespace {

int nap(int x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || (std::strcmp(argv[1], "on") != 0 && std::strcmp(argv[1], "default") != 0)) {
    std::fprintf(stderr, "usage: progress_demo on|default\n");
    return 2;
  }
  const weft::Progress mode =
      std::strcmp(argv[1], "on") == 0 ? weft::Progress::kOn : weft::Progress::kDefault;
  auto rt = weft::init("threads:4");

  std::vector<weft::Ref<int>> refs;
  for (int i = 0; i < 400; ++i) refs.push_back(weft::remote(nap, i));
  long sum = 0;
  for (int v : weft::get(refs, {.progress = mode})) sum += v;
  std::printf("get: %ld\n", sum);

  auto lazy_nap = weft::delayed(nap, "nap");
  std::vector<weft::Delayed<int>> parts;
  for (int i = 0; i < 300; ++i) parts.push_back(lazy_nap(i));
  auto total = weft::delayed(
      [](const std::vector<int>& v) {
        long s = 0;
        for (int x : v) s += x;
        return s;
      },
      "sum")(parts);
  std::printf("compute: %ld\n", total.compute({.progress = mode}));

  std::vector<int> items(500);
  for (int i = 0; i < 500; ++i) items[static_cast<std::size_t>(i)] = i;
  sum = 0;
  for (int v : weft::parallel_map(nap, items, {.progress = mode})) sum += v;
  std::printf("parallel_map: %ld\n", sum);
  return 0;
}
