// The types the serde fuzz target decodes into, one per selector byte: every codec shape
// (scalars of each width, strings, sequences, fixed arrays, sets, maps, tuples, optionals,
// variants, Buffers, ArrayViews, bitwise structs, user structs nested and recursive).
// Shared with the corpus generator, which writes a valid value of each.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "weft/serde.hpp"

namespace weft::fuzz {

enum class Color : std::uint8_t { kRed, kGreen, kBlue };

struct Vec3 {
  float x, y, z;
};

struct Point {
  double x = 0;
  float y = 0;
  std::int16_t z = 0;
  WEFT_SERIALIZE(x, y, z);
};

// Recursive: nesting is bounded by the parser's depth limit, not by the type.
struct Tree {
  std::string label;
  std::vector<Tree> kids;
  WEFT_SERIALIZE(label, kids);
};

struct Record {
  std::string name;
  std::vector<Point> points;
  std::map<std::string, std::vector<std::int32_t>> index;
  std::optional<Color> color;
  std::variant<std::monostate, std::int64_t, std::string, Buffer> extra;
  ArrayView<double> samples;
  std::vector<Vec3> normals;
  std::tuple<bool, std::byte, std::uint64_t> flags;
  WEFT_SERIALIZE(name, points, index, color, extra, samples, normals, flags);
};

using SerdeTypes = std::tuple<
    bool, std::int8_t, std::uint8_t, std::int16_t, std::uint32_t, std::int64_t, std::uint64_t,
    float, double, Color, std::byte, std::string, std::vector<std::int32_t>, std::vector<double>,
    std::vector<bool>, std::vector<std::string>, std::vector<std::byte>,
    std::array<std::int64_t, 3>, std::array<std::string, 2>, std::set<std::int32_t>,
    std::unordered_set<std::string>, std::map<std::string, std::int32_t>,
    std::unordered_map<std::int64_t, std::vector<std::string>>, std::pair<std::string, double>,
    std::tuple<std::int32_t, std::string, std::vector<float>>, std::optional<std::int32_t>,
    std::optional<std::optional<std::string>>,
    std::variant<std::monostate, std::int32_t, std::string, std::vector<double>>, Buffer,
    ArrayView<double>, ArrayView<std::array<float, 3>>, Vec3, std::vector<Vec3>, Point,
    std::vector<Point>, Tree, Record, std::vector<std::vector<std::vector<std::int32_t>>>>;

}  // namespace weft::fuzz

template <>
inline constexpr bool weft::serde::enable_bitwise<weft::fuzz::Vec3> = true;
