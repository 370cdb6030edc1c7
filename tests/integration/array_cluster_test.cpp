// weft::array on the processes runtime: block tasks run on two worker processes, blocks
// travel between them as out-of-band buffers, and only results come back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <vector>

#include <weft/array.hpp>
#include <weft/weft.hpp>

namespace wa = weft::array;

namespace {

wa::Dense ramp_block(const wa::BlockInfo& info) {
  std::vector<double> v(static_cast<std::size_t>(info.shape[0]));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<double>(info.offset[0]) + static_cast<double>(i);
  return wa::Dense::adopt(info.shape, std::move(v));
}
WEFT_REMOTE(ramp_block);

class ArrayCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { runtime_ = new weft::Runtime(weft::init("processes:2")); }
  static void TearDownTestSuite() {
    delete runtime_;
    runtime_ = nullptr;
  }
  static weft::Runtime* runtime_;
};
weft::Runtime* ArrayCluster::runtime_ = nullptr;

TEST_F(ArrayCluster, CreationElementwiseAndReductionsMatchThreads) {
  auto x = wa::random_normal({300, 300}, {128, 128}, {.seed = 5});  // irregular last blocks
  const std::vector<double> v = x.compute().to_vector<double>();
  ASSERT_EQ(v.size(), 90000u);
  double total = 0;
  for (int i = 0; i < 300; ++i) {
    for (int j = 0; j < 300; ++j) total += v[i * 300 + j] * 2 + 1;
  }
  EXPECT_NEAR((x + x.T() + 1).sum().compute().item<double>(), total, 1e-8);
  wa::Dense m = wa::abs(x).mean({.axis = {0}}).compute();
  double col0 = 0;
  for (int i = 0; i < 300; ++i) col0 += std::fabs(v[i * 300]);
  EXPECT_NEAR(m.at<double>({0}), col0 / 300, 1e-12);
  EXPECT_EQ(x.argmax().compute().item<std::int64_t>(),
            std::max_element(v.begin(), v.end()) - v.begin());
  wa::Dense ints = (wa::arange(0, 10, 1, {3}, wa::DType::kInt32) * 2).compute();
  EXPECT_EQ(ints.dtype(), wa::DType::kInt32);
  EXPECT_EQ(ints.at<int>({9}), 18);
}

TEST_F(ArrayCluster, ResultsOfSeveralBlocksComeBackWhole) {
  auto x = wa::random_normal({300, 300}, {128, 128}, {.seed = 42});
  const double total = (x + x.T()).sum().compute().item<double>();
  EXPECT_TRUE(std::isfinite(total));
  const wa::Dense means = x.mean({.axis = {0}}).compute();
  EXPECT_EQ(means.shape(), (wa::Shape{300}));
  const wa::Dense again = x.mean({.axis = {0}}).compute();
  EXPECT_EQ(again.shape(), (wa::Shape{300}));
}

TEST_F(ArrayCluster, RegisteredBlockFunctionsRunLambdasAreRefused) {
  auto r = wa::from_blocks(ramp_block, {10}, {4});
  EXPECT_EQ(r.sum().compute().item<double>(), 45.0);
  auto lambda = wa::from_blocks(
      [](const wa::BlockInfo& info) {
        return wa::Dense::adopt(info.shape, std::vector<double>(4));
      },
      {8}, {4});
  try {
    lambda.compute();
    FAIL() << "a lambda ran on a cluster";
  } catch (const weft::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("WEFT_REMOTE"), std::string::npos) << e.what();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("WEFT_ROLE") != nullptr) weft::init(argc, argv);  // a worker: never returns
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
