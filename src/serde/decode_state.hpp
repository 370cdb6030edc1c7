// The decoder's view of a body: msgpack parsed into a flat list of nodes in pre-order.
//
// Parsing first and reading typed values second keeps the two concerns apart: msgpack-cxx
// checks the bytes (truncation, invalid headers, nesting), and the Reader walks the nodes
// strictly in order, so reading is a cursor increment and a type check. A container's node
// carries its element count; its elements follow it. The nodes list grows one node per
// value actually present (each at least one byte), never by a count a header claims, so a
// hostile header cannot make the decoder allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weft/serde.hpp"

namespace weft::serde::detail {

enum class NodeType : std::uint8_t {
  kNil,
  kBool,
  kUint,  // non-negative integer
  kInt,   // negative integer
  kFloat32,
  kFloat64,
  kStr,
  kBin,
  kExt,
  kArray,
  kMap,
};

struct Node {
  NodeType type;
  std::int8_t ext_type;  // kExt only
  std::uint32_t size;    // kStr, kBin, kExt: bytes at `p`; kArray: elements; kMap: pairs
  union {
    bool b;
    std::uint64_t u;
    std::int64_t i;
    double f;       // kFloat32 too (exactly)
    const char* p;  // into the body
  };
};

// Parses exactly one msgpack value spanning all of `body` into `nodes` (cleared first).
// Throws SerdeError naming the byte offset when the bytes are malformed or truncated, when
// anything follows the value, or when nesting exceeds kMaxDepth.
void parse(std::span<const std::byte> body, std::vector<Node>& nodes);

// A user type being read: lets errors say ".price" instead of "[1]".
struct StructFrame {
  std::size_t node;   // its array node
  const char* names;  // "a, b, c" or null
  std::string_view type;
};

struct DecodeState {
  std::span<const std::byte> body;
  std::span<const Buffer> frames;
  std::vector<Node>* nodes;
  std::vector<StructFrame>* structs;
  std::size_t pos = 0;   // next node to read
  std::size_t last = 0;  // node read last, for errors
};

// "$.orders[3].price": the path from the root to node `index`.
std::string path_to(const DecodeState& st, std::size_t index);
// "str \"abc\"", "uint 300", "array of 2": what a node holds, for errors.
std::string describe(const Node& n);

// A weft array extension, validated against the frames.
struct ArrayExt {
  ScalarKind kind;
  std::uint32_t scalar_size;
  std::span<const std::byte> bytes;
  const Buffer* frame;  // null when inline
};
// Decodes node `n` as a weft array. Returns an error message instead when it is not one
// (or refers to a missing or mismatched frame), so that callers can add a path.
bool parse_array_ext(const Node& n, std::span<const Buffer> frames, ArrayExt& out,
                     std::string& error);

// Appends `s` in double quotes, non-printable bytes as \xNN, at most `max_chars` of it
// (then "..."): how decoded strings appear in error messages and decode_untyped().
void append_quoted(std::string& out, std::string_view s,
                   std::size_t max_chars = static_cast<std::size_t>(-1));

}  // namespace weft::serde::detail
