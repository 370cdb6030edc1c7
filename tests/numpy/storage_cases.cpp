// The storage cases: results written by weft's to_npy and to_zarr (raw and zstd) that
// expressions.py opens with np.load and zarr-python, and inputs weft reads with from_npy
// from the files written for NumPy. Zarr chunks are regular, so results bound for Zarr are
// rechunked first; their last blocks along an axis may still be short.
#include <string>

#include "cases.hpp"

namespace weft::array::numpy_test {
namespace {

constexpr DType kAll[] = {DType::kBool, DType::kInt32, DType::kInt64, DType::kFloat32,
                          DType::kFloat64};

std::string name(DType t) { return std::string(dtype_name(t)); }

void add(std::vector<Case>& cases, std::string n, std::vector<Input> in,
         std::function<Array(const std::vector<Array>&)> f, std::string np, Output out) {
  cases.push_back(
      Case{std::move(n), std::move(in), std::move(f), std::move(np), Tolerance::kTight, out});
}

}  // namespace

std::vector<Case> storage_cases() {
  std::vector<Case> cases;
  for (DType d : kAll) {
    const std::string n = name(d);
    add(
        cases, "to_npy_T_" + n, {{d, {4, 5, 6}, 1}}, [](const auto& v) { return v[0].T(); }, "a.T",
        Output::kToNpy);
    add(
        cases, "from_npy_slice_" + n, {{d, {4, 5, 6}, 2, 1, true}},
        [](const auto& v) {
          return slice(v[0], {{.step = -1}, {.start = 1}});
        },
        "a[::-1, 1:]", Output::kCompute);
    add(
        cases, "from_npy_to_npy_" + n, {{d, {7, 3}, 3, 0, true}},
        [](const auto& v) { return v[0]; }, "a", Output::kToNpy);
    for (Output out : {Output::kToZarr, Output::kToZarrZstd}) {
      const std::string kind = out == Output::kToZarr ? "raw" : "zstd";
      add(
          cases, "to_zarr_" + kind + "_T_" + n, {{d, {4, 5, 6}, 4}},
          [](const auto& v) {
            return rechunk(v[0].T(), {4, 2, 3});
          },
          "a.T", out);
      add(
          cases, "to_zarr_" + kind + "_sum_" + n, {{d, {4, 5, 6}, 5, 0, true}},
          [](const auto& v) {
            return rechunk(v[0].sum({.axis = {1}}), {3, 4});
          },
          "np.sum(a, axis=1)", out);
    }
  }
  // Odd shapes: a size-1 axis, a size-0 axis, 0-d, and a product of arrays read from files.
  add(
      cases, "to_npy_col", {{DType::kInt64, {5, 1}, 1}}, [](const auto& v) { return v[0] * 3; },
      "a * 3", Output::kToNpy);
  add(
      cases, "to_npy_zero_mid", {{DType::kFloat32, {2, 0, 3}, 1}},
      [](const auto& v) { return v[0] + 1; }, "a + 1", Output::kToNpy);
  add(
      cases, "to_npy_scalar", {{DType::kFloat64, {4, 5}, 1}},
      [](const auto& v) { return v[0].sum(); }, "np.sum(a)", Output::kToNpy);
  add(
      cases, "to_zarr_col", {{DType::kBool, {5, 1}, 1}},
      [](const auto& v) {
        return rechunk(v[0], {2, 1});
      },
      "a", Output::kToZarr);
  add(
      cases, "to_zarr_zero_mid", {{DType::kInt32, {2, 0, 3}, 1}},
      [](const auto& v) {
        return rechunk(v[0], {1, 1, 2});
      },
      "a", Output::kToZarrZstd);
  add(
      cases, "to_zarr_scalar", {{DType::kInt32, {4, 5}, 1}},
      [](const auto& v) { return v[0].max(); }, "np.max(a)", Output::kToZarr);
  add(
      cases, "from_npy_matmul_to_zarr",
      {{DType::kFloat64, {6, 5}, 1, 0, true}, {DType::kFloat64, {5, 4}, 2, 0, true}},
      [](const auto& v) {
        return rechunk(matmul(v[0], v[1]), {3, 3});
      },
      "np.matmul(a, b)", Output::kToZarrZstd);
  return cases;
}

}  // namespace weft::array::numpy_test
