// parallel_map's automatic batching: a million calls of a ~1 us function, against a
// hand-written loop split across the cores with std::thread (the bar), oneTBB's
// parallel_for with its auto partitioner, and a serial loop.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <cstdint>
#include <numeric>
#include <ranges>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

namespace {

constexpr int kItems = 1'000'000;

// About a microsecond of arithmetic that the compiler cannot fold away.
double one_microsecond(std::int64_t i) {
  double x = static_cast<double>(i);
  for (int k = 0; k < 200; ++k) x = std::sqrt(x + 1.0);
  return x;
}

int threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

void BM_Serial(benchmark::State& state) {
  std::vector<double> out(kItems);
  for (auto _ : state) {
    for (int i = 0; i < kItems; ++i) out[static_cast<std::size_t>(i)] = one_microsecond(i);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}

void BM_HandSplitThreads(benchmark::State& state) {
  std::vector<double> out(kItems);
  const int n = threads();
  for (auto _ : state) {
    std::vector<std::thread> pool;
    for (int t = 0; t < n; ++t) {
      pool.emplace_back([&, t] {
        const int lo = kItems / n * t, hi = t == n - 1 ? kItems : kItems / n * (t + 1);
        for (int i = lo; i < hi; ++i) out[static_cast<std::size_t>(i)] = one_microsecond(i);
      });
    }
    for (auto& th : pool) th.join();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}

void BM_TbbParallelFor(benchmark::State& state) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads()));
  std::vector<double> out(kItems);
  for (auto _ : state) {
    tbb::parallel_for(0, kItems, [&](int i) { out[static_cast<std::size_t>(i)] = one_microsecond(i); });
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}

void BM_WeftParallelMap(benchmark::State& state) {
  auto rt = weft::init(weft::Config{.workers = threads()});
  const auto inputs = std::views::iota(std::int64_t{0}, std::int64_t{kItems});
  for (auto _ : state) {
    auto out = weft::parallel_map(one_microsecond, inputs);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}

void BM_WeftParallelFor(benchmark::State& state) {
  auto rt = weft::init(weft::Config{.workers = threads()});
  std::vector<double> out(kItems);
  for (auto _ : state) {
    weft::parallel_for(0, kItems, [&](std::int64_t i) {
      out[static_cast<std::size_t>(i)] = one_microsecond(i);
    });
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}

BENCHMARK(BM_Serial)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_HandSplitThreads)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TbbParallelFor)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_WeftParallelMap)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_WeftParallelFor)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
