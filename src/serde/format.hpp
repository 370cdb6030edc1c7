// weft's two msgpack extension types: arrays of raw elements, in the body or out of band.
//
// Everything else in a body is plain msgpack. Multi-byte fields are little-endian, and so
// are the elements themselves (weft runs on little-endian machines; see the static_assert).
//
//   ext 1, inline array:  kind:u8 scalar_size:u32 | elements...            (< 1 KiB)
//   ext 2, frame array:   kind:u8 scalar_size:u32 frame:u32 length:u64    (17 bytes)
//
// A frame array's elements are all of frame `frame`, whose size must equal `length`.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "weft/serde.hpp"

namespace weft::serde::detail {

static_assert(std::endian::native == std::endian::little,
              "serde sends arrays as raw little-endian bytes");

inline constexpr std::int8_t kExtInlineArray = 1;
inline constexpr std::int8_t kExtFrameArray = 2;
inline constexpr std::size_t kInlineHeaderSize = 5;
inline constexpr std::size_t kFrameRefSize = 17;

inline void store_u32(char* p, std::uint32_t v) noexcept { std::memcpy(p, &v, 4); }
inline void store_u64(char* p, std::uint64_t v) noexcept { std::memcpy(p, &v, 8); }
inline std::uint32_t load_u32(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline std::uint64_t load_u64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline bool valid_kind(std::uint8_t kind) noexcept {
  return kind >= static_cast<std::uint8_t>(ScalarKind::kUnsigned) &&
         kind <= static_cast<std::uint8_t>(ScalarKind::kRaw);
}

// "f64", "i32", "u8", "raw16": how error messages name an element type.
std::string scalar_name(ScalarKind kind, std::uint32_t scalar_size);
// The shortest text that reads back as `v` ("2.5", "1e+100", "nan").
std::string format_double(double v);

}  // namespace weft::serde::detail
