// BoundCall: a lazy node's function with its arguments, and what each kind of argument
// turns into inside a node.
//
// A plain argument is stored in the node and passed as const A&. A Delayed<U> argument is a
// dependency: the node stores only a slot, and the function receives the dependency's value
// as const U&. A std::vector<Delayed<U>> is a list of dependencies (a fan-in): the function
// receives a std::vector<U> of copies of their values, like a Dask list of delayed objects.
// Nodes never store Delayed handles themselves, so releasing a graph never recurses through
// a node's arguments (see GraphNode::~GraphNode).
//
// On a cluster runtime a node is a remote() call of its function by name: plain arguments
// are encoded, a dependency is passed as its cluster object, so data moves from worker to
// worker, and a list of dependencies is first collected on a worker by a gather task.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "weft/detail/graph_node.hpp"
#include "weft/detail/remote_call.hpp"
#include "weft/detail/remote_submit.hpp"
#include "weft/serde.hpp"

namespace weft {
template <class T>
class Delayed;
}  // namespace weft

namespace weft::detail {

template <class U>
struct DepSlot {};
template <class U>
struct DepListSlot {
  std::size_t size = 0;
};

// delayed_arg<A>::stored is what a node keeps for an argument of type A; ::view is what the
// function receives.
template <class A>
struct delayed_arg {
  using stored = A;
  using view = const A&;
};
template <class U>
struct delayed_arg<Delayed<U>> {
  static_assert(!std::is_void_v<U>, "a Delayed<void> has no value to pass as an argument");
  using stored = DepSlot<U>;
  using view = const U&;
};
template <class U>
struct delayed_arg<std::vector<Delayed<U>>> {
  static_assert(!std::is_void_v<U>, "a Delayed<void> has no value to pass as an argument");
  using stored = DepListSlot<U>;
  using view = std::vector<U>;
};

template <class A>
using stored_arg_t = typename delayed_arg<std::decay_t<A>>::stored;
template <class A>
using arg_view_t = typename delayed_arg<std::decay_t<A>>::view;

// The type a delayed call of F with Args yields (references and cv dropped: nodes own values).
template <class F, class... Args>
using delayed_result_t = std::remove_cvref_t<std::invoke_result_t<const F&, arg_view_t<Args>...>>;

// Appends the nodes an argument depends on, in order.
template <class A>
void collect_deps(const A&, std::vector<NodePtr>&) {}
template <class U>
void collect_deps(const Delayed<U>& d, std::vector<NodePtr>& out) {
  out.push_back(d.node());
}
template <class U>
void collect_deps(const std::vector<Delayed<U>>& list, std::vector<NodePtr>& out) {
  for (const Delayed<U>& d : list) out.push_back(d.node());
}

template <class A>
stored_arg_t<A> store_arg(A&& a) {
  using S = stored_arg_t<A>;
  if constexpr (std::is_same_v<S, std::decay_t<A>>) {
    return std::forward<A>(a);
  } else if constexpr (std::is_empty_v<S>) {
    return S{};
  } else {
    return S{a.size()};
  }
}

// The argument the function receives. `first` is the argument's first position in `deps`.
template <class S>
const S& arg_view(const S& s, std::span<const Value>, std::size_t) noexcept {
  return s;
}
template <class U>
const U& arg_view(const DepSlot<U>&, std::span<const Value> deps, std::size_t first) noexcept {
  return *static_cast<const U*>(deps[first].get());
}
template <class U>
std::vector<U> arg_view(const DepListSlot<U>& slot, std::span<const Value> deps,
                        std::size_t first) {
  std::vector<U> values;
  values.reserve(slot.size);
  for (std::size_t i = 0; i < slot.size; ++i) {
    values.push_back(*static_cast<const U*>(deps[first + i].get()));
  }
  return values;
}

// The task that turns a list of dependencies into the std::vector<U> a cluster task takes as
// one argument (a call's arguments are single objects). Registered for every element type
// that some delayed call in the program uses, at static initialisation, so the workers,
// which run the same binary, have it too; the name comes from the type, and is the same in
// every process of one build.
template <class U>
struct Gather {
  static serde::Message invoke(std::span<const serde::Message> parts) {
    std::vector<U> values;
    values.reserve(parts.size());
    for (const serde::Message& part : parts) values.push_back(serde::decode<U>(part));
    return serde::encode(std::move(values));
  }
  static RemoteFunction describe() {
    static const std::string name = std::string("weft::gather<") + typeid(U).name() + ">";
    RemoteFunction f;
    f.name = name.c_str();
    f.signature = value_signature<std::vector<U>>();
    f.invoke = &invoke;
    f.arity = 0;  // takes any number of parts
    return f;
  }
  static inline const bool registered =
      register_function(reinterpret_cast<const void*>(&invoke), describe());
};

// Why a dependency that yields U (a list of them when `list`) cannot be passed for parameter
// type P across processes, or "".
template <class P, class U, bool list>
std::string dependency_obstacle() {
  using Passed = std::conditional_t<list, std::vector<U>, U>;
  const char* shape = list ? "a list of Delayed<" : "a Delayed<";
  if constexpr (std::is_same_v<Passed, P>) {
    return {};
  } else if constexpr (!serde::Serializable<U>) {
    return "receives " + (shape + callable_name(typeid(U))) +
           ">, whose type is not serializable. Give the type WEFT_SERIALIZE(...) or a "
           "serialize(Archive&) member";
  } else if (value_signature<Passed>() != value_signature<P>()) {
    return "receives " + (shape + serde::type_description<U>()) + "> for a parameter of type " +
           serde::type_description<P>() +
           "; across processes the types must match. Make the function take what the "
           "dependency yields";
  } else {
    return {};
  }
}

template <class P, class S>
std::string slot_obstacle(const S&) {
  return {};  // a plain argument: converted to P before it is encoded
}
template <class P, class U>
std::string slot_obstacle(const DepSlot<U>&) {
  return dependency_obstacle<P, U, false>();
}
template <class P, class U>
std::string slot_obstacle(const DepListSlot<U>&) {
  return dependency_obstacle<P, U, true>();
}

// What a cluster task receives for one argument of a node. `first` is the argument's first
// position in `deps`; gather tasks are kept in `keep` until the node's task is submitted.
template <class P, class S>
CallArg remote_arg(Cluster&, const S& arg, std::span<TaskState* const>, std::size_t,
                   const std::string&, std::vector<StatePtr<TaskState>>&) {
  return make_call_arg<P>(arg);
}
template <class P, class U>
CallArg remote_arg(Cluster&, const DepSlot<U>&, std::span<TaskState* const> deps, std::size_t first,
                   const std::string&, std::vector<StatePtr<TaskState>>&) {
  return CallArg{cluster_ref(*deps[first]), {}};
}
template <class P, class U>
CallArg remote_arg(Cluster& cluster, const DepListSlot<U>& slot, std::span<TaskState* const> deps,
                   std::size_t first, const std::string& name,
                   std::vector<StatePtr<TaskState>>& keep) {
  if (slot.size == 0) return CallArg{0, serde::encode(P{})};
  static_cast<void>(Gather<U>::registered);
  const RemoteFunction* gather = find_function(reinterpret_cast<const void*>(&Gather<U>::invoke));
  std::vector<CallArg> parts;
  parts.reserve(slot.size);
  for (std::size_t i = 0; i < slot.size; ++i) {
    parts.push_back(CallArg{cluster_ref(*deps[first + i]), {}});
  }
  StatePtr<TaskState> state(new RemoteValue<std::vector<U>>(gather->name));
  // Named after the node: a failure here (a part that does not decode) is the node's.
  submit_call(cluster, *state, *gather, TaskOptions{.name = name}, std::move(parts));
  CallArg arg{cluster_ref(*state), {}};
  keep.push_back(std::move(state));
  return arg;
}

// True when F is a function whose arguments and result are serializable.
template <class F>
consteval bool travels() {
  if constexpr (FunctionTraits<F>::kFunction) {
    return FunctionTraits<F>::kRemotable;
  } else {
    return false;
  }
}

template <class F, class... S>
class BoundCall final : public NodeFn {
  using Traits = FunctionTraits<F>;

 public:
  using Firsts = std::array<std::size_t, sizeof...(S)>;

  BoundCall(std::shared_ptr<const F> f, Firsts firsts, S... args)
      : f_(std::move(f)), firsts_(firsts), args_(std::move(args)...) {}

  Value call(std::span<const Value> deps) const override {
    return [&]<std::size_t... I>(std::index_sequence<I...>)->Value {
      using R = std::remove_cvref_t<
          std::invoke_result_t<const F&, decltype(arg_view(std::get<I>(args_), deps, 0))...>>;
      if constexpr (std::is_void_v<R>) {
        std::invoke(*f_, arg_view(std::get<I>(args_), deps, firsts_[I])...);
        return nullptr;
      } else {
        return std::make_shared<R>(
            std::invoke(*f_, arg_view(std::get<I>(args_), deps, firsts_[I])...));
      }
    }
    (std::index_sequence_for<S...>{});
  }

  std::string remote_obstacle() const override {
    if constexpr (!Traits::kFunction) {
      return "is a lambda or function object, and code cannot be sent to another process. "
             "Pass delayed() a free function registered with WEFT_REMOTE(fn)";
    } else {
      const RemoteFunction* fn = find_function(reinterpret_cast<const void*>(*f_));
      if (fn == nullptr) {
        return "calls a function that is not registered, so other processes cannot find it. "
               "Register it with WEFT_REMOTE(fn) at namespace scope";
      }
      if constexpr (!Traits::kRemotable) {
        return "calls " + std::string(fn->name) +
               ", which has an argument or result type that is not serializable. Give the "
               "type WEFT_SERIALIZE(...) or a serialize(Archive&) member";
      } else {
        std::string why;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
          ((why.empty()
                ? void(why = slot_obstacle<std::tuple_element_t<I, typename Traits::Params>>(
                           std::get<I>(args_)))
                : void()),
           ...);
        }
        (std::index_sequence_for<S...>{});
        return why;
      }
    }
  }

  TaskState* submit_remote(Cluster& cluster, std::span<TaskState* const> deps,
                           const std::string& name) const override {
    if constexpr (travels<F>()) {
      const RemoteFunction* fn = find_function(reinterpret_cast<const void*>(*f_));
      std::vector<StatePtr<TaskState>> gathers;
      std::vector<CallArg> call_args;
      call_args.reserve(sizeof...(S));
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (call_args.push_back(remote_arg<std::tuple_element_t<I, typename Traits::Params>>(
             cluster, std::get<I>(args_), deps, firsts_[I], name, gathers)),
         ...);
      }
      (std::index_sequence_for<S...>{});
      StatePtr<TaskState> state(new RemoteValue<typename Traits::Result>(fn->name));
      state->set_name(name);
      submit_call(cluster, *state, *fn, TaskOptions{.name = name}, std::move(call_args));
      return state.detach();
    } else {
      throw ConfigError("weft::compute: node '" + name + "' cannot run on a cluster");
    }
  }

  Value remote_value(TaskState& state) const override {
    if constexpr (travels<F>()) {
      using R = typename Traits::Result;
      if constexpr (!std::is_void_v<R>) {
        const R* value = &static_cast<ValueState<R>&>(state).value();
        state.retain();
        return Value(static_cast<const void*>(value), [s = &state](const void*) { s->release(); });
      }
    }
    return nullptr;
  }

 private:
  std::shared_ptr<const F> f_;
  Firsts firsts_;
  std::tuple<S...> args_;
};

}  // namespace weft::detail
