// Creation functions: one generating task per block, or blocks read out of a Dense.
#include <cmath>
#include <string>

#include "evaluator.hpp"
#include "kernels.hpp"
#include "node.hpp"

namespace weft::array {
namespace detail {
namespace {

void check_shape(const Shape& shape, const char* what) {
  for (std::int64_t d : shape) {
    if (d < 0) {
      throw ShapeError(std::string(what) + ": negative dimensions are not allowed, in shape " +
                       shape_string(shape));
    }
  }
}

// An array whose block b is made by generate(spec with b's shape, offset and stream).
Array generated(const char* what, const Shape& shape, const Chunks& chunks, GenSpec spec) {
  check_shape(shape, what);
  ChunkLists lists = chunks.resolve(shape);
  std::vector<Delayed<Dense>> blocks;
  auto gen = weft::delayed(&array_generate);
  std::uint64_t stream = 0;
  for_each_block(grid_of(lists), [&](const Shape& b) {
    spec.shape = block_shape(lists, b);
    spec.offset = block_offset(lists, b);
    spec.stream = stream++;
    blocks.push_back(gen(spec));
  });
  return Array(leaf_node(shape, std::move(lists), spec.dtype, std::move(blocks)));
}

}  // namespace

Array from_block_nodes(const Shape& shape, const ChunkLists& chunks, DType dtype,
                       std::vector<Delayed<Dense>> blocks) {
  return Array(leaf_node(shape, chunks, dtype, std::move(blocks)));
}

std::vector<BlockInfo> block_infos(const Shape& shape, const Chunks& chunks, DType dtype) {
  check_shape(shape, "from_blocks");
  const ChunkLists lists = chunks.resolve(shape);
  std::vector<BlockInfo> infos;
  for_each_block(grid_of(lists), [&](const Shape& b) {
    infos.push_back(BlockInfo{b, block_offset(lists, b), block_shape(lists, b), shape, dtype});
  });
  return infos;
}

}  // namespace detail

using detail::GenKind;
using detail::GenSpec;

Array full(const Shape& shape, Scalar value, const Chunks& chunks, DType dtype) {
  return detail::generated("full", shape, chunks,
                           GenSpec{.kind = GenKind::kFull, .dtype = dtype, .a = value.as_double()});
}
Array zeros(const Shape& shape, const Chunks& chunks, DType dtype) {
  return full(shape, 0, chunks, dtype);
}
Array ones(const Shape& shape, const Chunks& chunks, DType dtype) {
  return full(shape, 1, chunks, dtype);
}

Array arange(double start, double stop, double step, const Chunks& chunks, DType dtype) {
  if (step == 0 || !std::isfinite(step))
    throw ShapeError("arange: step must be finite and nonzero");
  const double n = std::ceil((stop - start) / step);
  const auto len = static_cast<std::int64_t>(n > 0 ? n : 0);
  return detail::generated(
      "arange", {len}, chunks,
      GenSpec{.kind = GenKind::kArange, .dtype = dtype, .a = start, .b = step});
}

Array linspace(double start, double stop, std::int64_t num, const Chunks& chunks, bool endpoint) {
  if (num < 0) throw ShapeError("linspace: num must be non-negative, not " + std::to_string(num));
  const std::int64_t div = endpoint ? num - 1 : num;
  const double step = div > 0 ? (stop - start) / static_cast<double>(div) : 0;
  return detail::generated("linspace", {num}, chunks,
                           GenSpec{.kind = GenKind::kLinspace,
                                   .dtype = DType::kFloat64,
                                   .a = start,
                                   .b = step,
                                   .last = endpoint && num > 1 ? num - 1 : -1,
                                   .stop = stop});
}

namespace {
void check_float(DType dtype, const char* what) {
  if (!is_float(dtype)) {
    throw DTypeError(std::string(what) + ": dtype must be float64 or float32, not " +
                     std::string(dtype_name(dtype)));
  }
}
}  // namespace

Array random_normal(const Shape& shape, const Chunks& chunks, const RandomOptions& options,
                    double loc, double scale) {
  check_float(options.dtype, "random_normal");
  return detail::generated("random_normal", shape, chunks,
                           GenSpec{.kind = GenKind::kNormal,
                                   .dtype = options.dtype,
                                   .a = loc,
                                   .b = scale,
                                   .seed = options.seed});
}

Array random_uniform(const Shape& shape, const Chunks& chunks, const RandomOptions& options,
                     double low, double high) {
  check_float(options.dtype, "random_uniform");
  return detail::generated("random_uniform", shape, chunks,
                           GenSpec{.kind = GenKind::kUniform,
                                   .dtype = options.dtype,
                                   .a = low,
                                   .b = high - low,
                                   .seed = options.seed});
}

Array from_dense(const Dense& data, const Chunks& chunks) {
  detail::ChunkLists lists = chunks.resolve(data.shape());
  const Shape grid = detail::grid_of(lists);
  Delayed<Dense> root = weft::delayed(&detail::array_share)(data);
  std::vector<Delayed<Dense>> blocks;
  if (detail::count_of(grid) == 1) {
    blocks.push_back(root);
  } else {
    auto extract = weft::delayed(&detail::array_extract);
    detail::for_each_block(grid, [&](const Shape& b) {
      blocks.push_back(extract(
          detail::AssembleSpec{data.dtype(),
                               data.shape(),
                               {detail::block_offset(lists, b), detail::block_shape(lists, b)}},
          root));
    });
  }
  return Array(detail::leaf_node(data.shape(), std::move(lists), data.dtype(), std::move(blocks)));
}

}  // namespace weft::array
