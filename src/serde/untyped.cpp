// decode_untyped: any well-formed message to text, for debugging and fuzzing; and the
// signature hash.
#include <xxhash.h>

#include <cstdint>
#include <string>
#include <vector>

#include "serde/decode_state.hpp"
#include "serde/format.hpp"
#include "weft/error.hpp"
#include "weft/serde.hpp"

namespace weft::serde {
namespace detail {

std::uint64_t hash_signature(std::string_view signature) noexcept {
  return XXH3_64bits(signature.data(), signature.size());
}

void append_quoted(std::string& out, std::string_view s, std::size_t max_chars) {
  out += '"';
  for (std::size_t i = 0; i < s.size() && i < max_chars; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      const char* digits = "0123456789abcdef";
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  if (s.size() > max_chars) out += "...";
  out += '"';
}
}  // namespace detail

// Walks the nodes iteratively (the parser already bounded the nesting, but a loop has no
// depth to bound at all).
std::string decode_untyped(std::span<const std::byte> body, std::span<const Buffer> frames) {
  using detail::Node;
  using detail::NodeType;
  std::vector<Node> nodes;
  detail::parse(body, nodes);
  std::vector<detail::StructFrame> no_structs;
  detail::DecodeState st{body, frames, &nodes, &no_structs};

  struct Open {
    std::uint64_t remaining;
    bool map;
    bool first = true;
  };
  std::vector<Open> open;
  std::string out;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!open.empty()) {
      Open& o = open.back();
      const bool key = o.map && o.remaining % 2 == 0;
      if (!o.first) out += key || !o.map ? ", " : ": ";
      o.first = false;
      --o.remaining;
    }
    const Node& n = nodes[i];
    switch (n.type) {
      case NodeType::kNil:
        out += "nil";
        break;
      case NodeType::kBool:
        out += n.b ? "true" : "false";
        break;
      case NodeType::kUint:
        out += std::to_string(n.u);
        break;
      case NodeType::kInt:
        out += std::to_string(n.i);
        break;
      case NodeType::kFloat32:
      case NodeType::kFloat64:
        out += detail::format_double(n.f);
        break;
      case NodeType::kStr:
        detail::append_quoted(out, std::string_view(n.p, n.size));
        break;
      case NodeType::kBin:
        out += "bin[" + std::to_string(n.size) + "]";
        break;
      case NodeType::kExt: {
        if (n.ext_type != detail::kExtInlineArray && n.ext_type != detail::kExtFrameArray) {
          out += "ext" + std::to_string(n.ext_type) + "[" + std::to_string(n.size) + "]";
          break;
        }
        detail::ArrayExt a;
        std::string error;
        if (!detail::parse_array_ext(n, frames, a, error)) {
          throw SerdeError("serde: found " + error + " at " + detail::path_to(st, i));
        }
        out += detail::scalar_name(a.kind, a.scalar_size) + "[" +
               std::to_string(a.bytes.size() / a.scalar_size) + "]";
        if (a.frame != nullptr) out += " @frame " + std::to_string(a.frame - frames.data());
        break;
      }
      case NodeType::kArray:
      case NodeType::kMap: {
        const bool map = n.type == NodeType::kMap;
        out += map ? '{' : '[';
        open.push_back({map ? std::uint64_t{n.size} * 2 : n.size, map});
        break;
      }
    }
    while (!open.empty() && open.back().remaining == 0) {
      out += open.back().map ? '}' : ']';
      open.pop_back();
    }
  }
  return out;
}

}  // namespace weft::serde
