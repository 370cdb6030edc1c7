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
};

struct Case {
  std::string name;
  std::vector<Input> inputs;
  std::function<Array(const std::vector<Array>&)> weft;
  std::string numpy;  // a Python expression over a, b, c and np
};

// Every case, in a fixed order.
std::vector<Case> all_cases();

// The irregular chunks of an axis of length n under `rule`.
std::vector<std::int64_t> irregular_chunks(std::int64_t n, int rule);

}  // namespace weft::array::numpy_test
