// GraphNode: construction, and release without recursion.
#include <utility>
#include <vector>

#include "weft/detail/graph_node.hpp"

namespace weft::detail {
namespace {
// While a thread releases a graph, the dependencies that nodes drop wait here instead of
// being released inside their dependent's destructor, so the stack stays flat.
thread_local std::vector<NodePtr>* t_releasing = nullptr;
}  // namespace

GraphNode::GraphNode(std::string key, std::string name, std::uint64_t token,
                     std::vector<NodePtr> deps, std::unique_ptr<const NodeFn> fn)
    : key(std::move(key)),
      name(std::move(name)),
      token(token),
      deps(std::move(deps)),
      fn(std::move(fn)) {}

GraphNode::~GraphNode() {
  // The function's arguments may hold Delayed handles of their own (a user type wrapping
  // one), so it goes first, while this thread may already be collecting.
  fn.reset();
  if (t_releasing != nullptr) {
    for (NodePtr& d : deps) t_releasing->push_back(std::move(d));
    return;
  }
  std::vector<NodePtr> pending = std::move(deps);
  t_releasing = &pending;
  while (!pending.empty()) {
    NodePtr last = std::move(pending.back());
    pending.pop_back();
    last.reset();  // may append that node's dependencies to `pending`
  }
  t_releasing = nullptr;
}

}  // namespace weft::detail
