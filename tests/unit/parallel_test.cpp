// parallel_map, parallel_map_unordered and parallel_for.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <numeric>
#include <ranges>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "per_runtime.hpp"
#include "weft/weft.hpp"

namespace {

class ParallelTest : public weft::testing::PerRuntime {};

TEST_P(ParallelTest, MapKeepsInputOrder) {
  std::vector<int> in(100000);
  std::iota(in.begin(), in.end(), 0);
  auto out = weft::parallel_map([](int x) { return 2L * x; }, in);
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) ASSERT_EQ(out[i], 2L * in[i]) << i;
}

TEST_P(ParallelTest, MapJoblibSqrtExample) {
  auto out = weft::parallel_map([](int i) { return std::sqrt(static_cast<double>(i * i)); },
                                std::views::iota(0, 10), {.n_jobs = 2});
  std::vector<double> expected{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(out, expected);
}

TEST_P(ParallelTest, MapOfBoolAndNonDefaultConstructible) {
  std::array<int, 5> in{1, 2, 3, 4, 5};
  auto even = weft::parallel_map([](int x) { return x % 2 == 0; }, in);
  EXPECT_EQ(even, (std::vector<bool>{false, true, false, true, false}));
  struct Boxed {
    explicit Boxed(int v) : v(v) {}
    int v;
  };
  auto boxed = weft::parallel_map([](int x) { return Boxed(x * 10); }, in);
  ASSERT_EQ(boxed.size(), 5u);
  EXPECT_EQ(boxed[4].v, 50);
}

TEST_P(ParallelTest, EmptyInput) {
  std::vector<int> in;
  EXPECT_TRUE(weft::parallel_map([](int x) { return x; }, in).empty());
  int calls = 0;
  weft::parallel_for(5, 5, [&](std::int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST_P(ParallelTest, FirstExceptionPropagatesAndStopsTheRest) {
  std::vector<int> in(1000000);
  std::iota(in.begin(), in.end(), 0);
  std::atomic<long> calls{0};
  try {
    weft::parallel_map(
        [&](int x) {
          calls.fetch_add(1, std::memory_order_relaxed);
          if (x == 10) throw std::invalid_argument("bad item");
          return x;
        },
        in, {.name = "score"});
    FAIL() << "expected TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.task_name(), "score[10]");
    EXPECT_EQ(e.type_name(), "std::invalid_argument");
    EXPECT_EQ(e.message(), "bad item");
  }
  // The failing item sits in the first batch; the rest are abandoned, not run to the end.
  EXPECT_LT(calls.load(), 1000000);
}

TEST_P(ParallelTest, ForVisitsEveryIndexOnce) {
  std::vector<std::atomic<int>> seen(50000);
  weft::parallel_for(-100, 49900,
                     [&](std::int64_t i) { seen[static_cast<std::size_t>(i + 100)]++; });
  for (auto& s : seen) ASSERT_EQ(s.load(), 1);
}

TEST_P(ParallelTest, FixedBatchSize) {
  std::vector<int> in(1001, 1);
  auto out = weft::parallel_map([](int x) { return x + 1; }, in, {.batch_size = 7});
  EXPECT_EQ(std::accumulate(out.begin(), out.end(), 0), 2002);
}

TEST_P(ParallelTest, UnorderedYieldsEveryResultOnce) {
  std::vector<int> in(5000);
  std::iota(in.begin(), in.end(), 0);
  auto f = [](int x) { return x * 3; };
  std::set<std::size_t> indices;
  for (auto& [i, r] : weft::parallel_map_unordered(f, in)) {
    EXPECT_EQ(r, static_cast<int>(i) * 3);
    indices.insert(i);
  }
  EXPECT_EQ(indices.size(), in.size());
}

TEST_P(ParallelTest, UnorderedReportsFailure) {
  std::vector<int> in(100);
  std::iota(in.begin(), in.end(), 0);
  auto f = [](int x) {
    if (x == 42) throw std::runtime_error("no 42");
    return x;
  };
  auto stream = weft::parallel_map_unordered(f, in);
  EXPECT_THROW(
      {
        while (stream.next()) {
        }
      },
      weft::TaskError);
}

TEST_P(ParallelTest, NestedParallelMapInsideTasks) {
  auto outer = weft::parallel_map(
      [](int row) {
        auto inner = weft::parallel_map([row](int c) { return row * c; }, std::views::iota(0, 100));
        return std::accumulate(inner.begin(), inner.end(), 0L);
      },
      std::views::iota(0, 20));
  for (int row = 0; row < 20; ++row) EXPECT_EQ(outer[static_cast<std::size_t>(row)], row * 4950L);
}

INSTANTIATE_TEST_SUITE_P(Runtimes, ParallelTest,
                         ::testing::Values("threads:2", "threads:3", "inline"),
                         weft::testing::runtime_name);

TEST(ParallelJobsTest, ZeroJobsIsAConfigError) {
  auto rt = weft::init("threads:2");
  std::vector<int> in{1, 2};
  EXPECT_THROW(weft::parallel_map([](int x) { return x; }, in, {.n_jobs = 0}), weft::ConfigError);
}

TEST(ParallelJobsTest, JobsLimitConcurrency) {
  auto rt = weft::init("threads:4");
  std::atomic<int> running{0}, peak{0};
  weft::parallel_for(0, 64,
                     [&](std::int64_t) {
                       int now = running.fetch_add(1) + 1;
                       int p = peak.load();
                       while (now > p && !peak.compare_exchange_weak(p, now)) {
                       }
                       std::this_thread::sleep_for(std::chrono::milliseconds(2));
                       running.fetch_sub(1);
                     },
                     {.n_jobs = 2});
  EXPECT_LE(peak.load(), 2);
  EXPECT_GE(peak.load(), 1);
}

}  // namespace
