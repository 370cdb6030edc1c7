// The block kernel of matmul, dot and tensordot (weft/array/linalg.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "program.hpp"
#include "weft/array/dense.hpp"

namespace weft::array::detail {

// One output block of a blocked product. Its inputs are blocks laid out so that each is a
// matrix in row-major order: an `a` block's first `a_free` axes are its rows and the rest
// its columns; a `b` block's first `b_contracted` axes are its rows and the rest its columns.
struct ProductSpec {
  DType dtype = DType::kFloat64;  // of the inputs and the output
  Shape shape;                    // of the output block
  std::int32_t a_free = 0;
  std::int32_t b_contracted = 0;
  WEFT_SERIALIZE(dtype, shape, a_free, b_contracted);
  std::uint64_t weft_token() const { return token_of(*this); }
};

// The sum over l of a[l] @ b[l] (as matrices, see ProductSpec), reshaped to spec.shape; zeros
// when there are no pairs or the contracted length is 0. float64 and float32 by OpenBLAS
// (set to one thread per call, once, on first use), other dtypes by a loop. Throws
// ShapeError when the blocks do not fit each other or the output shape.
Dense array_product(const ProductSpec& spec, const std::vector<Dense>& a,
                    const std::vector<Dense>& b);

}  // namespace weft::array::detail
