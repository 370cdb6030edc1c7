// reshape where the chunks allow it: each output block is one input block, relabelled.
#include <numeric>
#include <string>

#include "structure_gather.hpp"

namespace weft::array {
namespace {

std::int64_t product(const Shape& s, std::size_t lo, std::size_t hi) {
  return std::accumulate(s.begin() + static_cast<std::ptrdiff_t>(lo),
                         s.begin() + static_cast<std::ptrdiff_t>(hi), std::int64_t{1},
                         std::multiplies<>());
}

Shape resolve_shape(Shape shape, std::int64_t size, const Shape& from) {
  std::int64_t known = 1;
  int unknown = -1;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == -1 && unknown < 0) {
      unknown = static_cast<int>(k);
    } else if (shape[k] < 0) {
      throw ShapeError(
          "reshape: can only specify one unknown dimension, and no other negative "
          "length, in " +
          detail::shape_string(shape));
    } else {
      known *= shape[k];
    }
  }
  if (unknown >= 0 && known > 0 && size % known == 0)
    shape[static_cast<std::size_t>(unknown)] = size / known;
  if (product(shape, 0, shape.size()) != size || (unknown >= 0 && known == 0)) {
    throw ShapeError("reshape: cannot reshape array of size " + std::to_string(size) + " (shape " +
                     detail::shape_string(from) + ") into shape " + detail::shape_string(shape));
  }
  return shape;
}

}  // namespace

Array reshape(const Array& x, Shape shape) {
  shape = resolve_shape(std::move(shape), x.size(), x.shape());
  if (shape == x.shape()) return x;
  if (x.size() == 0) return zeros(shape, {}, x.dtype());
  // Axes of length other than 1, on each side; length-1 axes are single blocks anywhere.
  std::vector<std::size_t> in_axes, out_axes;
  for (std::size_t k = 0; k < x.ndim(); ++k) {
    if (x.shape()[k] != 1) in_axes.push_back(k);
  }
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] != 1) out_axes.push_back(k);
  }
  detail::ChunkLists chunks(shape.size(), std::vector<std::int64_t>{1});
  // Output axis -> the input axis whose block index it takes (-1: always block 0).
  std::vector<int> source(shape.size(), -1);
  std::size_t i = 0, j = 0;
  while (i < in_axes.size()) {
    // The smallest groups in_axes[i, i2) and out_axes[j, j2) of equal products.
    std::size_t i2 = i + 1, j2 = j + 1;
    std::int64_t pin = x.shape()[in_axes[i]], pout = shape[out_axes[j]];
    while (pin != pout) {
      if (pin < pout) {
        pin *= x.shape()[in_axes[i2++]];
      } else {
        pout *= shape[out_axes[j2++]];
      }
    }
    const std::size_t head = in_axes[i];
    bool ok = true;
    for (std::size_t g = i + 1; g < i2; ++g) ok = ok && x.chunks()[in_axes[g]].size() == 1;
    std::int64_t tail_in = 1, tail_out = 1;
    for (std::size_t g = i + 1; g < i2; ++g) tail_in *= x.shape()[in_axes[g]];
    for (std::size_t g = j + 1; g < j2; ++g) tail_out *= shape[out_axes[g]];
    std::vector<std::int64_t> lead;
    for (std::int64_t c : x.chunks()[head]) {
      ok = ok && (c * tail_in) % tail_out == 0;
      lead.push_back(c * tail_in / tail_out);
    }
    if (!ok) {
      std::string axes;
      for (std::size_t g = i; g < i2; ++g) axes += (g > i ? ", " : "") + std::to_string(in_axes[g]);
      throw ChunkError("reshape: " + detail::shape_string(x.shape()) + " to " +
                       detail::shape_string(shape) + " merges or splits axes (" + axes +
                       ") whose chunks do not allow it: axes after the first must be whole "
                       "blocks and the first's blocks multiples of " +
                       std::to_string(tail_out) + " / " + std::to_string(tail_in) +
                       "; rechunk first, e.g. to one block along those axes but the first");
    }
    chunks[out_axes[j]] = std::move(lead);
    for (std::size_t g = j + 1; g < j2; ++g) chunks[out_axes[g]] = {shape[out_axes[g]]};
    source[out_axes[j]] = static_cast<int>(head);
    i = i2;
    j = j2;
  }
  const Shape in_grid = x.numblocks();
  const std::vector<Delayed<Dense>>& in_blocks = x.node()->lowered();
  auto relabel = weft::delayed(&detail::array_relabel);
  std::vector<Delayed<Dense>> blocks;
  detail::for_each_block(detail::grid_of(chunks), [&](const Shape& b) {
    Shape idx(x.ndim(), 0);
    for (std::size_t k = 0; k < shape.size(); ++k) {
      if (source[k] >= 0) idx[static_cast<std::size_t>(source[k])] = b[k];
    }
    blocks.push_back(
        relabel(detail::RelabelSpec{detail::block_shape(chunks, b)},
                in_blocks[static_cast<std::size_t>(detail::linear_index(idx, in_grid))]));
  });
  return Array(
      detail::leaf_node(std::move(shape), std::move(chunks), x.dtype(), std::move(blocks)));
}

}  // namespace weft::array
