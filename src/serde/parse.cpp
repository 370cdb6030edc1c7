// msgpack bytes to the flat node list, through msgpack-cxx's SAX parser.
#include <cstdint>
#include <string>
#include <vector>

// msgpack-cxx, header-only; src/CMakeLists.txt sets MSGPACK_NO_BOOST.
#include <msgpack/null_visitor.hpp>
#include <msgpack/unpack.hpp>  // before parse.hpp, which needs its declarations

#include <msgpack/parse.hpp>

#include "serde/decode_state.hpp"
#include "weft/error.hpp"

namespace weft::serde::detail {
namespace {

// Appends one node per msgpack value. Containers only record their counts: msgpack-cxx's
// own create_object_visitor allocates `count` objects when it meets a header, before
// knowing whether the elements are there, which a 5-byte body could turn into gigabytes.
class NodeBuilder : public msgpack::null_visitor {
 public:
  NodeBuilder(const char* base, std::vector<Node>& nodes) : base_(base), nodes_(nodes) {}

  bool visit_nil() {
    push(NodeType::kNil).u = 0;
    return true;
  }
  bool visit_boolean(bool v) {
    push(NodeType::kBool).b = v;
    return true;
  }
  bool visit_positive_integer(std::uint64_t v) {
    push(NodeType::kUint).u = v;
    return true;
  }
  // msgpack's signed formats may hold non-negative values too; keep one representation.
  bool visit_negative_integer(std::int64_t v) {
    if (v >= 0) {
      push(NodeType::kUint).u = static_cast<std::uint64_t>(v);
    } else {
      push(NodeType::kInt).i = v;
    }
    return true;
  }
  bool visit_float32(float v) {
    push(NodeType::kFloat32).f = v;
    return true;
  }
  bool visit_float64(double v) {
    push(NodeType::kFloat64).f = v;
    return true;
  }
  bool visit_str(const char* v, std::uint32_t size) { return push_bytes(NodeType::kStr, v, size); }
  bool visit_bin(const char* v, std::uint32_t size) { return push_bytes(NodeType::kBin, v, size); }
  // `v` points at the type byte; `size` counts it.
  bool visit_ext(const char* v, std::uint32_t size) {
    Node& n = push(NodeType::kExt);
    n.ext_type = static_cast<std::int8_t>(v[0]);
    n.size = size - 1;
    n.p = v + 1;
    return true;
  }
  bool start_array(std::uint32_t count) {
    enter();
    Node& n = push(NodeType::kArray);
    n.size = count;
    n.u = 0;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool start_map(std::uint32_t pairs) {
    enter();
    Node& n = push(NodeType::kMap);
    n.size = pairs;
    n.u = 0;
    return true;
  }
  bool end_map() {
    --depth_;
    return true;
  }
  void parse_error(std::size_t /*parsed_offset*/, std::size_t error_offset) {
    std::string byte = error_offset < size_
                           ? " 0x" + hex(static_cast<unsigned char>(base_[error_offset]))
                           : std::string();
    throw SerdeError("serde: malformed message: invalid msgpack byte" + byte + " at offset " +
                     std::to_string(error_offset));
  }
  void insufficient_bytes(std::size_t parsed_offset, std::size_t /*error_offset*/) {
    throw SerdeError("serde: truncated message: the value at offset " +
                     std::to_string(parsed_offset) + " needs more bytes than the " +
                     std::to_string(size_) + " present");
  }

  void set_size(std::size_t size) { size_ = size; }

 private:
  Node& push(NodeType type) {
    Node& n = nodes_.emplace_back();
    n.type = type;
    n.ext_type = 0;
    n.size = 0;
    return n;
  }
  bool push_bytes(NodeType type, const char* v, std::uint32_t size) {
    Node& n = push(type);
    n.size = size;
    n.p = size == 0 ? base_ : v;
    return true;
  }
  void enter() {
    if (++depth_ > kMaxDepth) {
      throw SerdeError("serde: message nested deeper than " + std::to_string(kMaxDepth) +
                       " levels (at value #" + std::to_string(nodes_.size()) + ")");
    }
  }
  static std::string hex(unsigned v) {
    const char* digits = "0123456789abcdef";
    return {digits[v >> 4], digits[v & 15]};
  }

  const char* base_;
  std::vector<Node>& nodes_;
  std::size_t depth_ = 0;
  std::size_t size_ = 0;
};

}  // namespace

void parse(std::span<const std::byte> body, std::vector<Node>& nodes) {
  nodes.clear();
  if (body.empty()) throw SerdeError("serde: empty message body");
  const char* data = reinterpret_cast<const char*>(body.data());
  NodeBuilder builder(data, nodes);
  builder.set_size(body.size());
  std::size_t offset = 0;
  if (!msgpack::parse(data, body.size(), offset, builder)) {
    // The builder throws on every failure it is told about; this is a safety net.
    throw SerdeError("serde: malformed message near offset " + std::to_string(offset));
  }
  if (offset != body.size()) {
    throw SerdeError("serde: malformed message: " + std::to_string(body.size() - offset) +
                     " unexpected bytes after the value, from offset " + std::to_string(offset));
  }
}

}  // namespace weft::serde::detail
