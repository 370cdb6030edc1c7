// Reader: typed values out of the parsed node list, with errors that say where.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "serde/decode_state.hpp"
#include "serde/format.hpp"
#include "weft/error.hpp"
#include "weft/serde.hpp"

namespace weft::serde {
namespace detail {
namespace {

// Decoders on one thread reuse one node list. A decode started while another is running on
// the same thread (from inside a user's serialize) gets lists of its own.
struct Scratch {
  std::vector<Node> nodes;
  std::vector<StructFrame> structs;
  bool busy = false;
};
thread_local Scratch scratch;
// Node capacity kept between messages (16 bytes each); more is released after use.
constexpr std::size_t kScratchKeepNodes = std::size_t{1} << 16;

class ScratchLease {
 public:
  ScratchLease() {
    if (!scratch.busy) {
      scratch.busy = true;
      shared_ = true;
      nodes_ = &scratch.nodes;
      structs_ = &scratch.structs;
    } else {
      nodes_ = &own_nodes_;
      structs_ = &own_structs_;
    }
  }
  ~ScratchLease() {
    if (!shared_) return;
    if (scratch.nodes.capacity() > kScratchKeepNodes) std::vector<Node>().swap(scratch.nodes);
    scratch.structs.clear();
    scratch.busy = false;
  }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;

  std::vector<Node>* nodes() { return nodes_; }
  std::vector<StructFrame>* structs() { return structs_; }

 private:
  bool shared_ = false;
  std::vector<Node>* nodes_;
  std::vector<StructFrame>* structs_;
  std::vector<Node> own_nodes_;
  std::vector<StructFrame> own_structs_;
};

std::string quote(std::string_view s) {
  std::string out;
  append_quoted(out, s, 32);
  return out;
}

// Field `i` of "a, b, c", or empty.
std::string_view field_name(const char* names, std::size_t i) {
  if (names == nullptr) return {};
  std::string_view rest = names;
  for (;;) {
    const std::size_t comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (i == 0) return name;
    if (comma == std::string_view::npos) return {};
    rest.remove_prefix(comma + 1);
    --i;
  }
}

const StructFrame* struct_at(const DecodeState& st, std::size_t node) {
  for (const StructFrame& f : *st.structs) {
    if (f.node == node) return &f;
  }
  return nullptr;
}

}  // namespace

std::string scalar_name(ScalarKind kind, std::uint32_t scalar_size) {
  const char* prefix = kind == ScalarKind::kUnsigned ? "u"
                       : kind == ScalarKind::kSigned ? "i"
                       : kind == ScalarKind::kFloat  ? "f"
                                                     : "raw";
  if (kind == ScalarKind::kRaw && scalar_size == 1) return "byte";
  return prefix + std::to_string(scalar_size * 8);
}

std::string format_double(double v) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

std::string describe(const Node& n) {
  switch (n.type) {
    case NodeType::kNil:
      return "nil";
    case NodeType::kBool:
      return n.b ? "true" : "false";
    case NodeType::kUint:
      return "integer " + std::to_string(n.u);
    case NodeType::kInt:
      return "integer " + std::to_string(n.i);
    case NodeType::kFloat32:
      return "f32 " + format_double(n.f);
    case NodeType::kFloat64:
      return "f64 " + format_double(n.f);
    case NodeType::kStr:
      return "string " + quote(std::string_view(n.p, n.size));
    case NodeType::kBin:
      return "binary of " + std::to_string(n.size) + " bytes";
    case NodeType::kExt:
      if (n.ext_type == kExtInlineArray || n.ext_type == kExtFrameArray) {
        if (n.size >= 5 && valid_kind(static_cast<std::uint8_t>(n.p[0]))) {
          return "array of " + scalar_name(static_cast<ScalarKind>(n.p[0]), load_u32(n.p + 1));
        }
        return "malformed array extension";
      }
      return "extension type " + std::to_string(n.ext_type);
    case NodeType::kArray:
      return "array of " + std::to_string(n.size);
    case NodeType::kMap:
      return "map of " + std::to_string(n.size);
  }
  return "?";
}

std::string path_to(const DecodeState& st, std::size_t index) {
  const std::vector<Node>& nodes = *st.nodes;
  if (index >= nodes.size()) return "the end of the message";
  struct Open {
    std::size_t node;
    std::uint64_t children;
    std::uint64_t next = 0;
  };
  std::vector<Open> open;
  for (std::size_t i = 0;; ++i) {
    // Close containers whose children have all started: `i` comes after them.
    while (!open.empty() && open.back().next == open.back().children) open.pop_back();
    if (!open.empty()) ++open.back().next;
    if (i == index) break;
    const Node& n = nodes[i];
    if (n.type == NodeType::kArray && n.size > 0) {
      open.push_back({i, n.size});
    } else if (n.type == NodeType::kMap && n.size > 0) {
      open.push_back({i, std::uint64_t{n.size} * 2});
    }
  }
  // `open` now holds the containers enclosing `index`; each one's last started child leads
  // towards it. (Built with append only: GCC 12 misreports operator+ on strings here.)
  std::string path(1, '$');
  for (const Open& o : open) {
    const std::uint64_t child = o.next - 1;
    const StructFrame* f = struct_at(st, o.node);
    const std::string_view field = f != nullptr ? field_name(f->names, child) : "";
    if (nodes[o.node].type == NodeType::kMap) {
      path.append(child % 2 == 0 ? ".key(" : ".value(").append(std::to_string(child / 2));
      path.append(1, ')');
    } else if (!field.empty()) {
      path.append(1, '.').append(field);
    } else {
      path.append(1, '[').append(std::to_string(child)).append(1, ']');
    }
  }
  return path;
}

bool parse_array_ext(const Node& n, std::span<const Buffer> frames, ArrayExt& out,
                     std::string& error) {
  if (n.type != NodeType::kExt || (n.ext_type != kExtInlineArray && n.ext_type != kExtFrameArray)) {
    error = describe(n);
    return false;
  }
  const bool in_frame = n.ext_type == kExtFrameArray;
  if (n.size < kInlineHeaderSize || (in_frame && n.size != kFrameRefSize) ||
      !valid_kind(static_cast<std::uint8_t>(n.p[0])) || load_u32(n.p + 1) == 0) {
    error = "a malformed array extension (" + std::to_string(n.size) + " bytes)";
    return false;
  }
  out.kind = static_cast<ScalarKind>(n.p[0]);
  out.scalar_size = load_u32(n.p + 1);
  if (!in_frame) {
    out.bytes = {reinterpret_cast<const std::byte*>(n.p) + kInlineHeaderSize,
                 n.size - kInlineHeaderSize};
    out.frame = nullptr;
    return true;
  }
  const std::uint32_t index = load_u32(n.p + 5);
  const std::uint64_t length = load_u64(n.p + 9);
  if (index >= frames.size()) {
    error = "a reference to frame " + std::to_string(index) + " (the message has " +
            std::to_string(frames.size()) + " frames)";
    return false;
  }
  if (frames[index].size() != length) {
    error = "a reference to " + std::to_string(length) + " bytes in frame " +
            std::to_string(index) + " (which holds " + std::to_string(frames[index].size()) + ")";
    return false;
  }
  out.frame = &frames[index];
  out.bytes = frames[index].bytes();
  return true;
}

void decode_with(std::span<const std::byte> body, std::span<const Buffer> frames, ReadFn read,
                 void* out) {
  ScratchLease lease;
  DecodeState st{body, frames, lease.nodes(), lease.structs()};
  parse(body, *st.nodes);
  Reader r(st);
  read(r, out);
  // Unreachable with the standard codecs (each reads exactly one value), but a custom codec
  // could stop early.
  if (st.pos != st.nodes->size()) {
    throw SerdeError("serde: " + std::to_string(st.nodes->size() - st.pos) +
                     " values left unread, from " + path_to(st, st.pos));
  }
}

}  // namespace detail

using detail::Node;
using detail::NodeType;

namespace {

// Takes the next node, or throws when the message has run out.
const Node& take(detail::DecodeState& st, std::string_view expected) {
  if (st.pos >= st.nodes->size()) {
    throw SerdeError("serde: expected " + std::string(expected) + " but the message ended");
  }
  st.last = st.pos;
  return (*st.nodes)[st.pos++];
}

[[noreturn]] void mismatch(const detail::DecodeState& st, std::string_view expected,
                           const Node& found) {
  throw SerdeError("serde: expected " + std::string(expected) + " but found " +
                   detail::describe(found) + " at " + detail::path_to(st, st.last));
}

[[noreturn]] void out_of_range(const detail::DecodeState& st, std::string_view type,
                               const Node& found) {
  throw SerdeError("serde: " + detail::describe(found) + " is out of range for " +
                   std::string(type) + " at " + detail::path_to(st, st.last));
}

}  // namespace

bool Reader::next_is_nil() const noexcept {
  return st_->pos < st_->nodes->size() && (*st_->nodes)[st_->pos].type == NodeType::kNil;
}

void Reader::read_nil(std::string_view type) {
  const Node& n = take(*st_, type);
  if (n.type != NodeType::kNil) mismatch(*st_, std::string(type) + " (nil)", n);
}

bool Reader::read_bool() {
  const Node& n = take(*st_, "bool");
  if (n.type != NodeType::kBool) mismatch(*st_, "bool", n);
  return n.b;
}

std::int64_t Reader::read_int(std::int64_t min, std::int64_t max, std::string_view type) {
  const Node& n = take(*st_, type);
  if (n.type == NodeType::kUint) {
    if (n.u > static_cast<std::uint64_t>(max)) out_of_range(*st_, type, n);
    return static_cast<std::int64_t>(n.u);
  }
  if (n.type == NodeType::kInt) {
    if (n.i < min) out_of_range(*st_, type, n);
    return n.i;
  }
  mismatch(*st_, type, n);
}

std::uint64_t Reader::read_uint(std::uint64_t max, std::string_view type) {
  const Node& n = take(*st_, type);
  if (n.type == NodeType::kUint) {
    if (n.u > max) out_of_range(*st_, type, n);
    return n.u;
  }
  if (n.type == NodeType::kInt) out_of_range(*st_, type, n);
  mismatch(*st_, type, n);
}

double Reader::read_double() {
  const Node& n = take(*st_, "f64");
  if (n.type != NodeType::kFloat64 && n.type != NodeType::kFloat32) mismatch(*st_, "f64", n);
  return n.f;
}

float Reader::read_float() {
  const Node& n = take(*st_, "f32");
  if (n.type != NodeType::kFloat32) mismatch(*st_, "f32", n);
  return static_cast<float>(n.f);
}

std::string_view Reader::read_string() {
  const Node& n = take(*st_, "string");
  if (n.type == NodeType::kStr) return {n.p, n.size};
  detail::ArrayExt a;
  std::string error;
  if (n.type == NodeType::kExt && detail::parse_array_ext(n, st_->frames, a, error) &&
      a.scalar_size == 1) {
    return {reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size()};
  }
  mismatch(*st_, "string", n);
}

std::size_t Reader::read_array_header(std::string_view type) {
  const Node& n = take(*st_, type);
  if (n.type != NodeType::kArray) mismatch(*st_, std::string(type) + " (array)", n);
  return n.size;
}

void Reader::read_array_header(std::size_t expected, std::string_view type) {
  const Node& n = take(*st_, type);
  if (n.type != NodeType::kArray || n.size != expected) {
    mismatch(*st_, std::string(type) + " (array of " + std::to_string(expected) + ")", n);
  }
}

std::size_t Reader::read_map_header(std::string_view type) {
  const Node& n = take(*st_, type);
  if (n.type != NodeType::kMap) mismatch(*st_, std::string(type) + " (map)", n);
  return n.size;
}

Reader::ArrayBytes Reader::read_array(const ArrayLayout& layout, std::string_view type) {
  const Node& n = take(*st_, type);
  detail::ArrayExt a;
  std::string error;
  if (!detail::parse_array_ext(n, st_->frames, a, error)) {
    throw SerdeError("serde: expected " + std::string(type) + " but found " + error + " at " +
                     detail::path_to(*st_, st_->last));
  }
  const bool raw_reader = layout.kind == ScalarKind::kRaw && layout.scalar_size == 1;
  const bool raw_writer = a.kind == ScalarKind::kRaw && a.scalar_size == 1;
  if (!raw_reader && !raw_writer &&
      (a.kind != layout.kind || a.scalar_size != layout.scalar_size)) {
    throw SerdeError("serde: expected " + std::string(type) + " (elements of " +
                     detail::scalar_name(layout.kind, layout.scalar_size) +
                     ") but found an array of " + detail::scalar_name(a.kind, a.scalar_size) +
                     " at " + detail::path_to(*st_, st_->last));
  }
  if (a.bytes.size() % layout.element_size != 0) {
    throw SerdeError("serde: expected " + std::string(type) + " but found " +
                     std::to_string(a.bytes.size()) + " bytes, not a whole number of " +
                     std::to_string(layout.element_size) + "-byte elements, at " +
                     detail::path_to(*st_, st_->last));
  }
  return {a.bytes, a.frame};
}

void Reader::enter_struct(std::size_t fields, const char* names, std::string_view type) {
  const Node& n = take(*st_, type);
  if (n.type != NodeType::kArray || n.size != fields) {
    mismatch(*st_, std::string(type) + " (" + std::to_string(fields) + " fields)", n);
  }
  st_->structs->push_back({st_->last, names, type});
}

void Reader::leave_struct() noexcept { st_->structs->pop_back(); }

void Reader::fail(std::string_view what) const {
  throw SerdeError("serde: " + std::string(what) + " at " + detail::path_to(*st_, st_->last));
}

}  // namespace weft::serde
