// Tokens: deterministic hashes of functions and arguments, from which lazy nodes get their
// keys (Dask's tokenize). Equal tokens must mean equal computations, so whatever cannot be
// hashed by value gets a token of its own instead of a guess.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "weft/detail/task.hpp"

namespace weft {
template <class T>
class Delayed;
}  // namespace weft

namespace weft::detail {

// XXH3 64-bit hash of `size` bytes at `data`, seeded with `seed`.
std::uint64_t hash_bytes(const void* data, std::size_t size, std::uint64_t seed) noexcept;
// A token no other call in this process returns: the fallback for values weft cannot hash.
std::uint64_t unique_token() noexcept;
// "name-<16 lowercase hex digits>".
std::string make_key(std::string_view name, std::uint64_t token);

// Folds bytes into a running hash, each chunk seeded with the hash so far.
class Tokenizer {
 public:
  explicit Tokenizer(std::uint64_t seed = 0) noexcept : h_(seed) {}
  void add(const void* data, std::size_t size) noexcept { h_ = hash_bytes(data, size, h_); }
  template <class T>
  void add_pod(const T& v) noexcept {
    add(std::addressof(v), sizeof v);
  }
  // Length first, so that ("ab", "c") and ("a", "bc") differ.
  void add_string(std::string_view s) noexcept {
    add_pod(s.size());
    add(s.data(), s.size());
  }
  std::uint64_t digest() const noexcept { return h_; }

 private:
  std::uint64_t h_;
};

template <class T>
struct is_delayed : std::false_type {};
template <class U>
struct is_delayed<Delayed<U>> : std::true_type {};

template <class T>
struct sequence_element {};  // std::vector and std::array: hashed by contents
template <class E, class A>
struct sequence_element<std::vector<E, A>> {
  using type = E;
};
template <class E, std::size_t N>
struct sequence_element<std::array<E, N>> {
  using type = E;
};

template <class T>
concept HasWeftToken = requires(const T& v) {
  v.weft_token();
};
template <class T>
concept StdHashable = requires(const T& v) {
  { std::hash<T>{}(v) } -> std::convertible_to<std::size_t>;
};
template <class T>
concept Sequence = requires {
  typename sequence_element<T>::type;
};

// Adds the token of one argument. The type's name goes in too, so 1 and 1.0 differ.
template <class T>
void tokenize(Tokenizer& t, const T& v) {
  t.add_string(typeid(T).name());
  if constexpr (is_delayed<T>::value) {
    t.add_string(v.key());
  } else if constexpr (HasWeftToken<T>) {
    tokenize(t, v.weft_token());
  } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
    t.add_pod(v);
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    t.add_string(v);
  } else if constexpr (std::is_same_v<T, const char*> || std::is_same_v<T, char*>) {
    t.add_pod(v != nullptr);
    if (v != nullptr) t.add_string(v);
  } else if constexpr (Sequence<T>) {
    using E = typename sequence_element<T>::type;
    t.add_pod(v.size());
    if constexpr (std::is_arithmetic_v<E> && !std::is_same_v<E, bool>) {
      t.add(v.data(), v.size() * sizeof(E));
    } else {
      for (const auto& e : v) tokenize<E>(t, e);
    }
  } else if constexpr (StdHashable<T>) {
    t.add_pod(std::hash<T>{}(v));
  } else {
    t.add_pod(unique_token());
  }
}

template <class F>
inline constexpr bool is_function_pointer_v =
    std::conjunction_v<std::is_pointer<F>, std::is_function<std::remove_pointer_t<F>>>;

// The token of a callable's identity. A function: its WEFT_REMOTE name (stable across
// processes), else its address. Anything else: its type, plus its state when that can be
// hashed: nothing for empty types, weft_token() if provided, the object's bytes if it is
// trivially copyable (a lambda's captures), else std::hash. Otherwise a unique token: so
// that equal calls still share keys, delayed() computes this once per callable, not per call.
template <class F>
std::uint64_t function_token(const F& f) {
  Tokenizer t;
  if constexpr (is_function_pointer_v<F>) {
    const void* p = reinterpret_cast<const void*>(f);
    if (const char* name = registered_name(p)) {
      t.add_string(name);
    } else {
      t.add_pod(p);
    }
  } else {
    t.add_string(typeid(F).name());
    if constexpr (std::is_empty_v<F>) {
      // The type is the whole identity; the object's one byte is not a value.
    } else if constexpr (HasWeftToken<F>) {
      tokenize(t, f.weft_token());
    } else if constexpr (std::is_trivially_copyable_v<F>) {
      t.add(std::addressof(f), sizeof(F));
    } else if constexpr (StdHashable<F>) {
      t.add_pod(std::hash<F>{}(f));
    } else {
      t.add_pod(unique_token());
    }
  }
  return t.digest();
}

// A node's default display name: the WEFT_REMOTE name, else the callable's type name (the
// same name remote() gives its tasks).
template <class F>
std::string function_name(const F& f) {
  if constexpr (is_function_pointer_v<F>) {
    if (const char* name = registered_name(reinterpret_cast<const void*>(f))) return name;
  }
  return callable_name(typeid(F));
}

}  // namespace weft::detail
