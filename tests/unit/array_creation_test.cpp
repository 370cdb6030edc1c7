// weft::array creation: chunks, creation functions, from_dense / from_blocks, compute.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "per_runtime.hpp"
#include "weft/array.hpp"

namespace wa = weft::array;

namespace {

class ArrayCreation : public weft::testing::PerRuntime {};
INSTANTIATE_TEST_SUITE_P(Runtimes, ArrayCreation, ::testing::Values("threads:2", "inline"),
                         weft::testing::runtime_name);

TEST(ArrayChunks, ResolvesBlockSizesAndExplicitLists) {
  using Lists = std::vector<std::vector<std::int64_t>>;
  EXPECT_EQ(wa::Chunks({4, 3}).resolve({10, 3}), (Lists{{4, 4, 2}, {3}}));
  EXPECT_EQ(wa::Chunks({-1, 2}).resolve({5, 5}), (Lists{{5}, {2, 2, 1}}));
  EXPECT_EQ(wa::Chunks({{3, 3, 1}, {4}}).resolve({7, 4}), (Lists{{3, 3, 1}, {4}}));
  EXPECT_EQ(wa::Chunks().resolve({7, 0}), (Lists{{7}, {0}}));
  EXPECT_EQ(wa::Chunks({2}).resolve({0}), (Lists{{0}}));
}

TEST(ArrayChunks, BadChunksNameTheAxis) {
  EXPECT_THROW(wa::Chunks({4}).resolve({10, 3}), wa::ChunkError);
  try {
    wa::Chunks({{3, 3}, {4}}).resolve({7, 4});
    FAIL();
  } catch (const wa::ChunkError& e) {
    EXPECT_NE(std::string(e.what()).find("axis 0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sum to 6"), std::string::npos) << e.what();
  }
  EXPECT_THROW(wa::Chunks({0, 1}).resolve({3, 3}), wa::ChunkError);
  EXPECT_THROW(wa::zeros({3, -1}), wa::ShapeError);
  EXPECT_THROW(wa::zeros({3, 3}, {{-1, 4}, {3}}), wa::ChunkError);
}

TEST_P(ArrayCreation, ZerosOnesFullWithIrregularChunks) {
  wa::Array z = wa::zeros({5, 3}, {{2, 3}, {1, 2}}, wa::DType::kInt32);
  EXPECT_EQ(z.dtype(), wa::DType::kInt32);
  EXPECT_EQ(z.numblocks(), (wa::Shape{2, 2}));
  wa::Dense d = z.compute();
  EXPECT_EQ(d.shape(), (wa::Shape{5, 3}));
  EXPECT_EQ(d.to_vector<int>(), std::vector<int>(15, 0));
  EXPECT_EQ(wa::ones({4}, {3}).compute().to_vector<double>(), std::vector<double>(4, 1.0));
  wa::Dense f = wa::full({2, 2}, 2.5, {1, 1}, wa::DType::kFloat32).compute();
  EXPECT_EQ(f.dtype(), wa::DType::kFloat32);
  EXPECT_EQ(f.to_vector<float>(), std::vector<float>(4, 2.5f));
  EXPECT_TRUE(wa::full({3}, true, {2}, wa::DType::kBool).compute().at<bool>({2}));
}

TEST_P(ArrayCreation, SizeZeroAndSizeOneAxes) {
  wa::Dense empty = wa::ones({0, 4}, {2, 2}).compute();
  EXPECT_EQ(empty.shape(), (wa::Shape{0, 4}));
  EXPECT_EQ(empty.size(), 0);
  wa::Dense one = wa::full({1, 1, 3}, 7, {1, 1, 2}, wa::DType::kInt64).compute();
  EXPECT_EQ(one.to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, 7, 7}));
  wa::Dense scalar = wa::full({}, 4.0).compute();
  EXPECT_EQ(scalar.ndim(), 0u);
  EXPECT_EQ(scalar.item<double>(), 4.0);
}

TEST_P(ArrayCreation, ArangeAndLinspaceMatchNumPy) {
  wa::Dense a = wa::arange(0, 10, 3, {2}).compute();
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{0, 3, 6, 9}));
  wa::Dense b = wa::arange(5, 0, -2, {1}, wa::DType::kInt64).compute();
  EXPECT_EQ(b.to_vector<std::int64_t>(), (std::vector<std::int64_t>{5, 3, 1}));
  EXPECT_EQ(wa::arange(3, 1).size(), 0);
  EXPECT_THROW(wa::arange(0, 1, 0), wa::ShapeError);
  wa::Dense l = wa::linspace(0, 1, 5, {2}).compute();
  EXPECT_EQ(l.to_vector<double>(), (std::vector<double>{0, 0.25, 0.5, 0.75, 1.0}));
  wa::Dense open = wa::linspace(0, 1, 4, {3}, false).compute();
  EXPECT_EQ(open.to_vector<double>(), (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_DOUBLE_EQ(wa::linspace(0.1, 0.7, 7, {3}).compute().at<double>({6}), 0.7);
}

TEST_P(ArrayCreation, RandomIsReproducibleAndHasTheRightMoments) {
  auto x = wa::random_normal({300, 200}, {128, 64}, {.seed = 7}, 2.0, 3.0);
  const std::vector<double> v = x.compute().to_vector<double>();
  EXPECT_EQ(v, x.compute().to_vector<double>());
  EXPECT_EQ(v, wa::random_normal({300, 200}, {128, 64}, {.seed = 7}, 2.0, 3.0)
                   .compute()
                   .to_vector<double>());
  EXPECT_NE(v, wa::random_normal({300, 200}, {128, 64}, {.seed = 8}, 2.0, 3.0)
                   .compute()
                   .to_vector<double>());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double m2 = 0, m4 = 0;
  for (double e : v) {
    m2 += (e - mean) * (e - mean);
    m4 += std::pow(e - mean, 4);
  }
  m2 /= static_cast<double>(v.size());
  m4 /= static_cast<double>(v.size());
  EXPECT_NEAR(mean, 2.0, 0.05);
  EXPECT_NEAR(std::sqrt(m2), 3.0, 0.05);
  EXPECT_NEAR(m4 / (m2 * m2), 3.0, 0.1);  // a normal's kurtosis
  const std::vector<float> u =
      wa::random_uniform({1000}, {300}, {.seed = 1, .dtype = wa::DType::kFloat32}, -1, 1)
          .compute()
          .to_vector<float>();
  for (float e : u) {
    ASSERT_GE(e, -1.0f);
    ASSERT_LT(e, 1.0f);
  }
  EXPECT_THROW(wa::random_normal({3}, {}, {.dtype = wa::DType::kInt32}), wa::DTypeError);
}

TEST_P(ArrayCreation, FromVectorSplitsIntoBlocksAndReassembles) {
  std::vector<std::int32_t> values(7 * 5);
  std::iota(values.begin(), values.end(), 0);
  wa::Array a = wa::from_vector(values, {7, 5}, {{3, 3, 1}, {2, 3}});
  EXPECT_EQ(a.numblocks(), (wa::Shape{3, 2}));
  wa::Dense d = a.compute();
  EXPECT_EQ(d.dtype(), wa::DType::kInt32);
  EXPECT_EQ(d.to_vector<std::int32_t>(), values);
  wa::Dense block = a.block({1, 1}).compute();
  EXPECT_EQ(block.shape(), (wa::Shape{3, 3}));
  EXPECT_EQ(block.at<int>({0, 0}), 17);
  EXPECT_THROW(a.block({3, 0}), wa::ShapeError);
  std::vector<double> adopted{1, 2, 3, 4};
  EXPECT_EQ(wa::from_vector(std::move(adopted), {2, 2}).compute().at<double>({1, 0}), 3.0);
  EXPECT_THROW(wa::from_vector(std::vector<double>{1, 2, 3}, {2, 2}), wa::ShapeError);
}

wa::Dense index_block(const wa::BlockInfo& info) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 0; i < info.shape[0]; ++i) v.push_back(info.offset[0] + i);
  return wa::Dense::adopt(info.shape, std::move(v));
}

TEST_P(ArrayCreation, FromBlocksCallsTheFunctionPerBlock) {
  wa::Array a = wa::from_blocks(index_block, {10}, {4}, wa::DType::kInt64);
  std::vector<std::int64_t> want(10);
  std::iota(want.begin(), want.end(), 0);
  EXPECT_EQ(a.compute().to_vector<std::int64_t>(), want);
  wa::Array bad = wa::from_blocks(index_block, {10}, {4}, wa::DType::kFloat64);
  EXPECT_THROW(bad.compute(), wa::DTypeError);  // weft errors pass through tasks unchanged
  wa::Array lambda = wa::from_blocks(
      [](const wa::BlockInfo& info) {
        return wa::Dense::adopt(info.shape,
                                std::vector<double>(static_cast<std::size_t>(info.shape[0]), 1.5));
      },
      {5}, {2});
  EXPECT_EQ(lambda.compute().to_vector<double>(), std::vector<double>(5, 1.5));
}

TEST(ArrayDense, AccessorsCheckTheirArguments) {
  wa::Dense d = wa::Dense::from_values<double>({2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_EQ(d.at<int>({1, 2}), 5);
  EXPECT_THROW(d.at<int>({2, 0}), wa::ShapeError);
  EXPECT_THROW(d.at<int>({0}), wa::ShapeError);
  EXPECT_THROW(d.data<float>(), wa::DTypeError);
  EXPECT_THROW(d.item<double>(), wa::ShapeError);
  EXPECT_EQ(d.view<double>()[4], 4.0);
  const weft::serde::Message m = weft::serde::encode(d);
  EXPECT_EQ(m.frames.size(), 0u);  // small: in the body
  wa::Dense big = wa::Dense::adopt({1000}, std::vector<double>(1000, 2.0));
  const weft::serde::Message mb = weft::serde::encode(big);
  ASSERT_EQ(mb.frames.size(), 1u);  // large: out of band, not copied
  EXPECT_EQ(mb.frames[0].data(), big.buffer().data());
  wa::Dense back = weft::serde::decode<wa::Dense>(mb);
  EXPECT_EQ(back.shape(), big.shape());
  EXPECT_EQ(back.to_vector<double>(), big.to_vector<double>());
}

}  // namespace
