// weft::array elementwise operations: promotion, broadcasting, transpose, math functions,
// and fusion into one task per block.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "per_runtime.hpp"
#include "weft/array.hpp"

namespace wa = weft::array;
using wa::DType;

namespace {

class ArrayElementwise : public weft::testing::PerRuntime {};
INSTANTIATE_TEST_SUITE_P(Runtimes, ArrayElementwise, ::testing::Values("threads:2", "inline"),
                         weft::testing::runtime_name);

std::vector<double> iota(std::size_t n, double start = 0) {
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST(ArrayPromotion, FollowsNumPy) {
  EXPECT_EQ(wa::result_type(DType::kInt32, DType::kFloat32), DType::kFloat64);
  EXPECT_EQ(wa::result_type(DType::kInt64, DType::kFloat32), DType::kFloat64);
  EXPECT_EQ(wa::result_type(DType::kInt32, DType::kInt64), DType::kInt64);
  EXPECT_EQ(wa::result_type(DType::kBool, DType::kInt32), DType::kInt32);
  EXPECT_EQ(wa::result_type(DType::kFloat32, DType::kFloat32), DType::kFloat32);
  EXPECT_EQ(wa::result_type(DType::kFloat32, DType::kFloat64), DType::kFloat64);
  auto i32 = wa::ones({2}, {}, DType::kInt32);
  auto f32 = wa::ones({2}, {}, DType::kFloat32);
  auto b = wa::ones({2}, {}, DType::kBool);
  EXPECT_EQ((i32 + f32).dtype(), DType::kFloat64);
  EXPECT_EQ((i32 / i32).dtype(), DType::kFloat64);
  EXPECT_EQ((f32 / f32).dtype(), DType::kFloat32);
  EXPECT_EQ((i32 + 1).dtype(), DType::kInt32);      // weak scalar
  EXPECT_EQ((f32 * 2.5).dtype(), DType::kFloat32);  // weak scalar
  EXPECT_EQ((i32 + 0.5).dtype(), DType::kFloat64);
  EXPECT_EQ((b + 1).dtype(), DType::kInt64);
  EXPECT_EQ((b + b).dtype(), DType::kBool);
  EXPECT_EQ((i32 < f32).dtype(), DType::kBool);
  EXPECT_EQ(wa::sqrt(i32).dtype(), DType::kFloat64);
  EXPECT_EQ(wa::sqrt(f32).dtype(), DType::kFloat32);
  EXPECT_EQ(wa::abs(i32).dtype(), DType::kInt32);
  EXPECT_EQ(wa::pow(b, b).dtype(), DType::kInt64);
  EXPECT_THROW(b - b, wa::DTypeError);
  EXPECT_THROW(-b, wa::DTypeError);
}

TEST_P(ArrayElementwise, ArithmeticWithScalarsAndArrays) {
  auto x = wa::from_vector(iota(6), {2, 3}, {1, 2});
  auto y = wa::from_vector(iota(6, 1), {2, 3}, {1, 2});
  wa::Dense r = ((x + y) * 2 - 1.0 / y).compute();
  for (int i = 0; i < 6; ++i)
    EXPECT_DOUBLE_EQ(r.to_vector<double>()[i], (2 * i + 1) * 2 - 1.0 / (i + 1));
  EXPECT_EQ((10 - x).compute().to_vector<double>(), (std::vector<double>{10, 9, 8, 7, 6, 5}));
  EXPECT_EQ((-x).compute().at<double>({1, 2}), -5.0);
  auto ints = wa::from_vector(std::vector<std::int32_t>{7, -7, 3}, {3}, {2});
  wa::Dense q = (ints / 2).compute();
  EXPECT_EQ(q.dtype(), DType::kFloat64);
  EXPECT_EQ(q.to_vector<double>(), (std::vector<double>{3.5, -3.5, 1.5}));
  auto big = wa::full({1}, 2147483647, {}, DType::kInt32);
  EXPECT_EQ((big + 1).compute().at<std::int32_t>({0}), -2147483647 - 1);  // wraps, as NumPy
  auto flags = wa::from_vector(std::vector<std::int64_t>{0, 1, 0, 1}, {4}).astype(DType::kBool);
  auto other = wa::from_vector(std::vector<std::int64_t>{0, 0, 1, 1}, {4}).astype(DType::kBool);
  EXPECT_EQ((flags + other).compute().to_vector<int>(), (std::vector<int>{0, 1, 1, 1}));
  EXPECT_EQ((flags * other).compute().to_vector<int>(), (std::vector<int>{0, 0, 0, 1}));
  EXPECT_EQ((flags + 1).compute().to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{1, 2, 1, 2}));
}

TEST_P(ArrayElementwise, ComparisonsGiveBool) {
  auto x = wa::from_vector(std::vector<std::int32_t>{1, 2, 3, 4}, {4}, {3});
  auto y = wa::from_vector(std::vector<float>{1.5f, 2, 2.5f, 4}, {4}, {3});
  EXPECT_EQ((x < y).compute().to_vector<int>(), (std::vector<int>{1, 0, 0, 0}));
  EXPECT_EQ((x == y).compute().to_vector<int>(), (std::vector<int>{0, 1, 0, 1}));
  EXPECT_EQ((x >= 3).compute().to_vector<int>(), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ((2.5 != y).compute().to_vector<int>(), (std::vector<int>{1, 1, 0, 1}));
  EXPECT_EQ((x > 2.5).compute().to_vector<int>(), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ((x <= y).compute().dtype(), DType::kBool);
}

TEST_P(ArrayElementwise, BroadcastingFollowsNumPy) {
  auto m = wa::from_vector(iota(12), {3, 4}, {{2, 1}, {3, 1}});
  auto row = wa::from_vector(iota(4, 100), {4}, {{3, 1}});
  auto col = wa::from_vector(iota(3, 10), {3, 1}, {{2, 1}, {1}});
  wa::Dense r = (m + row).compute();
  EXPECT_EQ(r.shape(), (wa::Shape{3, 4}));
  EXPECT_EQ(r.at<double>({2, 3}), 11 + 103);
  wa::Dense c = (m * col).compute();
  EXPECT_EQ(c.at<double>({2, 1}), 9 * 12);
  wa::Dense outer = (col + row).compute();  // (3, 1) + (4,) -> (3, 4)
  EXPECT_EQ(outer.shape(), (wa::Shape{3, 4}));
  EXPECT_EQ(outer.at<double>({1, 2}), 11 + 102);
  auto zero = wa::ones({0, 4}, {{0}, {3, 1}});
  EXPECT_EQ((zero + row).compute().shape(), (wa::Shape{0, 4}));
  auto s = wa::full({}, 2.0);
  EXPECT_EQ((m * s).compute().at<double>({1, 1}), 10.0);
}

TEST(ArrayBroadcast, MismatchesAreTypedErrors) {
  auto a = wa::ones({3, 4}, {2, 2});
  try {
    (void)(a + wa::ones({3}));
    FAIL();
  } catch (const wa::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("(3, 4) and (3,)"), std::string::npos) << e.what();
  }
  try {
    (void)(a + wa::ones({3, 4}, {3, 2}));
    FAIL();
  } catch (const wa::ChunkError& e) {
    EXPECT_NE(std::string(e.what()).find("axis 0"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW((void)(a + wa::ones({1, 4}, {1, 2})));
  EXPECT_THROW(a.transpose({0}), wa::AxisError);
  EXPECT_THROW(a.transpose({0, 0}), wa::AxisError);
  EXPECT_THROW(a.transpose({0, 2}), wa::AxisError);
}

TEST_P(ArrayElementwise, TransposeReadsBlocksTransposed) {
  const std::vector<double> v = iota(5 * 7);
  auto x = wa::from_vector(v, {5, 7}, {{2, 3}, {4, 3}});
  wa::Dense t = x.T().compute();
  EXPECT_EQ(t.shape(), (wa::Shape{7, 5}));
  EXPECT_EQ(x.T().chunks(), (std::vector<std::vector<std::int64_t>>{{4, 3}, {2, 3}}));
  for (int i = 0; i < 7; ++i) {
    for (int j = 0; j < 5; ++j) ASSERT_EQ(t.at<double>({i, j}), v[j * 7 + i]);
  }
  auto sq = wa::random_normal({130, 130}, {{64, 66}, {64, 66}}, {.seed = 3});
  const std::vector<double> s = sq.compute().to_vector<double>();
  wa::Dense sym = (sq + sq.T() * 2).compute();
  for (int i = 0; i < 130; i += 7) {
    for (int j = 0; j < 130; j += 3)
      ASSERT_DOUBLE_EQ(sym.at<double>({i, j}), s[i * 130 + j] + 2 * s[j * 130 + i]);
  }
  auto cube = wa::from_vector(iota(24), {2, 3, 4}, {1, 2, 3});
  wa::Dense p = cube.transpose({1, -1, 0}).compute();
  EXPECT_EQ(p.shape(), (wa::Shape{3, 4, 2}));
  EXPECT_EQ(p.at<double>({2, 1, 1}), 1 * 12 + 2 * 4 + 1);
  EXPECT_EQ(x.T().T().compute().to_vector<double>(), v);
}

TEST_P(ArrayElementwise, MathFunctionsWhereClipPow) {
  const std::vector<double> v{-2, -0.5, 0.25, 1, 4};
  auto x = wa::from_vector(v, {5}, {2});
  auto check = [&](const wa::Array& a, double (*f)(double)) {
    const std::vector<double> got = a.compute().to_vector<double>();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double want = f(v[i]);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got[i]));
      } else {
        EXPECT_DOUBLE_EQ(got[i], want);
      }
    }
  };
  check(wa::abs(x), [](double e) { return std::fabs(e); });
  check(wa::sqrt(x), [](double e) { return std::sqrt(e); });
  check(wa::exp(x), [](double e) { return std::exp(e); });
  check(wa::log(x), [](double e) { return std::log(e); });
  check(wa::sin(x), [](double e) { return std::sin(e); });
  check(wa::cos(x), [](double e) { return std::cos(e); });
  check(wa::pow(x, 2), [](double e) { return e * e; });
  check(wa::clip(x, -1, 1.5), [](double e) { return std::min(std::max(e, -1.0), 1.5); });
  check(wa::where(x > 0, x, 0), [](double e) { return e > 0 ? e : 0.0; });
  auto ints = wa::from_vector(std::vector<std::int64_t>{2, 3, -1}, {3});
  EXPECT_EQ(wa::pow(ints, 3).compute().to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{8, 27, -1}));
  EXPECT_EQ(wa::pow(ints, ints).dtype(), DType::kInt64);
  EXPECT_THROW(wa::pow(ints, ints).compute(), weft::TaskError);  // 3 ** -1: NumPy refuses too
  EXPECT_EQ(wa::abs(ints).compute().to_vector<int>(), (std::vector<int>{2, 3, 1}));
  wa::Dense w = wa::where(ints, 1.5f, ints).compute();  // nonzero condition; float32 vs int64
  EXPECT_EQ(w.dtype(), DType::kFloat64);
  EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{1.5, 1.5, 1.5}));
  EXPECT_EQ(wa::clip(ints, 0, 2).compute().to_vector<int>(), (std::vector<int>{2, 2, 0}));
  wa::Dense nan_clip = wa::clip(wa::full({1}, NAN), 0, 1).compute();
  EXPECT_TRUE(std::isnan(nan_clip.at<double>({0})));
  EXPECT_EQ(wa::full({2}, 3.7).astype(DType::kInt32).compute().to_vector<int>(),
            (std::vector<int>{3, 3}));
  EXPECT_EQ(wa::full({1}, NAN).astype(DType::kInt64).compute().at<std::int64_t>({0}),
            std::numeric_limits<std::int64_t>::min());
}

TEST_P(ArrayElementwise, ChainsFuseIntoOneTaskPerBlock) {
  auto x = wa::random_normal({40, 30}, {10, 10}, {.seed = 1});  // 4 x 3 blocks
  auto y = wa::random_uniform({40, 30}, {10, 10}, {.seed = 2});
  wa::Array chain = wa::sqrt(wa::abs(x * 2 + y) + 1) - wa::exp(y) / 3 + x;
  const std::vector<weft::Delayed<wa::Dense>> blocks = chain.blocks();
  ASSERT_EQ(blocks.size(), 12u);
  // Per output block: one fused task plus the two generated input blocks.
  for (const auto& b : blocks) EXPECT_EQ(weft::Graph::of(b).size(), 3u);
  // The whole array: 12 + 12 generators, 12 fused tasks, one assembly.
  EXPECT_EQ(weft::Graph::of(chain.to_delayed()).size(), 37u);
  const std::vector<double> xv = x.compute().to_vector<double>();
  const std::vector<double> yv = y.compute().to_vector<double>();
  const std::vector<double> got = chain.compute().to_vector<double>();
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_DOUBLE_EQ(got[i],
                     std::sqrt(std::fabs(xv[i] * 2 + yv[i]) + 1) - std::exp(yv[i]) / 3 + xv[i]);
  }
  // x + x.T reads x's blocks twice, transposed: still one task per output block.
  auto sq = wa::random_normal({30, 30}, {10, 10}, {.seed = 4});
  EXPECT_EQ(weft::Graph::of((sq + sq.T()).to_delayed()).size(), 9u + 9u + 1u);
}

}  // namespace
