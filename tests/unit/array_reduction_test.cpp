// weft::array reductions: every kind, over all or chosen axes, keepdims, split_every,
// result dtypes, empty and NaN inputs, and that intermediate blocks are freed early.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "per_runtime.hpp"
#include "weft/array.hpp"

namespace wa = weft::array;
using wa::DType;

namespace {

class ArrayReduction : public weft::testing::PerRuntime {};
INSTANTIATE_TEST_SUITE_P(Runtimes, ArrayReduction, ::testing::Values("threads:2", "inline"),
                         weft::testing::runtime_name);

// A 7 x 5 array with irregular chunks and the same values in plain C++.
std::vector<double> fixture_values() {
  std::vector<double> v;
  for (int i = 0; i < 35; ++i) v.push_back(std::sin(i * 1.7) * 10 + (i % 4));
  return v;
}
struct Fixture {
  std::vector<double> v = fixture_values();
  wa::Array x = wa::from_vector(v, {7, 5}, {{3, 1, 3}, {2, 3}});
  double at(int i, int j) const { return v[i * 5 + j]; }
};

TEST_P(ArrayReduction, OverAllAxes) {
  Fixture f;
  const double sum = std::accumulate(f.v.begin(), f.v.end(), 0.0);
  const double mean = sum / 35;
  double m2 = 0;
  for (double e : f.v) m2 += (e - mean) * (e - mean);
  EXPECT_NEAR(f.x.sum().compute().item<double>(), sum, 1e-12);
  EXPECT_EQ(f.x.sum().shape(), wa::Shape{});
  EXPECT_NEAR(f.x.mean().compute().item<double>(), mean, 1e-13);
  EXPECT_NEAR(f.x.var().compute().item<double>(), m2 / 35, 1e-12);
  EXPECT_NEAR(f.x.std({.ddof = 1}).compute().item<double>(), std::sqrt(m2 / 34), 1e-12);
  EXPECT_EQ(f.x.min().compute().item<double>(), *std::min_element(f.v.begin(), f.v.end()));
  EXPECT_EQ(f.x.max().compute().item<double>(), *std::max_element(f.v.begin(), f.v.end()));
  EXPECT_EQ(f.x.argmin().compute().item<std::int64_t>(),
            std::min_element(f.v.begin(), f.v.end()) - f.v.begin());
  EXPECT_EQ(f.x.argmax().compute().item<std::int64_t>(),
            std::max_element(f.v.begin(), f.v.end()) - f.v.begin());
  EXPECT_TRUE((f.x > 9).any().compute().item<bool>());
  EXPECT_FALSE((f.x > 9).all().compute().item<bool>());
  EXPECT_TRUE((f.x > -100).all().compute().item<bool>());
  auto small = wa::from_vector(std::vector<double>{1.5, -2, 3, 0.5}, {4}, {3});
  EXPECT_DOUBLE_EQ(small.prod().compute().item<double>(), -4.5);
}

TEST_P(ArrayReduction, OverChosenAxesWithKeepdims) {
  Fixture f;
  wa::Dense s0 = f.x.sum({.axis = {0}}).compute();
  EXPECT_EQ(s0.shape(), (wa::Shape{5}));
  wa::Dense m1 = f.x.mean({.axis = {-1}, .keepdims = true}).compute();
  EXPECT_EQ(m1.shape(), (wa::Shape{7, 1}));
  wa::Dense v0 = f.x.var({.axis = {0}, .ddof = 1}).compute();
  wa::Dense a0 = f.x.argmax({.axis = {0}}).compute();
  wa::Dense n1 = f.x.min({.axis = {1}}).compute();
  for (int j = 0; j < 5; ++j) {
    double s = 0, best = -1e300;
    std::int64_t arg = 0;
    for (int i = 0; i < 7; ++i) {
      s += f.at(i, j);
      if (f.at(i, j) > best) best = f.at(i, j), arg = i;
    }
    EXPECT_NEAR(s0.at<double>({j}), s, 1e-12);
    double m2 = 0;
    for (int i = 0; i < 7; ++i) m2 += (f.at(i, j) - s / 7) * (f.at(i, j) - s / 7);
    EXPECT_NEAR(v0.at<double>({j}), m2 / 6, 1e-12);
    EXPECT_EQ(a0.at<std::int64_t>({j}), arg);
  }
  for (int i = 0; i < 7; ++i) {
    double s = 0, lo = 1e300;
    for (int j = 0; j < 5; ++j) s += f.at(i, j), lo = std::min(lo, f.at(i, j));
    EXPECT_NEAR(m1.at<double>({i, 0}), s / 5, 1e-13);
    EXPECT_EQ(n1.at<double>({i}), lo);
  }
  wa::Dense both = f.x.sum({.axis = {1, 0}, .keepdims = true}).compute();
  EXPECT_EQ(both.shape(), (wa::Shape{1, 1}));
  EXPECT_NEAR(both.at<double>({0, 0}), std::accumulate(f.v.begin(), f.v.end(), 0.0), 1e-12);
}

TEST_P(ArrayReduction, ResultDtypesAreNumPys) {
  auto i32 = wa::from_vector(std::vector<std::int32_t>{2000000000, 2000000000, 5}, {3}, {2});
  wa::Dense s = i32.sum().compute();
  EXPECT_EQ(s.dtype(), DType::kInt64);  // no overflow: summed in int64
  EXPECT_EQ(s.item<std::int64_t>(), 4000000005);
  EXPECT_EQ(i32.mean().dtype(), DType::kFloat64);
  EXPECT_EQ(i32.max().dtype(), DType::kInt32);
  EXPECT_EQ(i32.max().compute().item<std::int32_t>(), 2000000000);
  EXPECT_EQ(i32.argmin().compute().item<std::int64_t>(), 2);
  EXPECT_EQ(i32.argmax().compute().item<std::int64_t>(), 0);  // ties: the first
  auto f32 = wa::ones({10}, {3}, DType::kFloat32);
  EXPECT_EQ(f32.sum().dtype(), DType::kFloat32);
  EXPECT_EQ(f32.mean().dtype(), DType::kFloat32);
  EXPECT_EQ(f32.std().compute().item<float>(), 0.0f);
  auto flags = wa::ones({4}, {3}, DType::kBool);
  EXPECT_EQ(flags.sum().dtype(), DType::kInt64);
  EXPECT_EQ(flags.sum().compute().item<std::int64_t>(), 4);
  EXPECT_EQ(flags.any().dtype(), DType::kBool);
}

TEST_P(ArrayReduction, SplitEverySetsTheTreesFanIn) {
  auto x = wa::ones({64}, {1});  // 64 blocks
  auto count = [](const wa::Array& a) { return weft::Graph::of(a.to_delayed()).size(); };
  // 64 generators + 64 partials, then 16 + 4 + 1 combines of 4, one finalize.
  EXPECT_EQ(count(x.sum({.split_every = 4})), 64u + 64u + 21u + 1u);
  EXPECT_EQ(count(x.sum({.split_every = 64})), 64u + 64u + 1u + 1u);
  EXPECT_EQ(x.sum({.split_every = 2}).compute().item<double>(), 64.0);
  EXPECT_THROW(x.sum({.split_every = 1}), weft::ConfigError);
  auto m = wa::ones({12, 12}, {2, 2});
  EXPECT_EQ(m.mean({.split_every = 3}).compute().item<double>(), 1.0);
  EXPECT_EQ(m.sum({.axis = {1}, .split_every = 2}).compute().to_vector<double>(),
            std::vector<double>(12, 12.0));
}

TEST_P(ArrayReduction, VarianceStaysAccurateWithALargeOffset) {
  // Naive sum-of-squares loses everything here; Chan's merge keeps it.
  auto x = wa::arange(0, 1000, 1, {37}) + 1e9;
  EXPECT_NEAR(x.var().compute().item<double>(), (1000.0 * 1000 - 1) / 12, 1e-3);
}

TEST_P(ArrayReduction, EmptyAndNaN) {
  auto empty = wa::ones({0, 3}, {2, 2});
  EXPECT_EQ(empty.sum().compute().item<double>(), 0.0);
  EXPECT_EQ(empty.prod().compute().item<double>(), 1.0);
  EXPECT_TRUE(std::isnan(empty.mean().compute().item<double>()));
  EXPECT_EQ(empty.sum({.axis = {0}}).compute().to_vector<double>(), std::vector<double>(3, 0.0));
  EXPECT_EQ(empty.max({.axis = {1}}).compute().shape(), (wa::Shape{0}));
  EXPECT_THROW(empty.max(), wa::ShapeError);
  EXPECT_THROW(empty.argmin({.axis = {0}}), wa::ShapeError);
  auto withnan = wa::from_vector(std::vector<double>{1, NAN, 3, NAN}, {4}, {3});
  EXPECT_TRUE(std::isnan(withnan.max().compute().item<double>()));
  EXPECT_TRUE(std::isnan(withnan.min().compute().item<double>()));
  EXPECT_EQ(withnan.argmax().compute().item<std::int64_t>(), 1);
  EXPECT_EQ(withnan.argmin().compute().item<std::int64_t>(), 1);
}

TEST(ArrayReductionArgs, BadAxesAreTypedErrors) {
  auto x = wa::ones({3, 4}, {2, 2});
  EXPECT_THROW(x.sum({.axis = {2}}), wa::AxisError);
  EXPECT_THROW(x.sum({.axis = {-3}}), wa::AxisError);
  EXPECT_THROW(x.sum({.axis = {0, -2}}), wa::AxisError);
  EXPECT_THROW(x.argmax({.axis = {0, 1}}), wa::AxisError);
}

TEST_P(ArrayReduction, FusedProgramsReduceWithoutAnEvaluateTask) {
  auto x = wa::random_normal({60, 60}, {20, 20}, {.seed = 9});
  wa::Array total = (x + x.T()).sum({.split_every = 9});
  // 9 generators, 9 fused partials, one combine, one finalize.
  EXPECT_EQ(weft::Graph::of(total.to_delayed()).size(), 20u);
  const std::vector<double> v = x.compute().to_vector<double>();
  EXPECT_NEAR(total.compute().item<double>(), 2 * std::accumulate(v.begin(), v.end(), 0.0), 1e-9);
  wa::Dense m = (x.T() * 2).mean({.axis = {0}}).compute();
  for (int j = 0; j < 60; j += 7) {
    double s = 0;
    for (int i = 0; i < 60; ++i) s += 2 * v[j * 60 + i];
    EXPECT_NEAR(m.at<double>({j}), s / 60, 1e-12);
  }
}

// Blocks made by from_blocks count themselves alive: the executor must free each input
// block once its consumers have run, so a reduction over many blocks never holds them all.
std::atomic<int> g_live{0};
std::atomic<int> g_peak{0};
struct Counted {
  Counted() {
    const int now = ++g_live;
    int peak = g_peak.load();
    while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
    }
  }
  ~Counted() { --g_live; }
};

// On threads, a block's consumers run as soon as it is ready (the pool runs dependents
// first), so only blocks in flight are alive. The inline runtime runs tasks in the graph's
// topological order instead, which is for debugging, not memory.
TEST(ArrayMemory, IntermediateBlocksAreFreedEarly) {
  weft::Runtime rt = weft::init("threads:2");
  g_live = 0;
  g_peak = 0;
  auto counted = [](const wa::BlockInfo& info) {
    auto token = std::make_shared<Counted>();
    std::vector<double> values(static_cast<std::size_t>(info.shape[0] * info.shape[1]), 1.0);
    auto holder = std::make_shared<std::pair<std::shared_ptr<Counted>, std::vector<double>>>(
        token, std::move(values));
    const auto bytes = holder->second.size() * sizeof(double);
    return wa::Dense(wa::DType::kFloat64, info.shape,
                     weft::Buffer(holder->second.data(), bytes, holder));
  };
  auto x = wa::from_blocks(counted, {400, 400}, {20, 20});  // 400 blocks
  EXPECT_EQ((x + x.T()).sum().compute().item<double>(), 2.0 * 400 * 400);
  EXPECT_EQ(g_live.load(), 0);
  EXPECT_GT(g_peak.load(), 0);
  EXPECT_LT(g_peak.load(), 60) << "blocks alive at once, of 400";
}

}  // namespace
