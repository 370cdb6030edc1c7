// What a progress bar costs: the same no-op workloads with the bar on and off, on
// threads:2, interleaved in one run, median of the repetitions.
//   parallel_map of 1,000,000 no-op items
//   get() of 100,000 no-op tasks
//   compute() of a graph of 100,000 no-op nodes
// Prints one line per workload with both medians and the ratio (on / off). The bars go to
// stderr: run with 2>/dev/null to keep the table alone.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include <weft/weft.hpp>

namespace {

constexpr int kRepetitions = 15;

double seconds(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs run(progress) with the bar off and on, alternating, and prints the medians.
void compare(const char* name, const std::function<void(weft::Progress)>& run) {
  run(weft::Progress::kOff);  // warm-up
  std::vector<double> off, on;
  for (int r = 0; r < kRepetitions; ++r) {
    off.push_back(seconds([&] { run(weft::Progress::kOff); }));
    on.push_back(seconds([&] { run(weft::Progress::kOn); }));
  }
  const double a = median(off), b = median(on);
  std::printf("%-34s off %8.2f ms   on %8.2f ms   on/off %.3f\n", name, a * 1e3, b * 1e3, b / a);
}

int noop(int x) { return x; }

}  // namespace

int main() {
  auto rt = weft::init("threads:2");

  std::vector<int> items(1'000'000);
  for (std::size_t i = 0; i < items.size(); ++i) items[i] = static_cast<int>(i);
  compare("parallel_map, 1M no-op items", [&](weft::Progress p) {
    auto out = weft::parallel_map(noop, items, {.progress = p});
    if (out.back() != static_cast<int>(items.size()) - 1) std::abort();
  });

  compare("get, 100k no-op tasks", [](weft::Progress p) {
    std::vector<weft::Ref<int>> refs;
    refs.reserve(100'000);
    for (int i = 0; i < 100'000; ++i) refs.push_back(weft::remote(noop, i));
    if (weft::get(refs, {.progress = p}).back() != 99'999) std::abort();
  });

  auto lazy = weft::delayed(noop, "noop");
  std::vector<weft::Delayed<int>> nodes;
  for (int i = 0; i < 100'000; ++i) nodes.push_back(lazy(i));
  auto count = weft::delayed([](const std::vector<int>& v) { return v.size(); }, "count")(nodes);
  compare("compute, 100k no-op nodes", [&](weft::Progress p) {
    if (count.compute({.progress = p}) != 100'000) std::abort();
  });
  return 0;
}
