// Element types of weft arrays, chosen at run time as in NumPy, and NumPy's promotion rules.
// Included by weft/array.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace weft::array {

// The element type of an array. Values are stored as NumPy stores them (bool as one byte
// holding 0 or 1, little-endian integers and IEEE floats), so a block's bytes are a NumPy
// array's bytes.
enum class DType : std::uint8_t { kBool, kInt32, kInt64, kFloat32, kFloat64 };

// NumPy's name: "bool", "int32", "int64", "float32", "float64".
std::string_view dtype_name(DType t) noexcept;
// Bytes per element.
std::size_t itemsize(DType t) noexcept;
bool is_float(DType t) noexcept;
bool is_integer(DType t) noexcept;  // int32 or int64 (not bool)

// NumPy's promotion of two array dtypes (np.result_type): bool with X gives X, two integers
// give int64, two floats float64, and an integer with any float gives float64 (int32 and
// float32 together need float64 to hold every int32 exactly).
DType result_type(DType a, DType b) noexcept;

// The DType of a C++ element type: bool, std::int32_t, std::int64_t, float, double.
template <class T>
constexpr DType dtype_of() noexcept {
  if constexpr (std::is_same_v<T, bool>) {
    return DType::kBool;
  } else if constexpr (std::is_same_v<T, std::int32_t>) {
    return DType::kInt32;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return DType::kInt64;
  } else if constexpr (std::is_same_v<T, float>) {
    return DType::kFloat32;
  } else {
    static_assert(std::is_same_v<T, double>,
                  "array elements are bool, int32, int64, float, double");
    return DType::kFloat64;
  }
}

// Calls f(T{}) with the C++ type of `t`, for code that switches on a dtype once and then
// runs typed loops.
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::kBool:
      return f(bool{});
    case DType::kInt32:
      return f(std::int32_t{});
    case DType::kInt64:
      return f(std::int64_t{});
    case DType::kFloat32:
      return f(float{});
    case DType::kFloat64:
      break;
  }
  return f(double{});
}

}  // namespace weft::array
