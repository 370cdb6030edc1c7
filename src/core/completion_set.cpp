// CompletionSet: records the order in which a set of states completes, for wait() and
// as_completed(), and get() with a timeout.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "weft/detail/backend.hpp"
#include "weft/detail/remote_submit.hpp"
#include "weft/error.hpp"
#include "weft/remote.hpp"

namespace weft::detail {

class CompletionSet {
 public:
  // A waiter per watched state. Each keeps the set alive until it fires, so a caller may
  // give up (a wait() that timed out) while tasks are still running.
  struct Node final : Waiter {
    std::shared_ptr<CompletionSet> set;
    std::size_t index = 0;
    void on_complete(TaskState&) noexcept override {
      std::shared_ptr<CompletionSet> keep = std::move(set);
      keep->record(index);
    }
  };

  explicit CompletionSet(std::size_t n) : nodes(n) { order.reserve(n); }

  void record(std::size_t index) noexcept {
    {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(index);
    }
    cv.notify_all();
  }

  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<std::size_t> order;  // guarded by mu
  std::vector<Node> nodes;
};

std::shared_ptr<CompletionSet> watch_states(std::vector<TaskState*> states) {
  auto set = std::make_shared<CompletionSet>(states.size());
  for (std::size_t i = 0; i < states.size(); ++i) {
    CompletionSet::Node& node = set->nodes[i];
    node.set = set;
    node.index = i;
    // A large value in a cluster travels only when someone waits for it: this is the wait.
    if (RemoteObject* r = states[i]->remote_object(); r != nullptr && !states[i]->done()) {
      want_remote(*r);
    }
    if (!states[i]->add_waiter(&node)) {
      node.set.reset();
      set->record(i);
    }
  }
  return set;
}

std::size_t wait_completions(CompletionSet& set, std::size_t count,
                             std::chrono::steady_clock::time_point deadline) {
  // A pool thread must keep running tasks while it waits (what it waits for may be queued
  // behind it), so it sleeps in short, growing slices between attempts to help.
  auto slice = std::chrono::microseconds(50);
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(set.mu);
      if (set.order.size() >= count) return set.order.size();
    }
    if (backend().help_one()) continue;
    std::unique_lock<std::mutex> lock(set.mu);
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return set.order.size();
    const auto until = deadline - now > slice ? now + slice : deadline;
    set.cv.wait_until(lock, until, [&] { return set.order.size() >= count; });
    slice = std::min<std::chrono::microseconds>(slice * 2, std::chrono::milliseconds(5));
  }
}

std::size_t completion_at(const CompletionSet& set, std::size_t n) {
  std::lock_guard<std::mutex> lock(set.mu);
  return set.order[n];
}

void throw_get_timeout(const TaskState& state, std::chrono::nanoseconds timeout) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", std::chrono::duration<double>(timeout).count());
  throw TimeoutError("weft::get: task '" + state.name() + "' was not done within " + seconds +
                     " s");
}

}  // namespace weft::detail
