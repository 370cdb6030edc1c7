// Linear algebra on arrays: matmul, dot and tensordot as blocked products. Included by
// weft/array.hpp.
//
//   auto a = wa::random_normal({8000, 8000}, {2000, 2000});
//   auto b = wa::random_normal({8000, 8000}, {2000, 2000}, {.seed = 1});
//   wa::Array c = wa::matmul(a, b);          // 4 x 4 output blocks, nothing run yet
//   double s = c.sum().compute().item<double>();
//
// Each output block is one task that sums the products of a row of a's blocks and a column
// of b's blocks (for tensordot: all blocks along the contracted axes), so no partial
// product is ever held as its own block. float64 and float32 blocks multiply with OpenBLAS
// (dgemm/sgemm) running one thread per call: the tasks are the parallelism, as many at once
// as the runtime has workers. Integer and bool blocks multiply with a plain loop in their
// own type (integers wrap around on overflow, as in NumPy; bool is "or of ands").
//
// Chunks: the contracted axes of a and b must have the same block lengths (a's column
// blocks equal b's row blocks), else ChunkError naming both chunkings: rechunk one side. The
// result keeps a's chunks along its free axes, then b's.
//
// Element types: both operands are converted to result_type(a.dtype(), b.dtype()) (NumPy's
// promotion), which is the result's dtype.
#pragma once

#include <vector>

#include "weft/array.hpp"

namespace weft::array {

// NumPy's matmul (a @ b) for operands of one or two axes: (m, k) @ (k, n) -> (m, n);
// a 1-d `a` is a row (k) @ (k, n) -> (n), a 1-d `b` a column (m, k) @ (k) -> (m), and two
// 1-d arrays give their inner product as a 0-d array. Throws ShapeError for a 0-d operand,
// for more than two axes (batched matmul is not supported: use tensordot), or when the
// contracted lengths differ; ChunkError as above.
Array matmul(const Array& a, const Array& b);

// NumPy's dot: matmul for operands of one or two axes; a 0-d operand multiplies elementwise
// (a * b). Throws ShapeError for more than two axes.
Array dot(const Array& a, const Array& b);

// NumPy's tensordot: sums products over a_axes of `a` paired with b_axes of `b` (same count,
// same lengths pair by pair; negative axes count from the end). The result's axes are a's
// other axes, in order, then b's. Throws AxisError for an axis out of range or repeated,
// ShapeError for different counts or lengths, ChunkError as above.
Array tensordot(const Array& a, const Array& b, std::vector<int> a_axes, std::vector<int> b_axes);
// The last `n` axes of `a` with the first `n` of `b` (NumPy's tensordot(a, b, axes=n)).
// Throws AxisError unless 0 <= n <= both ndims.
Array tensordot(const Array& a, const Array& b, int n = 2);

}  // namespace weft::array
