// The nodes of a lazy graph: one call each, immutable once built, shared by every Delayed
// and Graph that reaches them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "weft/detail/task_state.hpp"

namespace weft::detail {

class Cluster;

// A node's result, type-erased so that nodes of any types share one graph and one executor,
// and typed again at the outputs. Null for a void result. Never modified once published:
// every dependent reads it at once.
using Value = std::shared_ptr<const void>;

// The work of one node: its function bound to its plain arguments.
class NodeFn {
 public:
  virtual ~NodeFn() = default;
  // Runs the function. `deps` holds the values of the node's dependencies, in the order of
  // GraphNode::deps. Throws whatever the function throws.
  virtual Value call(std::span<const Value> deps) const = 0;

  // On a cluster runtime every node is a task of its own on the workers, so the function
  // must travel by name. Returns why this one cannot (a clause that completes "it ...",
  // naming the fix), or an empty string when it can.
  virtual std::string remote_obstacle() const = 0;
  // Submits the node as a cluster task named `name`. `deps` holds the cluster states of the
  // dependencies, in the order of GraphNode::deps. Returns the task's state with one
  // reference, the caller's. REQUIRES: remote_obstacle() is empty.
  virtual TaskState* submit_remote(Cluster& cluster, std::span<TaskState* const> deps,
                                   const std::string& name) const = 0;
  // The value of a state that submit_remote returned, once it is done: aliases the state,
  // which it keeps alive.
  virtual Value remote_value(TaskState& state) const = 0;
};

struct GraphNode;
using NodePtr = std::shared_ptr<const GraphNode>;

// One call in a lazy graph.
struct GraphNode {
  GraphNode(std::string key, std::string name, std::uint64_t token, std::vector<NodePtr> deps,
            std::unique_ptr<const NodeFn> fn);
  GraphNode(const GraphNode&) = delete;
  GraphNode& operator=(const GraphNode&) = delete;
  // Releases the dependencies iteratively: dropping the last handle to a chain of a million
  // nodes must not recurse a million frames deep.
  ~GraphNode();

  std::string key;            // "name-<16 hex digits of token>"
  std::string name;           // display name, the key's prefix
  std::uint64_t token;        // hash of the name, the function and the arguments
  std::vector<NodePtr> deps;  // one per Delayed argument (element), in argument order
  std::unique_ptr<const NodeFn> fn;
};

}  // namespace weft::detail
