// GraphData: the representation behind weft::Graph, and the passes over it.
//
// Invariants, kept by every function that builds a GraphData:
//  - `tasks` is in topological order: each task comes after every task in its `deps`.
//  - Keys are unique: no two tasks answer to the same key.
//  - Tasks have distinct tokens too (a token covers the node's name, so equal tokens mean
//    equal keys), but lookups check the key, so a 64-bit collision cannot mix tasks up.
//  - Every task runs a non-empty chain of nodes; each node after the first depends on its
//    predecessor only, so only the first node's dependencies come from other tasks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "weft/detail/graph_node.hpp"

namespace weft::detail {

// One schedulable unit: a node, or after fuse() a linear chain of nodes run back to back.
struct GraphTask {
  std::vector<NodePtr> chain;     // in run order; the task yields chain.back()'s value
  std::vector<std::size_t> deps;  // tasks that chain.front() needs: distinct indices
  // For each of chain.front()->deps, the position in `deps` of the task that computes it.
  std::vector<std::size_t> arg_sources;
  // Set for a chain of several nodes only, so that an unfused task costs no strings.
  std::string fused_key;
  std::string fused_name;

  const std::string& key() const noexcept { return fused_key.empty() ? tail_key() : fused_key; }
  const std::string& name() const noexcept {
    return fused_name.empty() ? chain.back()->name : fused_name;
  }
  const std::string& tail_key() const noexcept { return chain.back()->key; }
  // Shared by key() and tail_key(): both end in its hex digits.
  std::uint64_t token() const noexcept { return chain.back()->token; }
};

struct GraphData {
  std::vector<GraphTask> tasks;
  std::vector<std::size_t> outputs;  // indices into tasks, in the order they were requested
  std::unordered_map<std::uint64_t, std::size_t> by_token;

  // Fills by_token from tasks.
  void index();
  // The task whose key() or tail_key() is `key`. Throws ConfigError when there is none.
  std::size_t find(const std::string& key) const;
};

// The graph of the nodes reachable from `outputs`, deduplicated by key. Iterative, so depth
// costs heap, not stack.
GraphData collect(const std::vector<NodePtr>& outputs);
// The tasks that `outputs` (indices into g->tasks) need, with those outputs. Returns g
// itself when that is all of g with the same outputs.
std::shared_ptr<const GraphData> cull(const std::shared_ptr<const GraphData>& g,
                                      const std::vector<std::size_t>& outputs);
// Linear chains merged into single tasks; see Graph::fuse. Returns g itself when there is
// no chain to merge.
std::shared_ptr<const GraphData> fuse(const std::shared_ptr<const GraphData>& g);
// Graphviz DOT text; see Graph::dot.
std::string to_dot(const GraphData& g);
// Runs every task of `g` on the current runtime and returns the values of `outputs`
// (indices into g->tasks). Throws the first error among the outputs, then the other tasks.
// With `progress`, draws a bar of g's tasks while it waits.
std::vector<Value> execute(const std::shared_ptr<const GraphData>& g,
                           const std::vector<std::size_t>& outputs, bool progress);

}  // namespace weft::detail
