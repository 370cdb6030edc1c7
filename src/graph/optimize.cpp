// Graph optimisations: cull (drop what the outputs do not need) and fuse (linear chains
// become single tasks). Both keep GraphData's invariants and never recurse.
#include <limits>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>

#include "graph/graph_data.hpp"
#include "weft/detail/tokenize.hpp"

namespace weft::detail {
namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// The distinct names along a chain, in order, joined by '-': "load-inc-add".
std::string chain_name(const std::vector<NodePtr>& chain) {
  std::unordered_set<std::string_view> seen;
  std::string name;
  for (const NodePtr& node : chain) {
    if (!seen.insert(node->name).second) continue;
    if (!name.empty()) name.push_back('-');
    name += node->name;
  }
  return name;
}

}  // namespace

std::shared_ptr<const GraphData> cull(const std::shared_ptr<const GraphData>& g,
                                      const std::vector<std::size_t>& outputs) {
  std::vector<std::size_t> unique_outputs;
  std::vector<bool> listed(g->tasks.size(), false);
  for (std::size_t o : outputs) {
    if (!listed[o]) unique_outputs.push_back(o);
    listed[o] = true;
  }
  std::vector<bool> needed(g->tasks.size(), false);
  std::size_t kept = 0;
  std::vector<std::size_t> stack;
  for (std::size_t o : unique_outputs) {
    if (!needed[o]) stack.push_back(o);
    needed[o] = true;
    while (!stack.empty()) {
      const std::size_t t = stack.back();
      stack.pop_back();
      ++kept;
      for (std::size_t d : g->tasks[t].deps) {
        if (!needed[d]) stack.push_back(d);
        needed[d] = true;
      }
    }
  }
  if (kept == g->tasks.size() && unique_outputs == g->outputs) return g;
  auto out = std::make_shared<GraphData>();
  std::vector<std::size_t> renumbered(g->tasks.size(), kNone);
  for (std::size_t i = 0; i < g->tasks.size(); ++i) {
    if (!needed[i]) continue;
    renumbered[i] = out->tasks.size();
    out->tasks.push_back(g->tasks[i]);
    for (std::size_t& d : out->tasks.back().deps) d = renumbered[d];
  }
  for (std::size_t o : unique_outputs) out->outputs.push_back(renumbered[o]);
  out->index();
  return out;
}

std::shared_ptr<const GraphData> fuse(const std::shared_ptr<const GraphData>& graph) {
  const GraphData& g = *graph;
  const std::size_t n = g.tasks.size();
  std::vector<std::size_t> dependents(n, 0);
  std::vector<std::size_t> last_dependent(n, kNone);
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t d : g.tasks[t].deps) {
      ++dependents[d];
      last_dependent[d] = t;
    }
  }
  std::vector<bool> is_output(n, false);
  for (std::size_t o : g.outputs) is_output[o] = true;
  // prev[j] = i when i merges into j: i's only dependent is j, and j depends on i alone.
  std::vector<std::size_t> prev(n, kNone);
  std::vector<bool> merges_forward(n, false);
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = last_dependent[i];
    if (dependents[i] == 1 && !is_output[i] && g.tasks[j].deps.size() == 1) {
      prev[j] = i;
      merges_forward[i] = true;
      any = true;
    }
  }
  if (!any) return graph;
  // Each chain is emitted at its last task: in topological order, after the chains that
  // feed its first task (those end in tasks that do not merge forward, so they came first).
  auto out = std::make_shared<GraphData>();
  std::vector<std::size_t> renumbered(n, kNone);
  std::vector<std::size_t> members;
  for (std::size_t tail = 0; tail < n; ++tail) {
    if (merges_forward[tail]) continue;
    members.clear();
    for (std::size_t m = tail; m != kNone; m = prev[m]) members.push_back(m);
    const GraphTask& head = g.tasks[members.back()];
    GraphTask task = g.tasks[tail];
    if (members.size() > 1) {
      task.chain.clear();
      for (auto m = members.rbegin(); m != members.rend(); ++m) {
        const std::vector<NodePtr>& chain = g.tasks[*m].chain;
        task.chain.insert(task.chain.end(), chain.begin(), chain.end());
      }
      task.deps = head.deps;
      task.arg_sources = head.arg_sources;
      task.fused_name = chain_name(task.chain);
      task.fused_key = make_key(task.fused_name, task.token());
    }
    for (std::size_t& d : task.deps) d = renumbered[d];
    renumbered[tail] = out->tasks.size();
    out->tasks.push_back(std::move(task));
  }
  for (std::size_t o : g.outputs) out->outputs.push_back(renumbered[o]);
  out->index();
  return out;
}

}  // namespace weft::detail
