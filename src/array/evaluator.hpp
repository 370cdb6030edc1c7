// Runs an elementwise Program over one output block, tile by tile.
//
// Why tiles: a fused chain of operations must not keep a temporary block per operation,
// and a transposed input must not be copied. So the output block is walked in tiles of at
// most kTile elements (rows of the last axis when every input is read contiguously, else
// 64 x 64 squares of the last two axes, so that a transposed input's reads stay within a
// few kilobytes of cache), each input is gathered into a tile-sized register, and each
// instruction runs as one tight loop over registers. Registers are reused once their last
// reader has run, so a program needs a handful of them whatever its length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "program.hpp"

namespace weft::array::detail {

inline constexpr std::int64_t kTile = 4096;

// A rectangle of the output block: rows [r0, r0 + h) of the second-to-last axis and
// columns [c0, c0 + w) of the last, at position `outer` (row-major) of the other axes.
// Blocks of fewer than two axes count as having leading axes of length 1.
struct Tile {
  std::int64_t outer = 0, r0 = 0, c0 = 0, h = 0, w = 0;
};

class Evaluator {
 public:
  // REQUIRES: the inputs match the program's views (checked: ShapeError otherwise).
  Evaluator(const Program& program, const std::vector<Dense>& inputs, const Shape& shape);
  ~Evaluator();

  // The block's shape padded with leading 1s to at least two axes.
  const Shape& dims() const noexcept { return dims_; }
  DType dtype() const noexcept { return program_.dtype(); }
  // Calls f(tile, values) for every tile, in row-major order of tiles; `values` holds the
  // tile's h * w results row-major, of dtype().
  void for_each_tile(const std::function<void(const Tile&, const void*)>& f);
  // sum over the outer axes of (index of `outer` along the axis) * strides[axis], for
  // strides given per padded axis.
  std::int64_t outer_offset(std::int64_t outer, const Shape& strides) const noexcept;

 private:
  struct Source {
    const std::byte* data;
    Shape strides;  // elements, per padded output axis
  };
  void eval_tile(const Tile& t);
  void* reg(std::int32_t k) const noexcept;

  const Program& program_;
  Shape dims_;
  std::vector<Source> sources_;
  std::vector<std::int32_t> slot_of_;  // register -> slot
  std::vector<std::unique_ptr<double[]>> slots_;
  std::int64_t tile_h_ = 1, tile_w_ = 1;
};

// C-order strides (in elements) of `shape`.
Shape strides_of(const Shape& shape);
// The product of the lengths.
std::int64_t count_of(const Shape& shape);

}  // namespace weft::array::detail
