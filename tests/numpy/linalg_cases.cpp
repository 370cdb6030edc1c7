// The linear algebra cases: matmul of every shape pairing NumPy's matmul takes (2-d and 1-d
// operands, size-0 and size-1 axes), dot with a 0-d operand, tensordot over chosen axes and
// with n = 0, 1, 2, over all five dtypes and their promotions, on irregular chunks. The
// contracted axes of both operands get the same chunks, as blocked products require, since
// equal lengths under the same chunk rule give equal block lengths.
#include <string>

#include "cases.hpp"

namespace weft::array::numpy_test {
namespace {

constexpr DType kAll[] = {DType::kBool, DType::kInt32, DType::kInt64, DType::kFloat32,
                          DType::kFloat64};

std::string name(DType t) { return std::string(dtype_name(t)); }

std::string shape_name(const Shape& s) {
  std::string r;
  for (std::int64_t d : s) {
    if (!r.empty()) r += 'x';
    r += std::to_string(d);
  }
  return r.empty() ? "scalar" : r;
}

void add(std::vector<Case>& cases, std::string n, std::vector<Input> in,
         std::function<Array(const std::vector<Array>&)> f, std::string np) {
  cases.push_back(Case{std::move(n), std::move(in), std::move(f), std::move(np), Tolerance::kBlas});
}

void matmuls(std::vector<Case>& cases) {
  // Every pair of dtypes: NumPy's promotion of the product (int32 @ float32 is float64).
  for (DType p : kAll) {
    for (DType q : kAll) {
      add(
          cases, "matmul_" + name(p) + "@" + name(q), {{p, {5, 7}, 1}, {q, {7, 4}, 2}},
          [](const auto& v) { return matmul(v[0], v[1]); }, "np.matmul(a, b)");
    }
  }
  // Shape pairings, with size-0 and size-1 axes, under both chunk rules.
  const std::pair<Shape, Shape> shapes[] = {
      {{13, 17}, {17, 11}}, {{7}, {7, 4}},    {{5, 7}, {7}},    {{7}, {7}},
      {{0, 7}, {7, 4}},     {{5, 0}, {0, 4}}, {{5, 7}, {7, 0}}, {{0}, {0}},
      {{1, 7}, {7, 1}},     {{5, 1}, {1, 4}}, {{1}, {1}},       {{1}, {1, 3}}};
  for (const auto& [sa, sb] : shapes) {
    for (DType d : {DType::kFloat64, DType::kFloat32, DType::kInt32, DType::kBool}) {
      for (int rule : {0, 1}) {
        add(
            cases,
            "matmul_" + shape_name(sa) + "@" + shape_name(sb) + "_" + name(d) + "_rule" +
                std::to_string(rule),
            {{d, sa, 3, rule}, {d, sb, 4, rule}}, [](const auto& v) { return matmul(v[0], v[1]); },
            "np.matmul(a, b)");
      }
    }
  }
  add(
      cases, "matmul_of_expressions", {{DType::kFloat64, {5, 7}, 1}, {DType::kFloat32, {4, 7}, 2}},
      [](const auto& v) { return matmul(v[0] * 2 + 1, v[1].T()).sum({.axis = {0}}); },
      "np.sum(np.matmul(a * 2 + 1, b.T), axis=0)");
  add(
      cases, "matmul_int64_int32", {{DType::kInt64, {6, 9}, 1}, {DType::kInt32, {9}, 2}},
      [](const auto& v) { return matmul(v[0], v[1]); }, "np.matmul(a, b)");
}

void dots(std::vector<Case>& cases) {
  const std::pair<Shape, Shape> shapes[] = {{{5, 7}, {7, 4}}, {{7}, {7, 4}},   {{5, 7}, {7}},
                                            {{7}, {7}},       {{5, 7}, {}},    {{}, {7}},
                                            {{}, {}},         {{0, 3}, {3, 1}}};
  for (const auto& [sa, sb] : shapes) {
    for (auto [p, q] :
         {std::pair{DType::kFloat64, DType::kFloat64}, std::pair{DType::kInt32, DType::kFloat32},
          std::pair{DType::kBool, DType::kInt64}}) {
      add(
          cases, "dot_" + shape_name(sa) + "_" + name(p) + "." + shape_name(sb) + "_" + name(q),
          {{p, sa, 5}, {q, sb, 6}}, [](const auto& v) { return dot(v[0], v[1]); }, "np.dot(a, b)");
    }
  }
}

void tensordots(std::vector<Case>& cases) {
  struct Axes {
    Shape a, b;
    std::vector<int> ax, bx;
    std::string py;
  };
  const Axes chosen[] = {{{4, 5, 6}, {6, 3, 5}, {1, 2}, {2, 0}, "([1, 2], [2, 0])"},
                         {{4, 5, 6}, {6, 3}, {-1}, {0}, "([-1], [0])"},
                         {{5, 3}, {2, 5}, {0}, {1}, "([0], [1])"},
                         {{4, 5, 6}, {5, 4, 6}, {2, 0, 1}, {2, 1, 0}, "([2, 0, 1], [2, 1, 0])"},
                         {{2, 0, 3}, {0, 3, 4}, {1, 2}, {0, 1}, "([1, 2], [0, 1])"},
                         {{1, 5, 1}, {1, 1, 5}, {0, 1}, {1, 2}, "([0, 1], [1, 2])"},
                         {{3, 4}, {4}, {1}, {0}, "([1], [0])"},
                         {{3, 4}, {2}, {}, {}, "([], [])"}};
  for (const Axes& c : chosen) {
    for (auto [p, q] :
         {std::pair{DType::kFloat64, DType::kFloat64}, std::pair{DType::kFloat32, DType::kFloat32},
          std::pair{DType::kInt32, DType::kFloat32}, std::pair{DType::kBool, DType::kBool}}) {
      add(
          cases,
          "tensordot_" + shape_name(c.a) + "_" + shape_name(c.b) + "_" + c.py + "_" + name(p) +
              "_" + name(q),
          {{p, c.a, 7}, {q, c.b, 8}},
          [ax = c.ax, bx = c.bx](const auto& v) { return tensordot(v[0], v[1], ax, bx); },
          "np.tensordot(a, b, axes=" + c.py + ")");
    }
  }
  struct N {
    Shape a, b;
    int n;
  };
  const N by_n[] = {
      {{4, 5, 6}, {5, 6, 3}, 2}, {{4, 5, 6}, {6, 3}, 1}, {{3, 4}, {2, 5}, 0}, {{5, 6}, {5, 6}, 2},
      {{2, 0, 3}, {0, 3}, 2},    {{3, 1}, {1, 4}, 1},    {{7}, {0}, 0}};
  for (const N& c : by_n) {
    for (DType d : kAll) {
      add(
          cases,
          "tensordot_n" + std::to_string(c.n) + "_" + shape_name(c.a) + "_" + shape_name(c.b) +
              "_" + name(d),
          {{d, c.a, 9, 1}, {DType::kFloat32, c.b, 10, 1}},
          [n = c.n](const auto& v) { return tensordot(v[0], v[1], n); },
          "np.tensordot(a, b, axes=" + std::to_string(c.n) + ")");
    }
  }
}

}  // namespace

std::vector<Case> linalg_cases() {
  std::vector<Case> cases;
  matmuls(cases);
  dots(cases);
  tensordots(cases);
  return cases;
}

}  // namespace weft::array::numpy_test
