// weft::array structure operations: slicing, take, compress, concatenate, stack, rechunk,
// reshape, map_blocks and blockwise; values here, NumPy agreement in tests/numpy.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "per_runtime.hpp"
#include "weft/array.hpp"

namespace wa = weft::array;

namespace {

class ArrayStructure : public weft::testing::PerRuntime {};
INSTANTIATE_TEST_SUITE_P(Runtimes, ArrayStructure, ::testing::Values("threads:2", "inline"),
                         weft::testing::runtime_name);

// 0, 1, ..., n-1 as int64 in `shape`, chunked irregularly.
wa::Array iota(const wa::Shape& shape, const wa::Chunks& chunks) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return wa::from_vector(v, shape, chunks);
}

std::size_t task_count(const wa::Array& a) { return weft::Graph::of(a.to_delayed()).size(); }

TEST_P(ArrayStructure, SlicesWithStepsAndNegativeIndices) {
  wa::Array x = iota({10}, {{3, 3, 4}});
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(wa::slice(x, {{.start = 1, .stop = 8, .step = 3}}).compute().to_vector<std::int64_t>(),
            (V{1, 4, 7}));
  EXPECT_EQ(wa::slice(x, {{.step = -4}}).compute().to_vector<std::int64_t>(), (V{9, 5, 1}));
  EXPECT_EQ(wa::slice(x, {{.start = -2}}).compute().to_vector<std::int64_t>(), (V{8, 9}));
  EXPECT_EQ(wa::slice(x, {{.start = 5, .stop = 2}}).shape(), (wa::Shape{0}));
  wa::Array m = iota({4, 5}, {{1, 3}, {2, 3}});
  wa::Dense d = wa::slice(m, {{.stop = -1}, {.start = 4, .stop = 0, .step = -2}}).compute();
  EXPECT_EQ(d.shape(), (wa::Shape{3, 2}));
  EXPECT_EQ(d.to_vector<std::int64_t>(), (V{4, 2, 9, 7, 14, 12}));
  EXPECT_THROW(wa::slice(x, {{}, {}}), wa::IndexError);
  EXPECT_THROW(wa::slice(x, {{.step = 0}}), wa::ShapeError);
}

TEST_P(ArrayStructure, SliceOutputBlocksFollowInputBlocksAndReuseWholeOnes) {
  wa::Array x = iota({10}, {{3, 3, 4}});
  EXPECT_EQ(wa::slice(x, {{.start = 2, .stop = 9}}).chunks()[0],
            (std::vector<std::int64_t>{1, 3, 3}));
  // Block 1 is kept whole: only the partial first and last blocks need a task.
  wa::Array s = wa::slice(x, {{.start = 2, .stop = 9}});
  EXPECT_EQ(s.blocks()[1].node(), x.blocks()[1].node());
  EXPECT_NE(s.blocks()[0].node(), x.blocks()[0].node());
  EXPECT_EQ(task_count(wa::slice(x, {{}})), task_count(x));
}

TEST_P(ArrayStructure, TakeAndCompress) {
  wa::Array m = iota({3, 4}, {{2, 1}, {1, 3}});
  wa::Dense t = wa::take(m, {3, -4, 3, 1}, 1).compute();
  EXPECT_EQ(t.shape(), (wa::Shape{3, 4}));
  EXPECT_EQ(t.to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{3, 0, 3, 1, 7, 4, 7, 5, 11, 8, 11, 9}));
  EXPECT_THROW(wa::take(m, {4}, 1), wa::IndexError);
  EXPECT_THROW(wa::take(m, {0}, 2), wa::AxisError);
  const std::uint8_t bits[] = {1, 0, 1};  // std::vector<bool> is packed: bytes instead
  wa::Array mask = wa::from_dense(wa::Dense(wa::DType::kBool, {3}, weft::Buffer::copy(bits, 3)));
  EXPECT_EQ(wa::compress(m, mask, 0).compute().to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{0, 1, 2, 3, 8, 9, 10, 11}));
  EXPECT_EQ(wa::compress(m, std::vector<bool>(4, false), 1).shape(), (wa::Shape{3, 0}));
  EXPECT_THROW(wa::compress(m, std::vector<bool>(2, true), 0), wa::IndexError);
}

TEST_P(ArrayStructure, ConcatenatePromotesAndAddsNoTasks) {
  wa::Array a = iota({2, 3}, {{1, 1}, {3}});
  wa::Array b = wa::ones({1, 3}, {1, 2}, wa::DType::kFloat32);
  wa::Array c = wa::concatenate({a, b}, 0);
  EXPECT_EQ(c.dtype(), wa::DType::kFloat64);
  EXPECT_EQ(c.compute().to_vector<double>(), (std::vector<double>{0, 1, 2, 3, 4, 5, 1, 1, 1}));
  wa::Array same = wa::concatenate({a, a}, 1);
  // a's block tasks, shared by both halves, and one assembly, as a alone has.
  EXPECT_EQ(task_count(same), task_count(a));
  EXPECT_THROW(wa::concatenate({a, wa::ones({2, 2})}, 0), wa::ShapeError);
  EXPECT_THROW(wa::concatenate({}, 0), weft::ConfigError);
}

TEST_P(ArrayStructure, StackAndExpandDims) {
  wa::Array a = iota({2, 2}, {1, 2});
  wa::Dense s = wa::stack({a, a * 10}, 1).compute();
  EXPECT_EQ(s.shape(), (wa::Shape{2, 2, 2}));
  EXPECT_EQ(s.to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 0, 10, 2, 3, 20, 30}));
  EXPECT_EQ(wa::expand_dims(a, -1).shape(), (wa::Shape{2, 2, 1}));
  EXPECT_THROW(wa::stack({a, wa::ones({3})}, 0), wa::ShapeError);
}

TEST_P(ArrayStructure, RechunkReadsOnlyOverlappingBlocks) {
  wa::Array x = iota({9, 4}, {{3, 3, 3}, {2, 2}});
  wa::Array r = wa::rechunk(x, {{4, 5}, {4}});
  EXPECT_EQ(r.chunks(), (std::vector<std::vector<std::int64_t>>{{4, 5}, {4}}));
  EXPECT_EQ(r.compute().to_vector<std::int64_t>(), x.compute().to_vector<std::int64_t>());
  // Output block 0 (rows 0-3) overlaps input rows of blocks 0 and 1 only: 4 inputs.
  EXPECT_EQ(r.blocks()[0].node()->deps.size(), 4u);
  EXPECT_EQ(wa::rechunk(x, x.chunks()).node(), x.node());
}

TEST_P(ArrayStructure, ReshapeWhereChunksAllow) {
  wa::Array x = iota({4, 6}, {{2, 2}, {6}});
  wa::Dense flat = wa::reshape(x, {-1}).compute();
  EXPECT_EQ(flat.shape(), (wa::Shape{24}));
  EXPECT_EQ(flat.to_vector<std::int64_t>(), x.compute().to_vector<std::int64_t>());
  wa::Array split = wa::reshape(x, {2, 2, 2, 3, 1});
  EXPECT_EQ(split.chunks()[0], (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(split.compute().to_vector<std::int64_t>(), x.compute().to_vector<std::int64_t>());
  wa::Array y = iota({4, 6}, {{4}, {2, 4}});
  EXPECT_THROW(wa::reshape(y, {24}), wa::ChunkError);
  EXPECT_EQ(wa::reshape(wa::rechunk(y, {2, -1}), {24}).compute().to_vector<std::int64_t>(),
            x.compute().to_vector<std::int64_t>());
  EXPECT_THROW(wa::reshape(x, {5, 5}), wa::ShapeError);
  EXPECT_EQ(wa::reshape(wa::zeros({2, 0, 3}), {3, -1, 2}).shape(), (wa::Shape{3, 0, 2}));
}

TEST_P(ArrayStructure, MapBlocksAndBlockwise) {
  wa::Array x = iota({4, 3}, {{1, 3}, {2, 1}});
  auto twice_plus = [](const wa::Dense& a, const wa::Dense& b) {
    std::vector<std::int64_t> v = a.to_vector<std::int64_t>();
    const std::vector<std::int64_t> w = b.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 2 * v[i] + w[i];
    return wa::Dense::from_values(a.shape(), v);
  };
  EXPECT_EQ(wa::map_blocks(twice_plus, x, x).compute().to_vector<std::int64_t>(),
            (x * 3).compute().to_vector<std::int64_t>());
  // A row vector broadcast across the row blocks: out(i, j) = x(i, j) + v(j).
  wa::Array v = iota({3}, {{2, 1}});
  auto add_row = [](const wa::Dense& a, const wa::Dense& row) {
    std::vector<double> out = a.to_vector<double>();
    const std::vector<double> r = row.to_vector<double>();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += r[i % r.size()];
    return wa::Dense::from_values(a.shape(), out);
  };
  wa::Array b = wa::blockwise(add_row, "ij", {.dtype = wa::DType::kFloat64}, wa::Indexed{x, "ij"},
                              wa::Indexed{v, "j"});
  EXPECT_EQ(b.compute().to_vector<double>(), (x + v).compute().to_vector<double>());
  EXPECT_THROW(wa::blockwise(add_row, "i", {}, wa::Indexed{x, "ij"}, wa::Indexed{v, "j"}),
               wa::AxisError);
  // A block of the wrong dtype fails its task.
  auto as_is = [](const wa::Dense& a) { return a; };
  EXPECT_THROW(wa::map_blocks(as_is, {.dtype = wa::DType::kInt32}, x).compute(), wa::DTypeError);
}

}  // namespace
