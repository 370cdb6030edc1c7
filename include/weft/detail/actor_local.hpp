// Actors on the threads and inline runtimes: the object lives in the program and its calls
// run one at a time, in order, on the runtime's threads (a strand).
#pragma once

#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <typeinfo>
#include <utility>

#include "weft/detail/actor_registry.hpp"
#include "weft/detail/backend.hpp"
#include "weft/detail/task_state.hpp"
#include "weft/error.hpp"
#include "weft/ref.hpp"

namespace weft::detail {

// Runs posted closures one at a time in posting order, on the current runtime. At most one
// drain task is queued or running at a time; it runs until the queue is empty.
class Strand : public std::enable_shared_from_this<Strand> {
 public:
  virtual ~Strand() = default;
  // Queues `work`, later called with false; false (not queued) once the strand was killed.
  bool post(std::function<void(bool)> work);
  // Refuses new work, and calls queued work with true (killed) instead of running it.
  void kill();
  bool killed() const;

 private:
  void drain() noexcept;
  friend class StrandTask;

  mutable std::mutex mu_;
  std::deque<std::function<void(bool)>> queue_;  // guarded by mu_
  bool running_ = false;                         // guarded by mu_
  bool killed_ = false;                          // guarded by mu_
};

template <class T>
class LocalActor : public Strand {
 public:
  template <class... A>
  explicit LocalActor(A&&... args) : object_(std::forward<A>(args)...) {}

  template <class R, class M, class... Args>
  Ref<R> call(M method, Args&&... args) {
    auto* state = new ValueState<R>();
    Ref<R> ref{StatePtr<ValueState<R>>(state)};
    state->retain();
    StatePtr<ValueState<R>> keep(state);  // the closure's reference
    auto work = [this, keep, method, ... a = std::forward<Args>(args)](bool killed) mutable {
      ValueState<R>* state = keep.get();
      if (!state->try_claim()) return;
      if (killed) {
        state->complete_failed(std::make_exception_ptr(Error("weft: the actor was killed")));
        return;
      }
      try {
        if constexpr (std::is_void_v<R>) {
          (object_.*method)(std::move(a)...);
          state->emplace();
        } else {
          state->emplace((object_.*method)(std::move(a)...));
        }
        state->complete_done();
      } catch (...) {
        const char* name = method_name(method);
        state->complete_failed(
            make_task_error(std::current_exception(), name ? name : "actor method"));
      }
    };
    if (!post(std::move(work))) {
      if (state->try_claim()) {
        state->complete_failed(std::make_exception_ptr(Error("weft: the actor was killed")));
      }
    }
    return ref;
  }

 private:
  T object_;
};

void name_local_actor(const std::string& name, std::shared_ptr<Strand> actor,
                      const std::type_info& type);
std::shared_ptr<Strand> find_local_actor(const std::string& name, const std::type_info& type);

}  // namespace weft::detail
