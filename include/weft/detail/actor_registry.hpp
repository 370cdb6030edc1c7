// What WEFT_ACTOR and weft::actor register: methods callable by name with serialized
// arguments, and factories that construct an actor from serialized constructor arguments.
// Every process of a cluster runs the same code, so names identify code there.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "weft/detail/remote_call.hpp"
#include "weft/error.hpp"
#include "weft/serde.hpp"

namespace weft::detail {

using MethodInvoker = serde::Message (*)(void* object, std::span<const serde::Message> args);

struct ActorMethod {
  const char* name = nullptr;  // "Type::method"
  std::uint64_t signature = 0;
  MethodInvoker invoke = nullptr;  // null: a type does not serialize
};

bool register_method(const ActorMethod& method);
const ActorMethod* find_method(std::string_view name) noexcept;

template <class M>
struct MethodTraits {
  static constexpr bool kMethod = false;
};
// A method's parameters and result are those of the free function of the same signature.
template <class T, class R, class... P>
struct MethodTraits<R (T::*)(P...)> : FunctionTraits<R (*)(P...)> {
  static constexpr bool kMethod = true;
  using Class = T;
};
template <class T, class R, class... P>
struct MethodTraits<R (T::*)(P...) const> : MethodTraits<R (T::*)(P...)> {};
template <class T, class R, class... P>
struct MethodTraits<R (T::*)(P...) noexcept> : MethodTraits<R (T::*)(P...)> {};
template <class T, class R, class... P>
struct MethodTraits<R (T::*)(P...) const noexcept> : MethodTraits<R (T::*)(P...)> {};

// Member pointers cannot be keys of one map (each pointer type is its own type), so each
// type keeps its own small table, filled by WEFT_ACTOR before main.
template <class M>
std::vector<std::pair<M, const char*>>& method_names() {
  static std::vector<std::pair<M, const char*>> names;
  return names;
}

template <class M>
const char* method_name(M m) noexcept {
  for (const auto& [pointer, name] : method_names<M>()) {
    if (pointer == m) return name;
  }
  return nullptr;
}

template <auto M>
serde::Message invoke_method(void* object, std::span<const serde::Message> args) {
  using Traits = MethodTraits<decltype(M)>;
  using Params = typename Traits::Params;
  using Declared = typename Traits::Declared;
  using T = typename Traits::Class;
  if (args.size() != Traits::kArity) {
    throw SerdeError("call has " + std::to_string(args.size()) + " arguments; the method takes " +
                     std::to_string(Traits::kArity));
  }
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    Params values{serde::decode<std::tuple_element_t<I, Params>>(args[I])...};
    T& self = *static_cast<T*>(object);
    if constexpr (std::is_void_v<typename Traits::Result>) {
      (self.*M)(std::forward<std::tuple_element_t<I, Declared>>(std::get<I>(values))...);
      return serde::encode(std::monostate{});
    } else {
      typename Traits::Result r =
          (self.*M)(std::forward<std::tuple_element_t<I, Declared>>(std::get<I>(values))...);
      return serde::encode(std::move(r));
    }
  }
  (std::make_index_sequence<Traits::kArity>{});
}

template <auto M>
bool register_actor_method(const char* name) {
  using Traits = MethodTraits<decltype(M)>;
  static_assert(Traits::kMethod, "WEFT_ACTOR lists member functions of the actor type");
  ActorMethod m;
  m.name = name;
  if constexpr (Traits::kRemotable) {
    m.invoke = &invoke_method<M>;
    m.signature = signature_of<Traits>();
  }
  method_names<decltype(M)>().emplace_back(M, name);
  return register_method(m);
}

// Hands an actor constructed by a factory to the worker process that runs the factory, and
// returns where callers reach it (the worker's data address). Implemented by the worker.
std::string adopt_actor(void* object, void (*destroy)(void*));

// The factory of actor T from constructor arguments A...: registered as a remote function
// named "actor:<T>(<argument signature>)" by the static member below, which
// weft::actor<T>(args...) odr-uses, so that every process of the binary registers it before
// main, including the worker that will construct the actor.
template <class T, class... A>
struct ActorFactory {
  static std::string make(A... args) {
    T* object = new T(std::move(args)...);
    return adopt_actor(object, [](void* p) { delete static_cast<T*>(p); });
  }
  static const std::string& name() {
    static const std::string n = [] {
      const std::uint64_t sig = serde::type_signature<std::tuple<A...>>();
      return "actor:" + std::string(typeid(T).name()) + "(" + std::to_string(sig) + ")";
    }();
    return n;
  }
  static bool do_register() {
    RemoteFunction f = describe_remote<&ActorFactory::make>(name().c_str());
    return register_function(reinterpret_cast<const void*>(&ActorFactory::make), f);
  }
  static const bool registered;
};
template <class T, class... A>
const bool ActorFactory<T, A...>::registered = ActorFactory<T, A...>::do_register();

}  // namespace weft::detail

#define WEFT_DETAIL_ACTOR_METHOD(Type, m)                                               \
  static const bool WEFT_DETAIL_CAT(weft_actor_method_, __COUNTER__) [[maybe_unused]] = \
      ::weft::detail::register_actor_method<&Type::m>(#Type "::" #m);

#define WEFT_DETAIL_FE_1(F, T, a) F(T, a)
#define WEFT_DETAIL_FE_2(F, T, a, ...) F(T, a) WEFT_DETAIL_FE_1(F, T, __VA_ARGS__)
#define WEFT_DETAIL_FE_3(F, T, a, ...) F(T, a) WEFT_DETAIL_FE_2(F, T, __VA_ARGS__)
#define WEFT_DETAIL_FE_4(F, T, a, ...) F(T, a) WEFT_DETAIL_FE_3(F, T, __VA_ARGS__)
#define WEFT_DETAIL_FE_5(F, T, a, ...) F(T, a) WEFT_DETAIL_FE_4(F, T, __VA_ARGS__)
#define WEFT_DETAIL_FE_6(F, T, a, ...) F(T, a) WEFT_DETAIL_FE_5(F, T, __VA_ARGS__)
#define WEFT_DETAIL_FE_7(F, T, a, ...) F(T, a) WEFT_DETAIL_FE_6(F, T, __VA_ARGS__)
#define WEFT_DETAIL_FE_8(F, T, a, ...) F(T, a) WEFT_DETAIL_FE_7(F, T, __VA_ARGS__)
#define WEFT_DETAIL_FE_PICK(_1, _2, _3, _4, _5, _6, _7, _8, NAME, ...) NAME
#define WEFT_DETAIL_FOR_EACH(F, T, ...)                                                       \
  WEFT_DETAIL_FE_PICK(__VA_ARGS__, WEFT_DETAIL_FE_8, WEFT_DETAIL_FE_7, WEFT_DETAIL_FE_6,      \
                      WEFT_DETAIL_FE_5, WEFT_DETAIL_FE_4, WEFT_DETAIL_FE_3, WEFT_DETAIL_FE_2, \
                      WEFT_DETAIL_FE_1)                                                       \
  (F, T, __VA_ARGS__)
