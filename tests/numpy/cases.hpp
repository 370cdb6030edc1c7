// The expressions that tests/numpy compares with NumPy: each runs in weft and, as Python
// source over the inputs a, b, c, in NumPy.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "weft/array.hpp"

namespace weft::array::numpy_test {

// An input array: its values are a fixed function of dtype, shape and `seed`, and its
// chunks irregular (block lengths cycling through 2, 1, 3, or 3, 2 with `chunk_rule` 1).
struct Input {
  DType dtype = DType::kFloat64;
  Shape shape;
  int seed = 0;
  int chunk_rule = 0;
  // Read by weft with from_npy from the .npy file written for NumPy, else from memory.
  bool from_npy = false;
};

// How a case's result reaches NumPy: computed and written as .npy by the test, or written
// by weft's own to_npy / to_zarr (raw or zstd), which expressions.py loads with np.load or
// zarr-python.
enum class Output { kCompute, kToNpy, kToZarr, kToZarrZstd };

// kTight: rtol 1e-12 for float64, 1e-5 for float32. kBlas, for sums of products: blocked
// products add in another order than NumPy's single BLAS call, and float32 carries each
// product's rounding through the sum, so rtol 1e-10 for float64 and 1e-4 for float32.
// Integers and bools compare exactly either way.
enum class Tolerance { kTight, kBlas };

struct Case {
  std::string name;
  std::vector<Input> inputs;
  std::function<Array(const std::vector<Array>&)> weft;
  std::string numpy;  // a Python expression over a, b, c and np
  Tolerance tolerance = Tolerance::kTight;
  Output output = Output::kCompute;
};

// Every case, in a fixed order.
std::vector<Case> all_cases();

// matmul, dot and tensordot (linalg_cases.cpp); to_npy, to_zarr, from_npy (storage_cases.cpp).
std::vector<Case> linalg_cases();
std::vector<Case> storage_cases();

// The irregular chunks of an axis of length n under `rule`.
std::vector<std::int64_t> irregular_chunks(std::int64_t n, int rule);

}  // namespace weft::array::numpy_test
