// Writer: values to a msgpack body (through msgpack-cxx's packer) plus out-of-band frames.
#include <bit>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>

// msgpack-cxx, header-only; src/CMakeLists.txt sets MSGPACK_NO_BOOST.
#include <msgpack/pack.hpp>

#include "serde/format.hpp"
#include "weft/error.hpp"
#include "weft/serde.hpp"

namespace weft {

Buffer Buffer::copy(const void* data, std::size_t size) {
  if (size == 0) return Buffer();
  auto storage = std::make_shared_for_overwrite<std::byte[]>(size);
  std::memcpy(storage.get(), data, size);
  const std::byte* p = storage.get();
  return Buffer(p, size, std::move(storage));
}

namespace serde {

bool Message::self_contained() const noexcept {
  for (const Buffer& f : frames) {
    if (!f.owned()) return false;
  }
  return body.owned();
}

void Message::make_self_contained() {
  if (!body.owned()) body = Buffer::copy(body.bytes());
  for (Buffer& f : frames) {
    if (!f.owned()) f = Buffer::copy(f.bytes());
  }
}

std::size_t Message::total_bytes() const noexcept {
  std::size_t n = body.size();
  for (const Buffer& f : frames) n += f.size();
  return n;
}

namespace {

// The packer's output stream: appends to the body.
struct BodySink {
  std::string* body;
  void write(const char* data, std::size_t size) { body->append(data, size); }
};

class Packer {
 public:
  explicit Packer(std::string& body) : sink_{&body}, packer_(sink_) {}
  msgpack::packer<BodySink>* operator->() { return &packer_; }

 private:
  BodySink sink_;
  msgpack::packer<BodySink> packer_;
};

// Writers on one thread reuse one body buffer, so that encoding a small message allocates
// only its result. A Writer created while another is alive (a nested encode) uses its own.
struct Scratch {
  std::string body;
  bool busy = false;
};
thread_local Scratch scratch;
// Scratch capacity kept between messages; a huge body's buffer is released.
constexpr std::size_t kScratchKeep = std::size_t{1} << 20;
// Bodies up to this size are copied into an exact allocation (one malloc for the message);
// larger ones move their buffer into the message instead of copying.
constexpr std::size_t kCopyOutLimit = std::size_t{64} << 10;

std::uint32_t checked_count(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    throw SerdeError("serde: cannot encode a container of " + std::to_string(n) +
                     " elements (msgpack allows 2^32 - 1)");
  }
  return static_cast<std::uint32_t>(n);
}

}  // namespace

Writer::Writer() {
  if (!scratch.busy) {
    scratch.busy = true;
    uses_scratch_ = true;
    body_.swap(scratch.body);
    body_.clear();
  }
}

Writer::~Writer() {
  if (uses_scratch_) {
    if (body_.capacity() <= kScratchKeep) {
      body_.clear();
      scratch.body.swap(body_);
    }
    scratch.busy = false;
  }
}

Message Writer::finish() && {
  Message m;
  if (body_.size() <= kCopyOutLimit) {
    m.body = Buffer::copy(body_.data(), body_.size());
  } else {
    auto holder = std::make_shared<const std::string>(std::move(body_));
    m.body = Buffer(holder->data(), holder->size(), holder);
    body_.clear();
  }
  m.frames = std::move(frames_);
  return m;
}

void Writer::write_nil() { Packer(body_)->pack_nil(); }

void Writer::write_bool(bool v) {
  if (v) {
    Packer(body_)->pack_true();
  } else {
    Packer(body_)->pack_false();
  }
}

void Writer::write_int(std::int64_t v) { Packer(body_)->pack_int64(v); }
void Writer::write_uint(std::uint64_t v) { Packer(body_)->pack_uint64(v); }
// msgpack-cxx 4's pack_float and pack_double write integral values as integers, which
// loses -0.0 and the float/double distinction (and converts 2^64 to uint64_t, undefined
// behaviour). So floats are written in msgpack's fixed float32/float64 formats (0xca, 0xcb
// and the big-endian bits), which its parser reads back as floats.
void Writer::write_float(float v) {
  char buf[5] = {static_cast<char>(0xca)};
  const auto bits = __builtin_bswap32(std::bit_cast<std::uint32_t>(v));
  std::memcpy(buf + 1, &bits, 4);
  body_.append(buf, sizeof buf);
}

void Writer::write_double(double v) {
  char buf[9] = {static_cast<char>(0xcb)};
  const auto bits = __builtin_bswap64(std::bit_cast<std::uint64_t>(v));
  std::memcpy(buf + 1, &bits, 8);
  body_.append(buf, sizeof buf);
}

void Writer::write_string(std::string_view s) {
  if (s.size() >= kOutOfBandThreshold) {
    write_array(kRawBytes, s.data(), s.size());
    return;
  }
  const std::uint32_t n = checked_count(s.size());
  Packer p(body_);
  p->pack_str(n);
  p->pack_str_body(s.data(), n);
}

void Writer::write_array_header(std::size_t n) { Packer(body_)->pack_array(checked_count(n)); }
void Writer::write_map_header(std::size_t n) { Packer(body_)->pack_map(checked_count(n)); }

void Writer::write_array(const ArrayLayout& layout, const void* data, std::size_t bytes) {
  put_array(layout, data, bytes, owner_ != nullptr ? &owner_ : nullptr);
}

void Writer::write_shared_array(const ArrayLayout& layout, const void* data, std::size_t bytes,
                                const std::shared_ptr<const void>& owner) {
  put_array(layout, data, bytes, &owner);
}

void Writer::put_array(const ArrayLayout& layout, const void* data, std::size_t bytes,
                       const std::shared_ptr<const void>* owner) {
  Packer p(body_);
  if (bytes >= kOutOfBandThreshold) {
    const std::uint32_t index = checked_count(frames_.size());
    if (owner != nullptr) {
      frames_.emplace_back(data, bytes, *owner);
    } else {
      frames_.emplace_back(data, bytes, nullptr);
      ++borrowed_;
    }
    char ref[detail::kFrameRefSize];
    ref[0] = static_cast<char>(layout.kind);
    detail::store_u32(ref + 1, layout.scalar_size);
    detail::store_u32(ref + 5, index);
    detail::store_u64(ref + 9, bytes);
    p->pack_ext(sizeof ref, detail::kExtFrameArray);
    p->pack_ext_body(ref, sizeof ref);
    return;
  }
  char header[detail::kInlineHeaderSize];
  header[0] = static_cast<char>(layout.kind);
  detail::store_u32(header + 1, layout.scalar_size);
  const auto n = static_cast<std::uint32_t>(bytes);
  p->pack_ext(sizeof header + n, detail::kExtInlineArray);
  p->pack_ext_body(header, sizeof header);
  if (n != 0) p->pack_ext_body(static_cast<const char*>(data), n);
}

}  // namespace serde
}  // namespace weft
