// Type names and structural signatures for serde (see serde::type_signature).
// Included by weft/serde.hpp; not meant to be included alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "weft/detail/serde_archive.hpp"

namespace weft::serde::detail {

// The qualified name of T as the compiler spells it ("ns::Order"), at compile time and
// without RTTI. GCC and Clang agree on the names of ordinary classes and enums; they may
// spell template arguments differently.
template <class T>
constexpr std::string_view pretty_type_name() noexcept {
  std::string_view s = __PRETTY_FUNCTION__;
  // GCC: "... type_name() [with T = ns::Order; std::string_view = ...]"
  // Clang: "... type_name() [T = ns::Order]"
  const std::size_t begin = s.find("T = ") + 4;
  std::size_t end = s.find(';', begin);
  if (end == std::string_view::npos) end = s.rfind(']');
  return s.substr(begin, end - begin);
}
// A variable, so that the search above runs at compile time, not on every decode.
template <class T>
inline constexpr std::string_view type_name_v = pretty_type_name<T>();
template <class T>
constexpr std::string_view type_name() noexcept {
  return type_name_v<T>;
}

// XXH3 of a signature string.
std::uint64_t hash_signature(std::string_view signature) noexcept;

// Appends T's signature: its codec's, else its type name.
template <class T>
void append_signature(std::string& out) {
  using U = std::remove_cvref_t<T>;
  if constexpr (requires { Codec<U>::signature(out); }) {
    Codec<U>::signature(out);
  } else {
    out += type_name<U>();
  }
}

// Appends "a,b,c" for Ts = A, B, C.
template <class... Ts>
void append_signatures(std::string& out) {
  bool first = true;
  ((out += first ? "" : ",", first = false, append_signature<Ts>(out)), ...);
}

// Stand-in archives run through a user's `serialize`: one counts the fields, one appends
// their signatures.
struct FieldCounter {
  static constexpr bool is_reading = false;
  std::size_t count = 0;
  template <class... Ts>
  void operator()(const Ts&...) noexcept {
    count += sizeof...(Ts);
  }
};

struct SignatureBuilder {
  static constexpr bool is_reading = false;
  std::string* out;
  bool first = true;
  template <class... Ts>
  void operator()(const Ts&...) {
    ((*out += first ? "" : ",", first = false, append_signature<Ts>(*out)), ...);
  }
};

}  // namespace weft::serde::detail
