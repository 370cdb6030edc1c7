// Lazy task graphs, like dask.delayed: describe calls first, run them later, all at once.
//
//   int inc(int x) { return x + 1; }
//   WEFT_REMOTE(inc);
//
//   auto one = weft::delayed(inc)(0);                      // nothing runs yet
//   auto sum = weft::delayed(std::plus<>{}, "add")(one, one);
//   sum.write_dot("graph.dot");                            // look at it
//   int two = sum.compute();                               // run it
//
// Why lazy: the whole graph is known before anything runs, so weft can drop what the
// outputs do not need (cull), run linear chains as single tasks (fuse), and run a shared
// subexpression once. Each node has a deterministic key computed from its function and its
// arguments (Dask's tokenize), so the same expression built twice is recognised as one.
// compute() runs each remaining node as a task on the current runtime; a node starts when
// its inputs are ready, and no thread blocks waiting for one.
//
// On a cluster runtime (processes, connect) each node is a task on the workers, as if it
// were a remote() call: its function must be a free function registered with WEFT_REMOTE
// whose arguments and result are serializable, and a node's inputs move from worker to
// worker; only the outputs come back. A node that cannot travel (a lambda, an unregistered
// function, a type without a codec) makes compute() throw ConfigError before anything runs.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "weft/detail/bound_call.hpp"
#include "weft/detail/graph_node.hpp"
#include "weft/detail/tokenize.hpp"
#include "weft/progress.hpp"

namespace weft {

// Options for compute().
struct ComputeOptions {
  // Cull the nodes the outputs do not need and fuse linear chains before running (see
  // Graph::cull and Graph::fuse). Switch it off to run the graph exactly as built, one task
  // per node, e.g. to compare results or timings. On a cluster runtime fused chains still
  // run one task per node (each node's function runs by its registered name).
  bool optimize = true;
  // Draw a progress bar of the graph's tasks on stderr while it runs (see progress.hpp).
  Progress progress = Progress::kDefault;
};

namespace detail {
// What compute() yields for a Delayed<T>: a tuple cannot hold void, so void becomes monostate.
template <class T>
using output_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// Types an output's value. Moves it out when no one else holds it (the graph is done), else
// copies: the same node may be several outputs.
template <class T>
output_t<T> take(Value& v) {
  if constexpr (std::is_void_v<T>) {
    return {};
  } else if (v.use_count() == 1) {
    return std::move(*const_cast<T*>(static_cast<const T*>(v.get())));
  } else {
    return *static_cast<const T*>(v.get());
  }
}
template <class... T, std::size_t... I>
std::tuple<output_t<T>...> take_all(std::vector<Value>& values, std::index_sequence<I...>) {
  return {take<T>(values[I])...};
}
}  // namespace detail

class Graph;

// A node of a lazy graph whose value has type T. Cheap to copy (a shared handle to an
// immutable node); the node and everything it depends on live while any handle does.
// Made by calling what delayed() returns.
template <class T>
class Delayed {
 public:
  using value_type = T;

  // "NAME-<16 hex digits>": a hash of the name, the function's identity and the arguments'
  // tokens. Equal keys mean the same computation; see delayed() for what is hashed how.
  const std::string& key() const noexcept { return node_->key; }
  // The display name: the one given to delayed(), else the WEFT_REMOTE name of a registered
  // function, else the callable's type name. Task errors name the node by it.
  const std::string& name() const noexcept { return node_->name; }

  // Runs the graph behind this node on the current runtime and returns the value. Every run
  // computes afresh (values are not cached between calls). Throws TaskError naming the
  // first node whose function threw, as weft::get does for remote() tasks. On a cluster
  // runtime, throws ConfigError naming the first node that cannot run on the workers (see
  // the top of this file), before any node runs.
  T compute(const ComputeOptions& options = {}) const;

  // Writes the graph behind this node as Graphviz DOT (Graph::of(*this).write_dot(path)).
  void write_dot(const std::string& path) const;

  // For weft's own use.
  explicit Delayed(detail::NodePtr node) noexcept : node_(std::move(node)) {}
  const detail::NodePtr& node() const noexcept { return node_; }

 private:
  detail::NodePtr node_;
};

// What delayed(f) returns: calling it builds a node for f(args...) and runs nothing.
template <class F>
class DelayedFunction {
 public:
  DelayedFunction(F f, std::string name)
      : f_(std::make_shared<const F>(std::move(f))),
        name_(name.empty() ? detail::function_name(*f_) : std::move(name)),
        token_(detail::function_token(*f_)) {}

  // Builds the node f(args...). Each Delayed<U> argument becomes a dependency and reaches f
  // as const U&; a std::vector<Delayed<U>> reaches f as a std::vector<U>; anything else is
  // copied (or moved) into the node and reaches f as const A&. f is called as const, and
  // may be called more than once (each compute() runs the graph again) and on any thread.
  // On a cluster runtime a plain argument is converted to f's parameter type and encoded,
  // and a dependency must yield f's parameter type exactly (else compute() throws
  // ConfigError), since values cross processes in their own type's encoding.
  template <class... Args>
  requires std::is_invocable_v<const F&, detail::arg_view_t<Args>...>
  auto operator()(Args&&... args) const {
    detail::Tokenizer t(token_);
    t.add_string(name_);
    (detail::tokenize<std::decay_t<Args>>(t, args), ...);
    std::vector<detail::NodePtr> deps;
    std::array<std::size_t, sizeof...(Args)> firsts{};
    [[maybe_unused]] std::size_t i = 0;
    ((firsts[i++] = deps.size(), detail::collect_deps(args, deps)), ...);
    using Call = detail::BoundCall<F, detail::stored_arg_t<Args>...>;
    auto fn =
        std::make_unique<const Call>(f_, firsts, detail::store_arg(std::forward<Args>(args))...);
    const std::uint64_t token = t.digest();
    return Delayed<detail::delayed_result_t<F, Args...>>(std::make_shared<const detail::GraphNode>(
        detail::make_key(name_, token), name_, token, std::move(deps), std::move(fn)));
  }

 private:
  std::shared_ptr<const F> f_;
  std::string name_;
  std::uint64_t token_;
};

// Wraps f so that calls build lazy nodes instead of running, like dask.delayed(f). `name`
// sets the nodes' display name and key prefix (default: see Delayed::name).
//
// Keys are deterministic, so that the same expression built twice is computed once:
//  - f is identified by its WEFT_REMOTE name, else its address (a plain function), or by its
//    type plus its state (a lambda or function object): nothing for an empty type, else
//    weft_token() if it has one, its bytes if it is trivially copyable (captures), else
//    std::hash. A callable with none of these gets a unique token here, once: nodes built
//    from this DelayedFunction with equal arguments still share keys.
//  - Arguments: arithmetic types, enums and strings (std::string, std::string_view, C
//    strings by contents) by value; std::vector and std::array by contents; a Delayed by its
//    key; a type with a weft_token() member by its result; a type with std::hash by its hash
//    (pointers: by address). Anything else gets a unique token, like Dask's uuid fallback:
//    never shared by mistake, never deduplicated either.
// Hashing can only err towards distinct keys (an address differs between processes unless
// the function is registered; padding bytes in a capture may differ), which costs sharing,
// never correctness. Since one key runs once per compute(), delayed functions should be
// pure: a side effect happens once however often its expression appears.
template <class F>
DelayedFunction<std::decay_t<F>> delayed(F&& f, std::string name = {}) {
  return DelayedFunction<std::decay_t<F>>(std::forward<F>(f), std::move(name));
}

namespace detail {
struct GraphData;
}  // namespace detail

// A type-erased view of a lazy graph: its nodes, deduplicated by key, and its outputs.
// Immutable; cull() and fuse() return new graphs. Cheap to copy.
class Graph {
 public:
  // The nodes reachable from `outputs`, each key once. The outputs (each key once) are the
  // graph's outputs.
  template <class... T>
  static Graph of(const Delayed<T>&... outputs) {
    return collect({outputs.node()...});
  }

  // Number of nodes (after fuse(), a fused chain counts as one).
  std::size_t size() const noexcept;
  // Every node's key, dependencies before dependents.
  std::vector<std::string> keys() const;
  // The outputs' keys, in order (after fuse(), the key of the fused node that yields each).
  std::vector<std::string> outputs() const;

  // Keeps only the nodes that `outputs` need, which become the new graph's outputs. Throws
  // ConfigError when a key is not in the graph.
  Graph cull(const std::vector<std::string>& outputs) const;
  template <class... T>
  Graph cull(const Delayed<T>&... outputs) const {
    return cull(std::vector<std::string>{outputs.key()...});
  }

  // Merges linear chains: a node whose only dependent has it as its only dependency runs as
  // one task with that dependent. A fused node is named after the distinct names along its
  // chain, e.g. "load-inc-add", and keyed "load-inc-add-<16 hex of the chain's last key>";
  // it still answers to its last node's key. Outputs stay visible: an output is never
  // merged into its dependent. A node that fails inside a fused chain is still reported
  // under its own name.
  Graph fuse() const;

  // The graph in Graphviz DOT: one box per node labelled with its name (and, for a fused
  // node, how many nodes it holds; outputs in bold), one edge from each dependency to its
  // dependent. Render with `dot -Tsvg graph.dot -o graph.svg`.
  std::string dot() const;
  // Writes dot() to `path`. Throws weft::Error when the file cannot be written.
  void write_dot(const std::string& path) const;

  // Runs every node of this graph on the current runtime and returns the values of
  // `outputs`, which must be in the graph (else throws ConfigError). Throws TaskError like
  // Delayed::compute, checking the outputs first, in order, then the other nodes, and
  // ConfigError like it on a cluster runtime.
  template <class... T>
  std::tuple<detail::output_t<T>...> compute(const Delayed<T>&... outputs) const {
    return compute(Progress::kDefault, outputs...);
  }
  // The same, with a progress bar of this graph's tasks as `progress` says (progress.hpp).
  template <class... T>
  std::tuple<detail::output_t<T>...> compute(Progress progress,
                                             const Delayed<T>&... outputs) const {
    std::vector<detail::Value> values = run({outputs.key()...}, progress);
    return detail::take_all<T...>(values, std::index_sequence_for<T...>{});
  }

 private:
  explicit Graph(std::shared_ptr<const detail::GraphData> data) noexcept;
  static Graph collect(const std::vector<detail::NodePtr>& outputs);
  std::vector<detail::Value> run(const std::vector<std::string>& outputs, Progress progress) const;

  std::shared_ptr<const detail::GraphData> data_;
};

// Computes several outputs in one run, sharing the nodes they have in common (each key runs
// once), like dask.compute(a, b). Returns their values in order; a Delayed<void> yields
// std::monostate. Throws like Delayed::compute.
template <class... T>
std::tuple<detail::output_t<T>...> compute(const ComputeOptions& options,
                                           const Delayed<T>&... outputs) {
  Graph graph = Graph::of(outputs...);
  if (options.optimize) graph = graph.cull(outputs...).fuse();
  return graph.compute(options.progress, outputs...);
}

template <class... T>
std::tuple<detail::output_t<T>...> compute(const Delayed<T>&... outputs) {
  return compute(ComputeOptions{}, outputs...);
}

template <class T>
T Delayed<T>::compute(const ComputeOptions& options) const {
  if constexpr (std::is_void_v<T>) {
    weft::compute(options, *this);
  } else {
    return std::get<0>(weft::compute(options, *this));
  }
}

template <class T>
void Delayed<T>::write_dot(const std::string& path) const {
  Graph::of(*this).write_dot(path);
}

}  // namespace weft
