// Eager tasks: remote() starts a task now and returns a Ref to its result.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/detail/remote_call.hpp"
#include "weft/detail/remote_submit.hpp"
#include "weft/detail/task.hpp"
#include "weft/progress.hpp"
#include "weft/ref.hpp"
#include "weft/task_options.hpp"

namespace weft {

// Starts f(args...) as a task and returns a Ref to its result at once, like Ray's
// f.remote(args) or Dask's client.submit. An argument that is a Ref<T> is a dependency: the
// task starts when it is available and receives the value as a const T&. If a dependency
// failed or was cancelled, the task does not run and fails (or is cancelled) with it.
// Other arguments are copied (or moved) into the task.
//
// On runtimes whose workers are other processes (processes, connect), `f` must be a free
// function registered with WEFT_REMOTE whose arguments and result are serializable; the
// arguments are encoded here (moved-in ones without copying their arrays), and a lambda,
// an unregistered function or an unserializable type is a ConfigError naming the fix.
template <class F, class... Args>
requires std::is_invocable_v < std::decay_t<F>
&, typename detail::resolved<std::decay_t<Args>>::type... >
       auto remote(const TaskOptions& options, F&& f, Args&&... args) {
  using TaskT = detail::Task<std::decay_t<F>, std::decay_t<Args>...>;
  using R = detail::task_result_t<std::decay_t<F>, std::decay_t<Args>...>;
  if (detail::Cluster* cluster = detail::active_cluster()) {
    return detail::submit_remote<R>(*cluster, options, f, std::forward<Args>(args)...);
  }
  auto* task = new TaskT(options.retries, std::forward<F>(f), std::forward<Args>(args)...);
  if (!options.name.empty()) task->set_name(options.name);
  task->retain();  // one reference for the Ref, one for the executor
  Ref<R> ref{detail::StatePtr<detail::ValueState<R>>(task)};
  task->start();
  return ref;
}

template <class F, class... Args>
requires std::is_invocable_v < std::decay_t<F>
&, typename detail::resolved<std::decay_t<Args>>::type... > auto remote(F&& f, Args&&... args) {
  return remote(TaskOptions{}, std::forward<F>(f), std::forward<Args>(args)...);
}

// Stores a value and returns a Ref to it, like ray.put. The Ref is done at once. On a
// cluster runtime the value is also stored in the cluster (tasks on any worker can read it)
// when it is serializable.
template <class V>
Ref<std::decay_t<V>> put(V&& value) {
  using T = std::decay_t<V>;
  if constexpr (serde::Serializable<T>) {
    if (detail::Cluster* cluster = detail::active_cluster()) {
      return detail::put_remote<T>(*cluster, std::forward<V>(value));
    }
  }
  auto* s = new detail::ValueState<T>();
  s->emplace(std::forward<V>(value));
  s->try_claim();
  s->complete_done();
  return Ref<T>(detail::StatePtr<detail::ValueState<T>>(s));
}

namespace detail {
// Shared by wait() and as_completed(): tracks completions of a set of states.
class CompletionSet;
std::shared_ptr<CompletionSet> watch_states(std::vector<TaskState*> states);
// Blocks until `count` states have completed or the deadline passes; returns how many have.
std::size_t wait_completions(CompletionSet& set, std::size_t count,
                             std::chrono::steady_clock::time_point deadline);
// The index (into the vector given to watch_states) of the n-th state to complete.
// REQUIRES: at least n + 1 have completed.
std::size_t completion_at(const CompletionSet& set, std::size_t n);

template <class T>
std::vector<TaskState*> states_of(const std::vector<Ref<T>>& refs) {
  std::vector<TaskState*> states;
  states.reserve(refs.size());
  for (const Ref<T>& r : refs) states.push_back(r.state());
  return states;
}
}  // namespace detail

// Gets every value, in order. Throws the first error met (in input order). Draws a
// progress bar on stderr while it waits when options.progress asks (see progress.hpp).
template <class T>
std::vector<T> get(const std::vector<Ref<T>>& refs, const GetOptions& options = {}) {
  if (progress_enabled(options.progress)) {
    detail::ProgressWait(detail::states_of(refs), "weft get").wait();
  }
  std::vector<T> out;
  out.reserve(refs.size());
  for (const Ref<T>& r : refs) out.push_back(get(r));
  return out;
}

template <class T>
struct WaitResult {
  std::vector<Ref<T>> ready;      // done (successfully or not), in input order
  std::vector<Ref<T>> not_ready;  // the rest, in input order
};

// Waits until `num_returns` of `refs` are done or `timeout` passes, like ray.wait, and splits
// them. Returns at most num_returns ready refs (those first in input order). A zero
// num_returns means all. Never throws for failed tasks: get() does.
template <class T>
WaitResult<T> wait(const std::vector<Ref<T>>& refs, std::size_t num_returns = 0,
                   std::chrono::nanoseconds timeout = std::chrono::nanoseconds::max()) {
  if (num_returns == 0 || num_returns > refs.size()) num_returns = refs.size();
  const auto now = std::chrono::steady_clock::now();
  const auto deadline = timeout >= std::chrono::steady_clock::time_point::max() - now
                            ? std::chrono::steady_clock::time_point::max()
                            : now + timeout;
  auto set = detail::watch_states(detail::states_of(refs));
  detail::wait_completions(*set, num_returns, deadline);
  WaitResult<T> result;
  for (const Ref<T>& r : refs) {
    if (result.ready.size() < num_returns && r.done()) {
      result.ready.push_back(r);
    } else {
      result.not_ready.push_back(r);
    }
  }
  return result;
}

namespace detail {
[[noreturn]] void throw_get_timeout(const TaskState& state, std::chrono::nanoseconds timeout);

template <class T>
void wait_or_throw(const Ref<T>& ref, std::chrono::nanoseconds timeout) {
  if (!ref.done() && wait(std::vector<Ref<T>>{ref}, 1, timeout).ready.empty()) {
    throw_get_timeout(*ref.state(), timeout);
  }
}
}  // namespace detail

// get() that gives up after `timeout`, like ray.get(ref, timeout=...): throws TimeoutError
// naming the task if its value is not here by then. The task itself goes on (cancel() it if
// it is no longer wanted), and a later get() may still succeed.
template <class T>
requires(!std::is_void_v<T>) const T& get(const Ref<T>& ref, std::chrono::nanoseconds timeout) {
  detail::wait_or_throw(ref, timeout);
  return get(ref);
}
inline void get(const Ref<void>& ref, std::chrono::nanoseconds timeout) {
  detail::wait_or_throw(ref, timeout);
  get(ref);
}

// Yields refs in the order their tasks finish, like Dask's as_completed:
//   for (const Ref<int>& r : weft::as_completed(refs)) use(weft::get(r));
// Iteration blocks until the next one is done.
template <class T>
class AsCompleted {
 public:
  explicit AsCompleted(std::vector<Ref<T>> refs)
      : refs_(std::move(refs)), set_(detail::watch_states(detail::states_of(refs_))) {}

  class iterator {
   public:
    using value_type = Ref<T>;
    using difference_type = std::ptrdiff_t;
    const Ref<T>& operator*() const { return owner_->at(n_); }
    iterator& operator++() {
      ++n_;
      return *this;
    }
    bool operator==(const iterator& o) const { return n_ == o.n_; }

   private:
    friend class AsCompleted;
    iterator(AsCompleted* owner, std::size_t n) : owner_(owner), n_(n) {}
    AsCompleted* owner_;
    std::size_t n_;
  };

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, refs_.size()); }

 private:
  const Ref<T>& at(std::size_t n) {
    detail::wait_completions(*set_, n + 1, std::chrono::steady_clock::time_point::max());
    return refs_[detail::completion_at(*set_, n)];
  }
  std::vector<Ref<T>> refs_;
  std::shared_ptr<detail::CompletionSet> set_;
};

template <class T>
AsCompleted<T> as_completed(std::vector<Ref<T>> refs) {
  return AsCompleted<T>(std::move(refs));
}

}  // namespace weft
