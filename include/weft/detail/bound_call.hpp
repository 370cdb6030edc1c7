// BoundCall: a lazy node's function with its arguments, and what each kind of argument
// turns into inside a node.
//
// A plain argument is stored in the node and passed as const A&. A Delayed<U> argument is a
// dependency: the node stores only a slot, and the function receives the dependency's value
// as const U&. A std::vector<Delayed<U>> is a list of dependencies (a fan-in): the function
// receives a std::vector<U> of copies of their values, like a Dask list of delayed objects.
// Nodes never store Delayed handles themselves, so releasing a graph never recurses through
// a node's arguments (see GraphNode::~GraphNode).
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/detail/graph_node.hpp"

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

template <class F, class... S>
class BoundCall final : public NodeFn {
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

 private:
  std::shared_ptr<const F> f_;
  Firsts firsts_;
  std::tuple<S...> args_;
};

}  // namespace weft::detail
