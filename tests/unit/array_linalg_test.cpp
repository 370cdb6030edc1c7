// weft::array linear algebra: matmul, dot and tensordot as blocked products against plain
// C++ reference loops, on small irregular chunks, every dtype and NumPy's promotion.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "per_runtime.hpp"
#include "weft/array.hpp"

namespace wa = weft::array;

namespace {

class ArrayLinalg : public weft::testing::PerRuntime {};
INSTANTIATE_TEST_SUITE_P(Runtimes, ArrayLinalg, ::testing::Values("threads:2", "inline"),
                         weft::testing::runtime_name);

// Small integers, so that every dtype holds the products exactly.
template <class T>
std::vector<T> values(std::size_t n, int seed) {
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<T>(static_cast<int>((i * 7 + seed * 3) % 11) - 5);
  return v;
}

// c[i][j] = sum_p a[i][p] * b[p][j], all row-major, in double.
std::vector<double> reference(const std::vector<double>& a, const std::vector<double>& b,
                              std::int64_t m, std::int64_t k, std::int64_t n) {
  std::vector<double> c(static_cast<std::size_t>(m * n), 0.0);
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t p = 0; p < k; ++p) {
      for (std::int64_t j = 0; j < n; ++j) c[i * n + j] += a[i * k + p] * b[p * n + j];
    }
  }
  return c;
}

template <class T>
void check_matmul(wa::DType dtype) {
  const std::int64_t m = 7, k = 9, n = 5;
  const std::vector<T> av = values<T>(m * k, 1), bv = values<T>(k * n, 2);
  const wa::Array a = wa::from_vector(av, {m, k}, {{3, 3, 1}, {4, 1, 4}});
  const wa::Array b = wa::from_vector(bv, {k, n}, {{4, 1, 4}, {2, 3}});
  const wa::Array c = wa::matmul(a, b);
  EXPECT_EQ(c.dtype(), dtype);
  EXPECT_EQ(c.shape(), (wa::Shape{m, n}));
  EXPECT_EQ(c.chunks(), (std::vector<std::vector<std::int64_t>>{{3, 3, 1}, {2, 3}}));
  // One task per output block, fed by the input blocks.
  // 6 products, 9 + 6 blocks read out of two shared inputs, and the assembling node.
  EXPECT_EQ(weft::Graph::of(c.to_delayed()).size(), 6u + (9 + 1) + (6 + 1) + 1);
  const wa::Dense d = c.compute();
  EXPECT_EQ(d.dtype(), dtype);
  const std::vector<double> want = reference(std::vector<double>(av.begin(), av.end()),
                                             std::vector<double>(bv.begin(), bv.end()), m, k, n);
  EXPECT_EQ(d.to_vector<double>(), want);
}

TEST_P(ArrayLinalg, MatmulMatchesReferenceInEveryNumericDtype) {
  check_matmul<double>(wa::DType::kFloat64);
  check_matmul<float>(wa::DType::kFloat32);
  check_matmul<std::int32_t>(wa::DType::kInt32);
  check_matmul<std::int64_t>(wa::DType::kInt64);
}

TEST_P(ArrayLinalg, LargerFloatBlocksAgreeWithReferenceToRounding) {
  const wa::Array a = wa::random_normal({130, 70}, {50, 30}, {.seed = 1});
  const wa::Array b = wa::random_normal({70, 90}, {30, 40}, {.seed = 2});
  const std::vector<double> want =
      reference(a.compute().to_vector<double>(), b.compute().to_vector<double>(), 130, 70, 90);
  const std::vector<double> got = wa::matmul(a, b).compute().to_vector<double>();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-11) << i;
  // float32 through sgemm, to float32 rounding.
  const std::vector<float> got32 =
      wa::matmul(a.astype(wa::DType::kFloat32), b.astype(wa::DType::kFloat32))
          .compute()
          .to_vector<float>();
  for (std::size_t i = 0; i < got32.size(); ++i) ASSERT_NEAR(got32[i], want[i], 1e-3) << i;
}

TEST_P(ArrayLinalg, PromotesAsNumpy) {
  const wa::Array i32 = wa::from_vector(values<std::int32_t>(6, 1), {2, 3});
  const wa::Array f32 = wa::from_vector(values<float>(6, 2), {3, 2});
  const wa::Array i64 = wa::from_vector(values<std::int64_t>(6, 3), {3, 2});
  const wa::Array b = wa::from_vector(std::vector<std::int32_t>{1, 0, 0, 0, 1, 0}, {3, 2}) != 0;
  EXPECT_EQ(wa::matmul(i32, f32).dtype(), wa::DType::kFloat64);  // int32 with float32
  EXPECT_EQ(wa::matmul(i32, i64).dtype(), wa::DType::kInt64);
  EXPECT_EQ(wa::matmul(f32.T(), f32).dtype(), wa::DType::kFloat32);
  EXPECT_EQ(wa::matmul(i32, b).dtype(), wa::DType::kInt32);
  const std::vector<std::int32_t> iv = values<std::int32_t>(6, 1);
  const std::vector<double> want =
      reference(std::vector<double>(iv.begin(), iv.end()), {1, 0, 0, 0, 1, 0}, 2, 3, 2);
  EXPECT_EQ(wa::matmul(i32, b).compute().to_vector<double>(), want);
  // bool @ bool is bool: "or" of "and"s.
  const wa::Array bb = wa::matmul(b.T(), b);
  EXPECT_EQ(bb.dtype(), wa::DType::kBool);
  EXPECT_EQ(bb.compute().to_vector<int>(), (std::vector<int>{1, 0, 0, 0}));
}

TEST_P(ArrayLinalg, IntegerProductsWrapAround) {
  const wa::Array a = wa::full({1, 2}, 1 << 30, {}, wa::DType::kInt32);
  const wa::Array b = wa::full({2, 1}, 4, {}, wa::DType::kInt32);
  // 2 * 2^32 wraps to 0 in int32, as in NumPy.
  EXPECT_EQ(wa::matmul(a, b).compute().item<std::int64_t>(), 0);
}

TEST_P(ArrayLinalg, VectorsFollowNumpyMatmul) {
  const std::vector<double> m = values<double>(12, 4), v = values<double>(4, 5);
  const wa::Array mat = wa::from_vector(m, {3, 4}, {2, 3});
  const wa::Array vec = wa::from_vector(v, {4}, {3});
  const wa::Array mv = wa::matmul(mat, vec);
  EXPECT_EQ(mv.shape(), (wa::Shape{3}));
  EXPECT_EQ(mv.compute().to_vector<double>(), reference(m, v, 3, 4, 1));
  const std::vector<double> u = values<double>(3, 6);
  const wa::Array vm = wa::matmul(wa::from_vector(u, {3}, {2}), mat);
  EXPECT_EQ(vm.shape(), (wa::Shape{4}));
  EXPECT_EQ(vm.compute().to_vector<double>(), reference(u, m, 1, 3, 4));
  const wa::Array inner = wa::dot(vec, vec);
  EXPECT_EQ(inner.ndim(), 0u);
  EXPECT_EQ(inner.compute().item<double>(), reference(v, v, 1, 4, 1)[0]);
  // dot with a 0-d operand multiplies.
  EXPECT_EQ(wa::dot(wa::full({}, 2.0), vec).compute().to_vector<double>(),
            (std::vector<double>{2 * v[0], 2 * v[1], 2 * v[2], 2 * v[3]}));
}

TEST_P(ArrayLinalg, TensordotOverChosenAxes) {
  // a (2, 3, 4), b (4, 3, 5): contract a's axes 1, 2 with b's 1, 0.
  const std::vector<double> av = values<double>(24, 7), bv = values<double>(60, 8);
  const wa::Array a = wa::from_vector(av, {2, 3, 4}, {{1, 1}, {2, 1}, {3, 1}});
  const wa::Array b = wa::from_vector(bv, {4, 3, 5}, {{3, 1}, {2, 1}, {4, 1}});
  const wa::Array c = wa::tensordot(a, b, {1, -1}, {1, 0});
  EXPECT_EQ(c.shape(), (wa::Shape{2, 5}));
  std::vector<double> want(10, 0.0);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        for (int l = 0; l < 5; ++l)
          want[i * 5 + l] += av[i * 12 + j * 4 + k] * bv[k * 15 + j * 5 + l];
  EXPECT_EQ(c.compute().to_vector<double>(), want);

  // axes = n: the last n of a with the first n of b; 0 is the outer product.
  const wa::Array x = wa::from_vector(values<double>(6, 1), {2, 3}, {1, 2});
  const wa::Array y = wa::from_vector(values<double>(12, 2), {3, 4}, {2, 3});
  EXPECT_EQ(wa::tensordot(x, y, 1).compute().to_vector<double>(),
            wa::matmul(x, y).compute().to_vector<double>());
  const wa::Array outer = wa::tensordot(x, y, 0);
  EXPECT_EQ(outer.shape(), (wa::Shape{2, 3, 3, 4}));
  EXPECT_EQ(outer.compute().at<double>({1, 2, 0, 3}),
            values<double>(6, 1)[5] * values<double>(12, 2)[3]);
  // Contracting everything gives a 0-d array.
  EXPECT_EQ(wa::tensordot(x, x, 2).compute().item<double>(),
            (x * x).sum().compute().item<double>());
}

TEST_P(ArrayLinalg, EmptyContractionGivesZeros) {
  const wa::Array a = wa::ones({3, 0});
  const wa::Array b = wa::ones({0, 2});
  EXPECT_EQ(wa::matmul(a, b).compute().to_vector<double>(), std::vector<double>(6, 0.0));
}

TEST(ArrayLinalgErrors, MismatchedChunksShapesAndAxesAreRefused) {
  const wa::Array a = wa::ones({4, 6}, {2, 3});
  try {
    wa::matmul(a, wa::ones({6, 2}, {2, 2}));
    FAIL() << "no ChunkError";
  } catch (const wa::ChunkError& e) {
    EXPECT_NE(std::string(e.what()).find("(3, 3)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(2, 2, 2)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(wa::matmul(a, wa::ones({5, 2}, {3, 2})), wa::ShapeError);
  EXPECT_THROW(wa::matmul(a, wa::ones({6, 2, 2})), wa::ShapeError);
  EXPECT_THROW(wa::matmul(wa::full({}, 1.0), a), wa::ShapeError);
  EXPECT_THROW(wa::dot(wa::ones({2, 2, 2}), a), wa::ShapeError);
  EXPECT_THROW(wa::tensordot(a, a, {0, 0}, {0, 1}), wa::AxisError);
  EXPECT_THROW(wa::tensordot(a, a, {2}, {0}), wa::AxisError);
  EXPECT_THROW(wa::tensordot(a, a, {0}, {0, 1}), wa::ShapeError);
  EXPECT_THROW(wa::tensordot(a, a, 3), wa::AxisError);
  EXPECT_THROW(wa::tensordot(a, a, -1), wa::AxisError);
}

}  // namespace
