// The block task behind slicing, indexing, rechunk and concatenate-with-rechunk: an output
// block assembled from parts of input blocks, and the helper that plans such tasks.
#pragma once

#include <cstdint>
#include <vector>

#include "node.hpp"
#include "program.hpp"
#include "weft/array/structure.hpp"

namespace weft::array::detail {

// Positions along one axis of an input block: `index` when not empty, else the arithmetic
// run start, start + step, ... of `count` positions.
struct AxisSel {
  std::int64_t start = 0, step = 1, count = 0;
  std::vector<std::int64_t> index;
  WEFT_SERIALIZE(start, step, count, index);
  std::int64_t size() const noexcept {
    return index.empty() ? count : static_cast<std::int64_t>(index.size());
  }
  std::int64_t at(std::int64_t k) const noexcept {
    return index.empty() ? start + k * step : index[static_cast<std::size_t>(k)];
  }
};

// The elements of input block `input` at the cross product of `sel`, copied to the output
// block at `dst`.
struct Piece {
  std::int32_t input = 0;
  Shape dst;
  std::vector<AxisSel> sel;
  WEFT_SERIALIZE(input, dst, sel);
};

// An output block (kernel `array_gather`) of `shape` and `dtype`, covered by `pieces`.
struct GatherSpec {
  DType dtype = DType::kFloat64;
  Shape shape;
  std::vector<Piece> pieces;
  WEFT_SERIALIZE(dtype, shape, pieces);
  std::uint64_t weft_token() const { return token_of(*this); }
};

// A block given a new shape of as many elements (kernel `array_relabel`).
struct RelabelSpec {
  Shape shape;
  WEFT_SERIALIZE(shape);
  std::uint64_t weft_token() const { return token_of(*this); }
};

Dense array_gather(const GatherSpec& spec, const std::vector<Dense>& inputs);
// Shares the block's bytes: C-order data is the same under the new shape.
Dense array_relabel(const RelabelSpec& spec, const Dense& block);

// For each output axis, the input position of every output element along it.
using AxisMaps = std::vector<std::vector<std::int64_t>>;

// The array whose element (i, j, ...) is x's element (maps[0][i], maps[1][j], ...), in
// `chunks` (which must sum to the maps' lengths). One gather task per output block reads
// only the input blocks that hold its elements; an output block that is exactly one input
// block is that block's node.
Array gather(const Array& x, const AxisMaps& maps, const ChunkLists& chunks);

// Output chunks along one axis for a map: a block per run of consecutive positions that
// fall in one input block (of `in_chunks`), runs merged while their total stays within
// `merge_up_to` (0: never merged). A length-0 map gives {0}.
std::vector<std::int64_t> runs_by_block(const std::vector<std::int64_t>& map,
                                        const std::vector<std::int64_t>& in_chunks,
                                        std::int64_t merge_up_to);

// 0, 1, ..., n - 1.
std::vector<std::int64_t> iota_map(std::int64_t n);

}  // namespace weft::array::detail
