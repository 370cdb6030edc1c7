// Calling registered functions with serialized arguments: what WEFT_REMOTE registers, and
// how remote() hands a call to a runtime whose workers are other processes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "weft/detail/task_state.hpp"
#include "weft/error.hpp"
#include "weft/serde.hpp"

namespace weft::detail {

template <class F>
struct FunctionTraits {
  static constexpr bool kFunction = false;
};
template <class R, class... P>
struct FunctionTraits<R (*)(P...)> {
  static constexpr bool kFunction = true;
  using Result = std::decay_t<R>;
  using Params = std::tuple<std::decay_t<P>...>;
  using Declared = std::tuple<P...>;
  static constexpr std::size_t kArity = sizeof...(P);
  // Every argument and the result can cross a process boundary.
  static constexpr bool kRemotable = (serde::Serializable<std::decay_t<P>> && ...) &&
                                     (std::is_void_v<R> || serde::Serializable<std::decay_t<R>>);
};

template <class R, class... P>
struct FunctionTraits<R (*)(P...) noexcept> : FunctionTraits<R (*)(P...)> {};

// Calls a registered function with each argument as its own encoded message; returns the
// encoded result (std::monostate for void). Throws SerdeError for arguments that do not
// decode, and whatever the function throws.
using Invoker = serde::Message (*)(std::span<const serde::Message> args);

// What WEFT_REMOTE records about a function.
struct RemoteFunction {
  const char* name = nullptr;
  // Hash of the parameter and result types as they travel: a caller built against another
  // declaration of `name` is refused before any argument is decoded.
  std::uint64_t signature = 0;
  // Null when an argument or the result is not serializable: the function then runs only
  // in runtimes that stay in one process.
  Invoker invoke = nullptr;
  std::size_t arity = 0;
  // The function itself, in this process: parallel_map on a cluster finds it by name on the
  // worker and calls it once per item of a batch, with no per-item encoding.
  const void* address = nullptr;
};

// Combines the wire signatures of parameters and result.
std::uint64_t call_signature(std::span<const std::uint64_t> params, std::uint64_t result);

template <class T>
std::uint64_t value_signature() {
  if constexpr (std::is_void_v<T>) {
    return serde::type_signature<std::monostate>();
  } else {
    return serde::type_signature<T>();
  }
}

// The hash of a callable's parameter and result wire types; Traits is FunctionTraits or
// MethodTraits (Params, Result, kArity).
template <class Traits>
std::uint64_t signature_of() {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    const std::uint64_t params[] = {
        0, serde::type_signature<std::tuple_element_t<I, typename Traits::Params>>()...};
    return call_signature(std::span<const std::uint64_t>(params).subspan(1),
                          value_signature<typename Traits::Result>());
  }
  (std::make_index_sequence<Traits::kArity>{});
}

template <auto Fn, std::size_t... I>
serde::Message invoke_registered(std::span<const serde::Message> args, std::index_sequence<I...>) {
  using Traits = FunctionTraits<decltype(Fn)>;
  using Params = typename Traits::Params;
  using Declared = typename Traits::Declared;
  if (args.size() != sizeof...(I)) {
    throw SerdeError("call has " + std::to_string(args.size()) + " arguments; the function takes " +
                     std::to_string(sizeof...(I)));
  }
  Params values{serde::decode<std::tuple_element_t<I, Params>>(args[I])...};
  using R = std::invoke_result_t<decltype(Fn), std::tuple_element_t<I, Declared>...>;
  if constexpr (std::is_void_v<R>) {
    Fn(std::forward<std::tuple_element_t<I, Declared>>(std::get<I>(values))...);
    return serde::encode(std::monostate{});
  } else {
    std::decay_t<R> result =
        Fn(std::forward<std::tuple_element_t<I, Declared>>(std::get<I>(values))...);
    return serde::encode(std::move(result));
  }
}

template <auto Fn>
serde::Message invoke_registered(std::span<const serde::Message> args) {
  using Traits = FunctionTraits<decltype(Fn)>;
  return invoke_registered<Fn>(args, std::make_index_sequence<Traits::kArity>{});
}

template <auto Fn>
RemoteFunction describe_remote(const char* name) {
  using Traits = FunctionTraits<decltype(Fn)>;
  static_assert(Traits::kFunction, "WEFT_REMOTE takes a free function (not a lambda or member)");
  RemoteFunction f;
  f.name = name;
  f.arity = Traits::kArity;
  f.address = reinterpret_cast<const void*>(Fn);
  if constexpr (Traits::kRemotable) {
    f.invoke = &invoke_registered<Fn>;
    f.signature = signature_of<Traits>();
  }
  return f;
}

bool register_function(const void* fn, const RemoteFunction& entry);
// The entry for a registered function, by address (this process) or by name (any process
// running the same code). Null when unknown.
const RemoteFunction* find_function(const void* fn) noexcept;
const RemoteFunction* find_function(std::string_view name) noexcept;

}  // namespace weft::detail

#define WEFT_DETAIL_CAT2(a, b) a##b
#define WEFT_DETAIL_CAT(a, b) WEFT_DETAIL_CAT2(a, b)

// Registers a free function under a stable name (its spelling here, e.g. "ns::load"), used
// in task names and diagnostics, and by runtimes whose workers are other processes to find
// the function there: every process runs the same binary (or loads the same library), so
// the name identifies the code. Calls through the name need every argument and the result
// to be serializable (see weft/serde.hpp); other functions still run on the threads and
// inline runtimes. One registration per function, at namespace scope:
//   double slow_square(double x);
//   WEFT_REMOTE(slow_square);
#define WEFT_REMOTE(fn)                                                            \
  static const bool WEFT_DETAIL_CAT(weft_registered_, __LINE__) [[maybe_unused]] = \
      ::weft::detail::register_function(reinterpret_cast<const void*>(&fn),        \
                                        ::weft::detail::describe_remote<&fn>(#fn))
