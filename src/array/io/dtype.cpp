#include "array/io/dtype.hpp"

#include <limits>

#include "weft/error.hpp"

namespace weft::array_io {

std::optional<DType> dtype_from_descr(std::string_view descr) noexcept {
  if (descr == "<f8") return DType::kFloat64;
  if (descr == "<f4") return DType::kFloat32;
  if (descr == "<i8") return DType::kInt64;
  if (descr == "<i4") return DType::kInt32;
  if (descr == "|b1") return DType::kBool;
  return std::nullopt;
}

DType parse_dtype(std::string_view descr) {
  if (const std::optional<DType> dtype = dtype_from_descr(descr)) return *dtype;
  throw ConfigError("unsupported dtype '" + std::string(descr) +
                    "': expected one of <f8, <f4, <i8, <i4, |b1");
}

std::string_view descr(DType dtype) noexcept {
  switch (dtype) {
    case DType::kFloat64:
      return "<f8";
    case DType::kFloat32:
      return "<f4";
    case DType::kInt64:
      return "<i8";
    case DType::kInt32:
      return "<i4";
    case DType::kBool:
      return "|b1";
  }
  return "";
}

std::size_t item_size(DType dtype) noexcept {
  switch (dtype) {
    case DType::kFloat64:
    case DType::kInt64:
      return 8;
    case DType::kFloat32:
    case DType::kInt32:
      return 4;
    case DType::kBool:
      return 1;
  }
  return 0;
}

std::int64_t element_count(std::span<const std::int64_t> shape, std::string_view what) {
  bool empty = false;
  for (std::int64_t extent : shape) {
    if (extent < 0) {
      throw ConfigError(std::string(what) + ": negative extent in shape " + shape_string(shape));
    }
    empty = empty || extent == 0;
  }
  // A zero extent makes the array empty whatever the other extents are, even if their
  // product alone would overflow.
  if (empty) return 0;
  std::int64_t count = 1;
  for (std::int64_t extent : shape) {
    if (count > std::numeric_limits<std::int64_t>::max() / extent) {
      throw ConfigError(std::string(what) + ": shape " + shape_string(shape) +
                        " has more elements than int64 can count");
    }
    count *= extent;
  }
  return count;
}

std::size_t byte_count(DType dtype, std::span<const std::int64_t> shape, std::string_view what) {
  const auto count = static_cast<std::uint64_t>(element_count(shape, what));
  const std::size_t size = item_size(dtype);
  if (count > std::numeric_limits<std::size_t>::max() / size) {
    throw ConfigError(std::string(what) + ": shape " + shape_string(shape) + " of " +
                      std::string(descr(dtype)) + " is larger than memory can address");
  }
  return static_cast<std::size_t>(count) * size;
}

std::string shape_string(std::span<const std::int64_t> shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

}  // namespace weft::array_io
