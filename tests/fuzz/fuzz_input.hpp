// How the fuzz targets cut their bytes into messages, and what they check of every value
// they decode. Shared by the targets, the corpus generator and the corpus replay test.
//
// Input layout: a run of parts, each [more:u8][length:u16 little-endian][bytes]. A part
// whose length runs past the end takes what is left; a part with more == 0 ends a message
// (as ZeroMQ's "more" flag does). Every part is copied into an allocation of its own, so
// AddressSanitizer sees a decoder read one byte past a frame.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "weft/serde.hpp"

namespace weft::fuzz {

using Parts = std::vector<Buffer>;

inline std::vector<Parts> split(std::span<const std::uint8_t> in) {
  std::vector<Parts> messages(1);
  std::size_t i = 0;
  while (i + 3 <= in.size()) {
    const bool more = in[i] != 0;
    std::size_t n = in[i + 1] | (std::size_t{in[i + 2]} << 8);
    i += 3;
    n = std::min(n, in.size() - i);
    messages.back().push_back(Buffer::copy(in.data() + i, n));
    i += n;
    if (!more) messages.emplace_back();
  }
  if (messages.back().empty()) messages.pop_back();
  return messages;
}

// The inverse of split, for the corpus generator: parts of one message.
inline void append_message(std::vector<std::uint8_t>& out, const Parts& parts) {
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const std::size_t n = parts[p].size();
    if (n > 0xffff) std::abort();  // corpus messages are small by construction
    out.push_back(p + 1 < parts.size() ? 1 : 0);
    out.push_back(static_cast<std::uint8_t>(n & 0xff));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    const auto* b = reinterpret_cast<const std::uint8_t*>(parts[p].data());
    out.insert(out.end(), b, b + n);
  }
}

// A broken invariant: a crash for libFuzzer and for the replay test alike.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

inline bool same_bytes(const Buffer& a, const Buffer& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// Hash containers encode in their iteration order, which two equal sets need not share.
template <class T>
inline constexpr bool is_unordered = false;
template <class K, class H, class E, class A>
inline constexpr bool is_unordered<std::unordered_set<K, H, E, A>> = true;
template <class K, class V, class H, class E, class A>
inline constexpr bool is_unordered<std::unordered_map<K, V, H, E, A>> = true;

// A value that decoded must encode to bytes that decode to a value encoding the same way:
// catches a decoder that accepts what it then misreads (a count, a frame, a float).
// Hash containers are compared as values instead.
template <class T>
void check_round_trip(const T& value) {
  const serde::Message first = serde::encode(value);
  const T again = serde::decode<T>(first);
  if constexpr (is_unordered<T>) {
    if (again != value) fail("a decoded hash container changed in a round trip");
    return;
  }
  const serde::Message second = serde::encode(again);
  if (!same_bytes(first.body, second.body) || first.frames.size() != second.frames.size()) {
    fail("re-encoding a decoded value changed its body");
  }
  for (std::size_t i = 0; i < first.frames.size(); ++i) {
    if (!same_bytes(first.frames[i], second.frames[i])) fail("re-encoding changed a frame");
  }
}

// The targets: true when every message in `input` decoded, false when one was refused with
// a weft::Error. Anything else (another exception, a crash, a sanitizer report) is a bug.
bool wire_target(std::span<const std::uint8_t> input);
bool serde_target(std::span<const std::uint8_t> input);

}  // namespace weft::fuzz
