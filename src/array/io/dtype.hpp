// Element types and shapes of raw arrays in the storage layer (.npy and Zarr v2).
//
// The storage layer works on raw data: a dtype named by NumPy's descr string, a shape, and
// contiguous C-order bytes. It knows nothing of weft::array's Array type, which converts to
// and from these at its boundary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weft::array_io {

// Extents of an array, outermost axis first. Empty for a 0-d array (one element).
using Shape = std::vector<std::int64_t>;

// The element types supported, by their NumPy descr on a little-endian machine:
//   "<f8" float64, "<f4" float32, "<i8" int64, "<i4" int32, "|b1" bool (one byte, 0 or 1).
enum class DType { kFloat64, kFloat32, kInt64, kInt32, kBool };

// The DType of a canonical descr (one of the five above), or nullopt for any other string.
std::optional<DType> dtype_from_descr(std::string_view descr) noexcept;

// The DType of a descr given by a caller. Throws ConfigError naming the descr and listing the
// supported ones for any other string (including big-endian descrs; the .npy reader accepts those
// in files and byteswaps).
DType parse_dtype(std::string_view descr);

// The canonical descr of a dtype, e.g. "<f8".
std::string_view descr(DType dtype) noexcept;

// Bytes per element: 8, 4, 8, 4 or 1.
std::size_t item_size(DType dtype) noexcept;

// The number of elements of a shape (1 for a 0-d array). Throws ConfigError naming `what`
// (e.g. a file name) if an extent is negative or the count overflows int64.
std::int64_t element_count(std::span<const std::int64_t> shape, std::string_view what);

// element_count(shape) * item_size(dtype) as a size_t, with the same checks plus overflow of
// the byte count.
std::size_t byte_count(DType dtype, std::span<const std::int64_t> shape, std::string_view what);

// A shape as Python writes a tuple: "()", "(3,)", "(3, 4)". For error messages and headers.
std::string shape_string(std::span<const std::int64_t> shape);

}  // namespace weft::array_io
