// serde: values to bytes and back, for task arguments and results that leave the process.
//
//   struct Order {
//     std::string symbol;
//     std::vector<double> prices;            // large: travels as its own frame, not copied
//     WEFT_SERIALIZE(symbol, prices);
//   };
//   serde::Message m = serde::encode(order);  // m.body: msgpack; m.frames: the prices
//   Order back = serde::decode<Order>(m);     // throws weft::SerdeError on bad input
//
// A Message is one ZeroMQ multipart message: [body, frames...]. The body is msgpack
// (msgpack-cxx does the encoding and parsing, privately in src/serde/); arrays of Bitwise
// elements (numbers, std::byte, std::array of them, opted-in structs) and weft::Buffer of
// kOutOfBandThreshold bytes or more are never copied into it: the body records a frame
// index, and the frame points at the array where it lies in memory.
//
// Supported: bool, integers, float, double, enums, std::string (std::string_view and
// std::span: write only), std::vector, std::array, std::pair, std::tuple, std::optional,
// std::variant, std::monostate, std::map, std::unordered_map, std::set,
// std::unordered_set, weft::Buffer, weft::ArrayView, nested freely; user types through
// WEFT_SERIALIZE or a `serialize` member; other types through a Codec specialisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "weft/detail/serde_archive.hpp"
#include "weft/detail/serde_buffer.hpp"
#include "weft/detail/serde_codecs.hpp"
#include "weft/detail/serde_signature.hpp"
#include "weft/error.hpp"

// Makes a class serializable field by field. Place it inside the class, in any section:
//   struct Point { double x, y; WEFT_SERIALIZE(x, y); };
// Fields travel in the order named; decoding needs a default constructor. Equivalent to a
// hand-written `template <class Archive> void serialize(Archive& ar) { ar(x, y); }`, plus
// field names in decoding errors.
#define WEFT_SERIALIZE(...)                                                          \
  friend struct ::weft::serde::Access;                                               \
  template <class WeftArchive>                                                       \
  void serialize(WeftArchive& weft_archive) {                                        \
    weft_archive(__VA_ARGS__);                                                       \
  }                                                                                  \
  static constexpr const char* weft_serde_fields() noexcept { return #__VA_ARGS__; } \
  static_assert(true, "")

namespace weft::serde {

// Encodes `value`, borrowing its large arrays: the frames point into `value`, which must
// stay alive and unchanged until the message is sent (with ZeroMQ, until the send's free
// callback runs) or made self-contained. Buffers inside `value` are shared, not borrowed.
template <class T>
requires Writable<T> Message encode(const T& value) {
  Writer w;
  w(value);
  return std::move(w).finish();
}

// Encodes a temporary or moved-from value and keeps it alive for as long as any frame
// refers to it: self-contained, still without copying large arrays. Costs one allocation
// (the holder) only when the value has large arrays. A view (std::span, std::string_view,
// a tuple of references: detail::is_view) cannot keep what it refers to alive, so it is
// encoded as by encode(const T&), borrowing; self_contained() tells.
template <class T>
requires(!std::is_lvalue_reference_v<T> && Writable<std::remove_cvref_t<T>>) Message
    encode(T&& value) {
  using V = std::remove_cvref_t<T>;
  if constexpr (detail::is_view<V> || !std::is_move_constructible_v<V>) {
    return encode(static_cast<const V&>(value));
  } else {
    {
      Writer w;
      w(value);
      if (w.borrowed_frames() == 0) return std::move(w).finish();
    }
    // Frames point into `value`: move it somewhere that lives with the message and encode
    // again from there (large arrays are only referenced, so this costs about as much as
    // the first pass over the small fields).
    auto holder = std::make_shared<const V>(std::move(value));
    Writer w;
    w.keep_alive(holder);
    w(*holder);
    return std::move(w).finish();
  }
}

namespace detail {
using ReadFn = void (*)(Reader&, void*);
// Parses `body`, runs `read` on a Reader over it, and checks that it consumed the whole
// message. Throws SerdeError.
void decode_with(std::span<const std::byte> body, std::span<const Buffer> frames, ReadFn read,
                 void* out);
}  // namespace detail

// Decodes a T from a body and its frames (as received: body first, then frames in order).
// Throws SerdeError if the bytes are malformed, truncated, nested deeper than kMaxDepth, or
// hold anything but a T; never reads out of bounds or allocates more than a small multiple
// of the input's size. Buffers and ArrayViews in the result alias `frames` and share their
// owners; everything else is copied out.
template <class T>
requires Readable<T> T decode(std::span<const std::byte> body,
                              std::span<const Buffer> frames = {}) {
  T out{};
  detail::decode_with(
      body, frames, [](Reader& r, void* p) { Codec<T>::read(r, *static_cast<T*>(p)); }, &out);
  return out;
}

template <class T>
requires Readable<T> T decode(const Message& message) {
  return decode<T>(message.body.bytes(), message.frames);
}

// Decodes without a type: checks the body is one well-formed message (frame references in
// range and of the right length) and renders it as text, e.g.
//   [1, -2.5, "abc", {"k": nil}, f64[3], f64[131072] @frame 0]
// (small arrays show their element type and count, large ones also their frame).
// For debugging and fuzzing. Throws SerdeError like decode.
std::string decode_untyped(std::span<const std::byte> body, std::span<const Buffer> frames = {});

// A readable description of T's wire structure, the input of type_signature:
//   std::tuple<int, std::vector<double>>       -> "tuple<i32,seq<f64>>"
//   struct Order { std::string s; int q; ... } -> "struct ns::Order{str,i32}"
template <class T>
requires(Writable<T> || Readable<T>) const std::string& type_description() {
  static const std::string description = [] {
    std::string out;
    detail::append_signature<std::remove_cv_t<T>>(out);
    return out;
  }();
  return description;
}

// A 64-bit hash (XXH3) of type_description<T>(): equal for types that read each other's
// bytes, so a caller and a registered function in another process can compare argument
// types before any data moves. Covers: scalar kinds and widths (i32 is not i64, f32 is not
// f64), container shapes (seq, array<T,N>, set, map, tuple, opt, variant), the names of
// enums and user types with their fields' signatures in order. Types with one wire format
// share a signature: vector, span and ArrayView ("seq"); map and unordered_map; set and
// unordered_set; pair and 2-tuple; string and string_view; Buffer and vector<std::byte>.
// Not covered: field names, and the names of types inside a type's own fields that refer
// back to it. Stable across runs and builds; names come from the compiler, so a type
// spelled differently by another compiler (template arguments) may hash differently.
template <class T>
requires(Writable<T> || Readable<T>) std::uint64_t type_signature() {
  static const std::uint64_t signature = detail::hash_signature(type_description<T>());
  return signature;
}

}  // namespace weft::serde
