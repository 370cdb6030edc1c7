// Running a graph: each graph task becomes a runtime task that starts when its inputs are
// ready, through the same TaskState protocol as remote(). On a cluster runtime each node is
// a cluster task instead (see execute_on_cluster).
#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "graph/graph_data.hpp"
#include "weft/detail/backend.hpp"
#include "weft/detail/remote_submit.hpp"
#include "weft/detail/task_state.hpp"
#include "weft/error.hpp"
#include "weft/progress.hpp"

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

// The tasks nothing in `g` depends on.
std::vector<bool> sinks(const GraphData& g) {
  std::vector<bool> sink(g.tasks.size(), true);
  for (const GraphTask& t : g.tasks) {
    for (std::size_t d : t.deps) sink[d] = false;
  }
  return sink;
}

// Every node is its own cluster task, submitted in topological order with its dependencies
// as cluster objects, so values move from worker to worker and only the outputs come back
// here. A fused chain is split again: running it as one task would need its intermediate
// types' code on the worker under a name, and the scheduler already places a dependent next
// to its input. Every node is checked before any is submitted, so a graph that cannot run
// starts nothing.
std::vector<Value> execute_on_cluster(Cluster& cluster, const GraphData& g,
                                      const std::vector<std::size_t>& outputs, bool progress) {
  for (const GraphTask& t : g.tasks) {
    for (const NodePtr& node : t.chain) {
      const std::string why = node->fn->remote_obstacle();
      if (why.empty()) continue;
      throw ConfigError("weft::compute: node '" + node->name +
                        "' cannot run on this runtime's workers, which are other processes: it " +
                        why + ". (The threads and inline runtimes run any callable.)");
    }
  }
  const std::size_t n = g.tasks.size();
  std::vector<StatePtr<TaskState>> states(n);  // each task's last node
  std::vector<TaskState*> deps;
  for (std::size_t i = 0; i < n; ++i) {
    const GraphTask& t = g.tasks[i];
    StatePtr<TaskState> previous;
    for (std::size_t k = 0; k < t.chain.size(); ++k) {
      const GraphNode& node = *t.chain[k];
      deps.clear();
      if (k == 0) {
        for (std::size_t s : t.arg_sources) deps.push_back(states[t.deps[s]].get());
      } else {
        deps.assign(node.deps.size(), previous.get());
      }
      previous = StatePtr<TaskState>(node.fn->submit_remote(cluster, deps, node.name));
    }
    states[i] = std::move(previous);
  }
  // Waited for as on the other runtimes: the outputs, then the sinks, so that no node runs
  // after compute() returns. Intermediate states are dropped: the scheduler keeps each
  // object until its dependents are done, then frees it.
  if (progress) {
    std::vector<TaskState*> all(n);
    for (std::size_t i = 0; i < n; ++i) all[i] = states[i].get();
    ProgressWait(all, "weft compute").wait();
  }
  const std::vector<bool> sink = sinks(g);
  std::vector<StatePtr<TaskState>> watched;
  for (std::size_t i : outputs) watched.push_back(states[i]);
  for (std::size_t i = 0; i < n; ++i) {
    if (sink[i]) watched.push_back(states[i]);
  }
  states.clear();
  for (const StatePtr<TaskState>& w : watched) w->wait();
  for (const StatePtr<TaskState>& w : watched) {
    if (w->status() != Status::kDone) std::rethrow_exception(w->error());
  }
  std::vector<Value> values;
  values.reserve(outputs.size());
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    values.push_back(g.tasks[outputs[k]].chain.back()->fn->remote_value(*watched[k]));
  }
  return values;
}

}  // namespace

std::vector<Value> execute(const std::shared_ptr<const GraphData>& g,
                           const std::vector<std::size_t>& outputs, bool progress) {
  if (Cluster* cluster = active_cluster()) {
    return execute_on_cluster(*cluster, *g, outputs, progress);
  }
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
  // The bar watches every task before any starts: after that, a task that nothing else
  // holds may be freed as soon as it has run.
  std::optional<ProgressWait> bar;
  if (progress) bar.emplace(std::vector<TaskState*>(tasks.begin(), tasks.end()), "weft compute");
  for (NodeTask* t : tasks) t->start();
  if (bar) bar->wait();
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
