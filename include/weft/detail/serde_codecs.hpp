// Codecs for the standard types, weft::Buffer, weft::ArrayView and user types with a
// `serialize` member. Each writes exactly one msgpack value and reads exactly one back.
// Included by weft/serde.hpp; not meant to be included alone.
//
// Wire shapes: scalars and strings as msgpack scalars and strings; sequences and sets as
// arrays; maps as maps; pair, tuple and user types as fixed-length arrays; variant as
// [index, value]; optional as nil or the value ([] or [value] when the value can itself be
// nil); arrays of Bitwise elements as raw bytes, out of band from kOutOfBandThreshold bytes.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "weft/detail/serde_archive.hpp"
#include "weft/detail/serde_signature.hpp"

namespace weft::serde {
namespace detail {

template <class T>
concept Integer = std::is_integral_v<T> && !std::is_same_v<T, bool> && sizeof(T) <= 8;

// Types that may encode as nil, so that optional<T> must wrap its value to stay unambiguous.
template <class T>
inline constexpr bool encodes_as_nil = false;
template <>
inline constexpr bool encodes_as_nil<std::monostate> = true;
template <class T>
inline constexpr bool encodes_as_nil<std::optional<T>> = true;

// A container never reserves more than this up front: the header's count comes from the
// sender, so memory is only committed as elements actually decode.
inline constexpr std::size_t kMaxReserveBytes = std::size_t{1} << 16;

template <class T>
std::size_t capped_reserve(std::size_t n) {
  return std::min(n, kMaxReserveBytes / sizeof(T) + 1);
}

template <class T>
void write_elements(Writer& w, std::span<const T> values) {
  if constexpr (Bitwise<T>) {
    w.write_array(layout_of<T>, values.data(), values.size_bytes());
  } else {
    w.write_array_header(values.size());
    for (const T& v : values) Codec<T>::write(w, v);
  }
}

template <class Seq>
void append_container(std::string& out, const char* kind) {
  out += kind;
  out += '<';
  detail::append_signature<typename Seq::value_type>(out);
  out += '>';
}

// What is a view (see is_view): spans, string views, references, and containers of them.
template <class T, std::size_t E>
inline constexpr bool is_view<std::span<T, E>> = true;
template <>
inline constexpr bool is_view<std::string_view> = true;
template <class... Ts>
inline constexpr bool is_view<std::tuple<Ts...>> =
    ((std::is_reference_v<Ts> || is_view<std::remove_cv_t<Ts>>) || ...);
template <class A, class B>
inline constexpr bool is_view<std::pair<A, B>> = is_view<std::tuple<A, B>>;
template <class T, class A>
inline constexpr bool is_view<std::vector<T, A>> = is_view<T>;
template <class T, std::size_t N>
inline constexpr bool is_view<std::array<T, N>> = is_view<T>;
template <class T>
inline constexpr bool is_view<std::optional<T>> = is_view<T>;
template <class... Ts>
inline constexpr bool is_view<std::variant<Ts...>> = (is_view<Ts> || ...);
template <class K, class V, class C, class A>
inline constexpr bool is_view<std::map<K, V, C, A>> = is_view<K> || is_view<V>;
template <class K, class V, class H, class E, class A>
inline constexpr bool is_view<std::unordered_map<K, V, H, E, A>> = is_view<K> || is_view<V>;
template <class K, class C, class A>
inline constexpr bool is_view<std::set<K, C, A>> = is_view<K>;
template <class K, class H, class E, class A>
inline constexpr bool is_view<std::unordered_set<K, H, E, A>> = is_view<K>;
}  // namespace detail

// --- Scalars ---------------------------------------------------------------------------

template <>
struct Codec<bool> {
  static void write(Writer& w, bool v) { w.write_bool(v); }
  static void read(Reader& r, bool& v) { v = r.read_bool(); }
  static void signature(std::string& out) { out += "bool"; }
};

template <detail::Integer T>
struct Codec<T> {
  static void write(Writer& w, T v) {
    if constexpr (std::is_signed_v<T>) {
      w.write_int(v);
    } else {
      w.write_uint(v);
    }
  }
  static void read(Reader& r, T& v) {
    if constexpr (std::is_signed_v<T>) {
      v = static_cast<T>(r.read_int(std::numeric_limits<T>::min(), std::numeric_limits<T>::max(),
                                    detail::type_name<T>()));
    } else {
      v = static_cast<T>(r.read_uint(std::numeric_limits<T>::max(), detail::type_name<T>()));
    }
  }
  static void signature(std::string& out) {
    out += std::is_signed_v<T> ? 'i' : 'u';
    out += std::to_string(sizeof(T) * 8);
  }
};

template <>
struct Codec<float> {
  static void write(Writer& w, float v) { w.write_float(v); }
  static void read(Reader& r, float& v) { v = r.read_float(); }
  static void signature(std::string& out) { out += "f32"; }
};

template <>
struct Codec<double> {
  static void write(Writer& w, double v) { w.write_double(v); }
  static void read(Reader& r, double& v) { v = r.read_double(); }
  static void signature(std::string& out) { out += "f64"; }
};

template <>
struct Codec<std::byte> {
  static void write(Writer& w, std::byte v) { w.write_uint(static_cast<std::uint8_t>(v)); }
  static void read(Reader& r, std::byte& v) {
    v = static_cast<std::byte>(r.read_uint(255, "std::byte"));
  }
  static void signature(std::string& out) { out += "byte"; }
};

// Enums travel as their underlying integer. Any value of the underlying type is accepted:
// prefer scoped enums (enum class), for which every such value is valid.
template <class T>
requires std::is_enum_v<T>
struct Codec<T> {
  using U = std::underlying_type_t<T>;
  static void write(Writer& w, T v) { Codec<U>::write(w, static_cast<U>(v)); }
  static void read(Reader& r, T& v) {
    U u{};
    Codec<U>::read(r, u);
    v = static_cast<T>(u);
  }
  static void signature(std::string& out) {
    out += "enum ";
    out += detail::type_name<T>();
    out += ':';
    Codec<U>::signature(out);
  }
};

template <>
struct Codec<std::monostate> {
  static void write(Writer& w, std::monostate) { w.write_nil(); }
  static void read(Reader& r, std::monostate&) { r.read_nil("std::monostate"); }
  static void signature(std::string& out) { out += "nil"; }
};

// A type opted in with enable_bitwise travels as its bytes, alone as in arrays.
template <class T>
requires(enable_bitwise<T>&& std::is_class_v<T> && !Access::has_serialize<T>) struct Codec<T> {
  static void write(Writer& w, const T& v) { w.write_array(layout_of<T>, &v, sizeof(T)); }
  static void read(Reader& r, T& v) {
    Reader::ArrayBytes a = r.read_array(layout_of<T>, detail::type_name<T>());
    if (a.bytes.size() != sizeof(T)) {
      r.fail("expected one " + std::string(detail::type_name<T>()) + ", found " +
             std::to_string(a.bytes.size() / sizeof(T)));
    }
    std::memcpy(&v, a.bytes.data(), sizeof(T));
  }
  static void signature(std::string& out) {
    out += "bits<";
    out += detail::type_name<T>();
    out += ',';
    out += std::to_string(sizeof(T));
    out += '>';
  }
};

// --- Strings -----------------------------------------------------------------------------

template <>
struct Codec<std::string> {
  static void write(Writer& w, const std::string& v) { w.write_string(v); }
  static void read(Reader& r, std::string& v) { v = r.read_string(); }
  static void signature(std::string& out) { out += "str"; }
};

// Write only: decode into std::string.
template <>
struct Codec<std::string_view> {
  static void write(Writer& w, std::string_view v) { w.write_string(v); }
  static void signature(std::string& out) { out += "str"; }
};

// --- Bytes -------------------------------------------------------------------------------

// A large Buffer is a frame sharing the Buffer's owner. A decoded Buffer aliases the frame it
// arrived in (same memory, same owner); a small one is copied out of the body.
template <>
struct Codec<Buffer> {
  static void write(Writer& w, const Buffer& v) { w.write_buffer(v); }
  static void read(Reader& r, Buffer& v) {
    Reader::ArrayBytes a = r.read_array(kRawBytes, "weft::Buffer");
    v = a.frame != nullptr ? Buffer(a.bytes.data(), a.bytes.size(), a.frame->owner())
                           : Buffer::copy(a.bytes);
  }
  static void signature(std::string& out) { out += "seq<byte>"; }
};

// Decoding aliases the frame when its memory is aligned for T, else copies once.
template <Bitwise T>
struct Codec<ArrayView<T>> {
  static void write(Writer& w, const ArrayView<T>& v) {
    w.write_shared_array(layout_of<T>, v.data(), v.size() * sizeof(T), v.owner());
  }
  static void read(Reader& r, ArrayView<T>& v) {
    Reader::ArrayBytes a = r.read_array(layout_of<T>, detail::type_name<ArrayView<T>>());
    const std::size_t n = a.bytes.size() / sizeof(T);
    const auto address = reinterpret_cast<std::uintptr_t>(a.bytes.data());
    if (a.frame != nullptr && address % alignof(T) == 0) {
      v = ArrayView<T>(reinterpret_cast<const T*>(a.bytes.data()), n, a.frame->owner());
    } else {
      std::vector<T> copy(n);
      if (n != 0) std::memcpy(copy.data(), a.bytes.data(), a.bytes.size());
      v = ArrayView<T>(std::move(copy));
    }
  }
  static void signature(std::string& out) { detail::append_container<ArrayView<T>>(out, "seq"); }
};

// --- Sequences ---------------------------------------------------------------------------

template <class T, class A>
requires Writable<T>
struct Codec<std::vector<T, A>> {
  static void write(Writer& w, const std::vector<T, A>& v) {
    if constexpr (std::is_same_v<T, bool>) {  // not contiguous
      w.write_array_header(v.size());
      for (bool b : v) w.write_bool(b);
    } else {
      detail::write_elements<T>(w, v);
    }
  }
  static void read(Reader& r, std::vector<T, A>& v) requires Readable<T> {
    v.clear();
    if constexpr (Bitwise<T>) {
      Reader::ArrayBytes a = r.read_array(layout_of<T>, detail::type_name<std::vector<T, A>>());
      const std::size_t n = a.bytes.size() / sizeof(T);
      const auto address = reinterpret_cast<std::uintptr_t>(a.bytes.data());
      if (address % alignof(T) == 0) {  // one copy, no zero-fill first
        const T* first = reinterpret_cast<const T*>(a.bytes.data());
        v.assign(first, first + n);
      } else {
        v.resize(n);
        if (n != 0) std::memcpy(v.data(), a.bytes.data(), a.bytes.size());
      }
    } else {
      const std::size_t n = r.read_array_header(detail::type_name<std::vector<T, A>>());
      v.reserve(detail::capped_reserve<T>(n));
      for (std::size_t i = 0; i < n; ++i) {
        if constexpr (std::is_same_v<T, bool>) {
          v.push_back(r.read_bool());
        } else {
          Codec<T>::read(r, v.emplace_back());
        }
      }
    }
  }
  static void signature(std::string& out) {
    detail::append_container<std::vector<T, A>>(out, "seq");
  }
};

// Write only: decode into std::vector or ArrayView.
template <class T, std::size_t E>
requires Writable<std::remove_cv_t<T>>
struct Codec<std::span<T, E>> {
  using V = std::remove_cv_t<T>;
  static void write(Writer& w, std::span<T, E> v) {
    detail::write_elements<V>(w, std::span<const V>(v.data(), v.size()));
  }
  static void signature(std::string& out) {
    out += "seq<";
    detail::append_signature<V>(out);
    out += '>';
  }
};

template <class T, std::size_t N>
requires Writable<T>
struct Codec<std::array<T, N>> {
  static void write(Writer& w, const std::array<T, N>& v) {
    detail::write_elements<T>(w, std::span<const T>(v.data(), N));
  }
  static void read(Reader& r, std::array<T, N>& v) requires Readable<T> {
    if constexpr (Bitwise<T>) {
      Reader::ArrayBytes a = r.read_array(layout_of<T>, detail::type_name<std::array<T, N>>());
      if (a.bytes.size() != sizeof(T) * N) {
        r.fail("expected " + std::to_string(N) + " elements for " +
               std::string(detail::type_name<std::array<T, N>>()) + ", found " +
               std::to_string(a.bytes.size() / sizeof(T)));
      }
      if constexpr (N != 0) std::memcpy(v.data(), a.bytes.data(), sizeof(T) * N);
    } else {
      r.read_array_header(N, detail::type_name<std::array<T, N>>());
      for (T& e : v) Codec<T>::read(r, e);
    }
  }
  static void signature(std::string& out) {
    out += "array<";
    detail::append_signature<T>(out);
    out += ',';
    out += std::to_string(N);
    out += '>';
  }
};

// --- Sets and maps -----------------------------------------------------------------------

namespace detail {

template <class Set>
struct SetCodec {
  using K = typename Set::value_type;
  static void write(Writer& w, const Set& v) {
    w.write_array_header(v.size());
    for (const K& k : v) Codec<K>::write(w, k);
  }
  static void read(Reader& r, Set& v) {
    v.clear();
    const std::size_t n = r.read_array_header(type_name<Set>());
    for (std::size_t i = 0; i < n; ++i) {
      K k{};
      Codec<K>::read(r, k);
      if (!v.insert(std::move(k)).second) r.fail("duplicate element in a set");
    }
  }
};

template <class Map>
struct MapCodec {
  using K = typename Map::key_type;
  using V = typename Map::mapped_type;
  static void write(Writer& w, const Map& v) {
    w.write_map_header(v.size());
    for (const auto& [k, x] : v) {
      Codec<K>::write(w, k);
      Codec<V>::write(w, x);
    }
  }
  static void read(Reader& r, Map& v) {
    v.clear();
    const std::size_t n = r.read_map_header(type_name<Map>());
    for (std::size_t i = 0; i < n; ++i) {
      K k{};
      Codec<K>::read(r, k);
      V x{};
      Codec<V>::read(r, x);
      if (!v.emplace(std::move(k), std::move(x)).second) r.fail("duplicate key in a map");
    }
  }
  static void signature(std::string& out) {
    out += "map<";
    append_signatures<K, V>(out);
    out += '>';
  }
};

}  // namespace detail

template <class K, class C, class A>
requires Writable<K>
struct Codec<std::set<K, C, A>> : detail::SetCodec<std::set<K, C, A>> {
  static void read(Reader& r, std::set<K, C, A>& v) requires Readable<K> {
    detail::SetCodec<std::set<K, C, A>>::read(r, v);
  }
  static void signature(std::string& out) {
    detail::append_container<std::set<K, C, A>>(out, "set");
  }
};

template <class K, class H, class E, class A>
requires Writable<K>
struct Codec<std::unordered_set<K, H, E, A>> : detail::SetCodec<std::unordered_set<K, H, E, A>> {
  static void read(Reader& r, std::unordered_set<K, H, E, A>& v) requires Readable<K> {
    detail::SetCodec<std::unordered_set<K, H, E, A>>::read(r, v);
  }
  static void signature(std::string& out) {
    detail::append_container<std::unordered_set<K, H, E, A>>(out, "set");
  }
};

template <class K, class V, class C, class A>
requires(Writable<K>&& Writable<V>) struct Codec<std::map<K, V, C, A>>
    : detail::MapCodec<std::map<K, V, C, A>> {
  static void read(Reader& r, std::map<K, V, C, A>& v) requires(Readable<K>&& Readable<V>) {
    detail::MapCodec<std::map<K, V, C, A>>::read(r, v);
  }
};

template <class K, class V, class H, class E, class A>
requires(Writable<K>&& Writable<V>) struct Codec<std::unordered_map<K, V, H, E, A>>
    : detail::MapCodec<std::unordered_map<K, V, H, E, A>> {
  static void read(Reader& r,
                   std::unordered_map<K, V, H, E, A>& v) requires(Readable<K>&& Readable<V>) {
    detail::MapCodec<std::unordered_map<K, V, H, E, A>>::read(r, v);
  }
};

// --- Products and sums -------------------------------------------------------------------

template <class A, class B>
requires(Writable<A>&& Writable<B>) struct Codec<std::pair<A, B>> {
  static void write(Writer& w, const std::pair<A, B>& v) {
    w.write_array_header(2);
    Codec<std::remove_cvref_t<A>>::write(w, v.first);
    Codec<std::remove_cvref_t<B>>::write(w, v.second);
  }
  static void read(Reader& r, std::pair<A, B>& v) requires(Readable<A>&& Readable<B>) {
    r.read_array_header(2, detail::type_name<std::pair<A, B>>());
    Codec<A>::read(r, v.first);
    Codec<B>::read(r, v.second);
  }
  static void signature(std::string& out) {
    out += "tuple<";
    detail::append_signatures<A, B>(out);
    out += '>';
  }
};

template <class... Ts>
requires(Writable<Ts>&&...) struct Codec<std::tuple<Ts...>> {
  static void write(Writer& w, const std::tuple<Ts...>& v) {
    w.write_array_header(sizeof...(Ts));
    std::apply([&](const auto&... e) { (Codec<std::remove_cvref_t<Ts>>::write(w, e), ...); }, v);
  }
  static void read(Reader& r, std::tuple<Ts...>& v) requires(Readable<Ts>&&...) {
    r.read_array_header(sizeof...(Ts), detail::type_name<std::tuple<Ts...>>());
    std::apply([&](Ts&... e) { (Codec<Ts>::read(r, e), ...); }, v);
  }
  static void signature(std::string& out) {
    out += "tuple<";
    detail::append_signatures<Ts...>(out);
    out += '>';
  }
};

template <class T>
requires Writable<T>
struct Codec<std::optional<T>> {
  static void write(Writer& w, const std::optional<T>& v) {
    if constexpr (detail::encodes_as_nil<T>) {
      w.write_array_header(v ? 1 : 0);
      if (v) Codec<T>::write(w, *v);
    } else if (v) {
      Codec<T>::write(w, *v);
    } else {
      w.write_nil();
    }
  }
  static void read(Reader& r, std::optional<T>& v) requires Readable<T> {
    if constexpr (detail::encodes_as_nil<T>) {
      const std::size_t n = r.read_array_header(detail::type_name<std::optional<T>>());
      if (n > 1) r.fail("expected 0 or 1 values for an optional, found " + std::to_string(n));
      if (n == 0) {
        v.reset();
      } else {
        Codec<T>::read(r, v.emplace());
      }
    } else if (r.next_is_nil()) {
      r.read_nil(detail::type_name<std::optional<T>>());
      v.reset();
    } else {
      Codec<T>::read(r, v.emplace());
    }
  }
  static void signature(std::string& out) {
    out += "opt<";
    detail::append_signature<T>(out);
    out += '>';
  }
};

template <class... Ts>
requires(Writable<Ts>&&...) struct Codec<std::variant<Ts...>> {
  static void write(Writer& w, const std::variant<Ts...>& v) {
    w.write_array_header(2);
    w.write_uint(v.index());
    std::visit([&](const auto& e) { Codec<std::remove_cvref_t<decltype(e)>>::write(w, e); }, v);
  }
  static void read(Reader& r, std::variant<Ts...>& v) requires(Readable<Ts>&&...) {
    constexpr auto type = detail::type_name<std::variant<Ts...>>();
    r.read_array_header(2, type);
    const std::size_t index = r.read_uint(sizeof...(Ts) - 1, type);
    read_alternative(r, v, index, std::index_sequence_for<Ts...>{});
  }
  static void signature(std::string& out) {
    out += "variant<";
    detail::append_signatures<Ts...>(out);
    out += '>';
  }

 private:
  template <std::size_t... I>
  static void read_alternative(Reader& r, std::variant<Ts...>& v, std::size_t index,
                               std::index_sequence<I...>) {
    // The fold stops at the alternative read; its value is not needed (clang warns).
    static_cast<void>(
        ((index == I ? (Codec<Ts>::read(r, v.template emplace<I>()), true) : false) || ...));
  }
};

// --- User types --------------------------------------------------------------------------

// A type with a `serialize(Archive&)` member (written by hand or by WEFT_SERIALIZE) travels
// as an array of its fields. `serialize` must visit the same fields whatever their values:
// it is also run on a default-constructed object to count and describe them.
template <class T>
requires(Access::has_serialize<T> && !std::is_enum_v<T>) struct Codec<T> {
  static void write(Writer& w, const T& v) {
    T& fields = const_cast<T&>(v);  // serialize is non-const; the Writer only reads
    detail::FieldCounter counter;
    Access::serialize(fields, counter);
    w.write_array_header(counter.count);
    Access::serialize(fields, w);
  }
  static void read(Reader& r, T& v) requires std::default_initializable<T> {
    detail::FieldCounter counter;
    Access::serialize(v, counter);
    r.enter_struct(counter.count, Access::field_names<T>(), detail::type_name<T>());
    Access::serialize(v, r);
    r.leave_struct();
  }
  // "struct NAME{field signatures}". A type met again inside itself (a tree node holding
  // a vector of nodes) appears by name only.
  static void signature(std::string& out) requires std::default_initializable<T> {
    out += "struct ";
    out += detail::type_name<T>();
    thread_local bool active = false;
    if (active) return;
    active = true;
    struct Reset {
      bool& flag;
      ~Reset() { flag = false; }
    } reset{active};
    out += '{';
    T probe{};
    detail::SignatureBuilder builder{&out};
    Access::serialize(probe, builder);
    out += '}';
  }
};

}  // namespace weft::serde
