// Partial results of reductions: what a block reduces to, how two merge, and how the last
// one becomes the result.
//
// A partial is a Dense of shape {fields} + (the block's shape with reduced axes of length
// 1): field f of slot s is element f * slots + s. Its dtype is float64 or int64:
//   sum, prod, min, max: 1 field, float64 for floating input, else int64 (exact);
//   any, all: 1 field, int64 0 or 1;
//   mean: count, sum (float64); var, std: count, mean, M2 (float64), merged by Chan et al.;
//   argmin, argmax: value, index (int64; a floating value as the bits of its double), with
//   index -1 for "no element yet".
#pragma once

#include <cstdint>

#include "program.hpp"

namespace weft::array::detail {

// The result dtype of a reduction of `input` (NumPy's).
DType reduce_dtype(ReduceKind kind, DType input) noexcept;
// Fields per slot and the partial's dtype.
std::int64_t partial_fields(ReduceKind kind) noexcept;
DType partial_dtype(ReduceKind kind, DType input) noexcept;

// The partial of one block (see ReduceSpec).
Dense reduce_block(const ReduceSpec& spec, const std::vector<Dense>& inputs);
// Partials of one layout merged, in order.
Dense merge_partials(const FinalizeSpec& spec, const std::vector<Dense>& partials);
// The result block of a partial.
Dense finish_partial(const FinalizeSpec& spec, const Dense& partial);

// A fresh, writable Dense of `dtype` and `shape` (64-byte aligned), and its bytes.
std::pair<Dense, std::byte*> allocate(DType dtype, const Shape& shape);

}  // namespace weft::array::detail
