// Running a graph: each graph task becomes a runtime task that starts when its inputs are
// ready, through the same TaskState protocol as remote().
#include <atomic>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "graph/graph_data.hpp"
#include "weft/detail/backend.hpp"
#include "weft/detail/task_state.hpp"

namespace weft::detail {
namespace {

// A graph task as a runtime task. Unlike Task<F, Args...>, its number of dependencies is
// known only at run time, so its waiter edges live in an array sized at construction.
//
// Protocol, as Task's: the state starts with one reference, the executor's, which it hands
// to backend().schedule() once `pending_` reaches zero. `pending_` starts at the number of
// dependencies plus one, a guard that start() releases last, so the task cannot be
// scheduled while it is still registering. Dependencies are held (deps_) until the task
// has run, which keeps their values readable; releasing them then frees each intermediate
// value as soon as its last dependent is done.
class NodeTask final : public TaskState {
  struct Edge final : Waiter {
    NodeTask* task = nullptr;
    void on_complete(TaskState&) noexcept override { task->dependency_done(); }
  };

 public:
  NodeTask(std::shared_ptr<const GraphData> graph, std::size_t index)
      : graph_(std::move(graph)),
        index_(index),
        edges_(new Edge[spec().deps.size()]),
        pending_(static_cast<std::uint32_t>(spec().deps.size() + 1)) {
    deps_.reserve(spec().deps.size());
  }

  // Holds `dep` as the next of spec().deps. REQUIRES: called for each of them, in order,
  // before start().
  void add_dependency(NodeTask* dep) {
    dep->retain();
    deps_.emplace_back(dep);
  }

  // Registers with the dependencies; schedules the task once all are complete. The task
  // may run, and be freed, before this returns.
  void start() noexcept {
    const std::size_t n = deps_.size();
    for (std::size_t i = 0; i < n; ++i) {
      edges_[i].task = this;
      if (!deps_[i]->add_waiter(&edges_[i])) dependency_done();
    }
    dependency_done();  // the guard
  }

  void run() noexcept override {
    if (!try_claim()) return;
    std::exception_ptr error = dependency_error();
    if (!error) error = run_chain();
    deps_.clear();
    if (error) {
      complete_failed(std::move(error));
    } else {
      complete_done();
    }
  }

  std::string default_name() const override { return spec().name(); }

  // REQUIRES: status() == Status::kDone.
  const Value& value() const noexcept { return value_; }

 private:
  const GraphTask& spec() const noexcept { return graph_->tasks[index_]; }

  void dependency_done() noexcept {
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) backend().schedule(this);
  }

  // A failed dependency's error, which this task then fails with, unchanged: the caller
  // learns which node failed first.
  std::exception_ptr dependency_error() const noexcept {
    for (const StatePtr<NodeTask>& d : deps_) {
      if (d->status() != Status::kDone) return d->error();
    }
    return nullptr;
  }

  // Runs the chain's nodes in turn, each on the value of the one before, and keeps the
  // last value. On a throw, returns the TaskError naming the node that threw.
  std::exception_ptr run_chain() noexcept {
    const GraphTask& t = spec();
    std::vector<Value> args;
    args.reserve(t.arg_sources.size());
    for (std::size_t s : t.arg_sources) args.push_back(deps_[s]->value());
    Value v;
    for (std::size_t k = 0; k < t.chain.size(); ++k) {
      const GraphNode& node = *t.chain[k];
      if (k > 0) args.assign(node.deps.size(), v);
      try {
        v = node.fn->call(args);
      } catch (...) {
        return make_task_error(std::current_exception(), node.name);
      }
    }
    value_ = std::move(v);
    return nullptr;
  }

  std::shared_ptr<const GraphData> graph_;
  std::size_t index_;
  std::vector<StatePtr<NodeTask>> deps_;
  std::unique_ptr<Edge[]> edges_;
  std::atomic<std::uint32_t> pending_;
  Value value_;
};

}  // namespace

std::vector<Value> execute(const std::shared_ptr<const GraphData>& g,
                           const std::vector<std::size_t>& outputs) {
  const std::size_t n = g->tasks.size();
  std::vector<NodeTask*> tasks(n);
  std::vector<bool> has_dependent(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    tasks[i] = new NodeTask(g, i);
    for (std::size_t d : g->tasks[i].deps) {
      tasks[i]->add_dependency(tasks[d]);
      has_dependent[d] = true;
    }
  }
  // Every task feeds some sink (a task nothing depends on), so once the outputs and the
  // sinks are done, the whole graph is: no node runs after compute() returns.
  std::vector<StatePtr<NodeTask>> watched;
  for (std::size_t i : outputs) {
    tasks[i]->retain();
    watched.emplace_back(tasks[i]);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (has_dependent[i]) continue;
    tasks[i]->retain();
    watched.emplace_back(tasks[i]);
  }
  // In topological order, so on the inline runtime (which runs a task as soon as it is
  // scheduled) every task finds its inputs done and nothing recurses.
  for (NodeTask* t : tasks) t->start();
  for (const StatePtr<NodeTask>& w : watched) w->wait();
  for (const StatePtr<NodeTask>& w : watched) {
    if (w->status() != Status::kDone) std::rethrow_exception(w->error());
  }
  std::vector<Value> values;
  values.reserve(outputs.size());
  for (std::size_t k = 0; k < outputs.size(); ++k) values.push_back(watched[k]->value());
  return values;
}

}  // namespace weft::detail
