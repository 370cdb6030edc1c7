// The shared state behind a Ref: one heap object per task or object, reference counted.
//
// Internal to weft; user code never names these types. The state is both the result slot
// and, for tasks, the runnable unit the executor queues, so a task costs one allocation.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

namespace weft::detail {

class TaskState;
class RemoteObject;

// Life of a state. Transitions: kPending -> kClaimed -> {kDone, kFailed, kCancelled}.
// kClaimed means one thread owns the state (running it, or cancelling it); only that thread
// writes the result, and publishes it with the release store of the final status.
enum class Status : std::uint32_t { kPending, kClaimed, kDone, kFailed, kCancelled };

// A callback run once when a state completes. Intrusive so that registering one allocates
// nothing: tasks embed one per dependency, waiters live on the waiting thread's stack.
struct Waiter {
  Waiter* next = nullptr;
  // Called exactly once, after the state's final status is visible. The waiter may be
  // destroyed by its owner as soon as this returns, so it must not be touched afterwards.
  virtual void on_complete(TaskState& state) noexcept = 0;

 protected:
  ~Waiter() = default;
};

class TaskState {
 public:
  TaskState() = default;
  TaskState(const TaskState&) = delete;
  TaskState& operator=(const TaskState&) = delete;
  virtual ~TaskState() = default;

  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  Status status() const noexcept { return status_.load(std::memory_order_acquire); }
  bool done() const noexcept { return status() >= Status::kDone; }

  // Registers w to run when this state completes. Returns false, without registering, when
  // the state has already completed; the caller then acts as if w had fired.
  bool add_waiter(Waiter* w) noexcept;

  // Moves kPending -> kClaimed. Exactly one caller wins; the winner must then call one of
  // the complete_* functions.
  bool try_claim() noexcept {
    Status expected = Status::kPending;
    return status_.compare_exchange_strong(expected, Status::kClaimed, std::memory_order_acquire,
                                           std::memory_order_relaxed);
  }

  // Final transitions. REQUIRES: the caller claimed the state and holds a reference to it.
  void complete_done() noexcept { finish(Status::kDone); }
  void complete_failed(std::exception_ptr error) noexcept {
    error_ = std::move(error);
    finish(Status::kFailed);
  }
  void complete_cancelled(std::exception_ptr error) noexcept {
    error_ = std::move(error);
    finish(Status::kCancelled);
  }

  // The error of a failed or cancelled state. REQUIRES: done().
  const std::exception_ptr& error() const noexcept { return error_; }

  // Runs the task. Called by the executor once the state's dependencies have completed.
  // States that hold put() values are never scheduled.
  virtual void run() noexcept {}

  // Blocks until done(), running other queued tasks meanwhile when called on a pool thread.
  void wait() noexcept;

  // The name given with set_name, else default_name().
  std::string name() const { return name_ ? *name_ : default_name(); }
  void set_name(std::string name) { name_ = std::make_unique<const std::string>(std::move(name)); }
  bool has_name() const noexcept { return name_ != nullptr; }
  // Computed on demand (errors, diagnostics) so that unnamed tasks cost no string.
  virtual std::string default_name() const { return "put"; }
  // Equal for two states exactly when their default_name()s are (the function they call),
  // so that recorders can cache names; null when there is no cheap such key.
  virtual const void* name_key() const noexcept { return nullptr; }

  // The state's other half when its value lives in a cluster (remote_submit.hpp), else null.
  virtual RemoteObject* remote_object() noexcept { return nullptr; }

  // Process-unique id, stable for the life of the state.
  std::uint64_t id() const noexcept { return id_; }

 private:
  void finish(Status s) noexcept;

  static std::uint64_t next_id() noexcept;

  std::atomic<std::uint32_t> refs_{1};
  std::atomic<Status> status_{Status::kPending};
  std::atomic<Waiter*> waiters_{nullptr};
  std::exception_ptr error_;
  std::unique_ptr<const std::string> name_;  // rare, so kept out of line: tasks stay small
  std::uint64_t id_ = next_id();
};

// A state that holds a value of type T once done.
template <class T>
class ValueState : public TaskState {
 public:
  ~ValueState() override {
    if (has_value_) value_ptr()->~T();
  }
  template <class... A>
  void emplace(A&&... args) {
    ::new (static_cast<void*>(storage_)) T(std::forward<A>(args)...);
    has_value_ = true;
  }
  // REQUIRES: status() == kDone.
  T& value() noexcept { return *value_ptr(); }

 private:
  T* value_ptr() noexcept { return std::launder(reinterpret_cast<T*>(storage_)); }
  alignas(T) unsigned char storage_[sizeof(T)];
  bool has_value_ = false;
};

template <>
class ValueState<void> : public TaskState {
 public:
  void emplace() noexcept {}
};

// Owning pointer to a state (one reference).
template <class S>
class StatePtr {
 public:
  StatePtr() = default;
  // Adopts an existing reference.
  explicit StatePtr(S* s) noexcept : s_(s) {}
  StatePtr(const StatePtr& o) noexcept : s_(o.s_) {
    if (s_) s_->retain();
  }
  StatePtr(StatePtr&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  StatePtr& operator=(StatePtr o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~StatePtr() {
    if (s_) s_->release();
  }
  S* get() const noexcept { return s_; }
  S* operator->() const noexcept { return s_; }
  S& operator*() const noexcept { return *s_; }
  explicit operator bool() const noexcept { return s_ != nullptr; }
  S* detach() noexcept { return std::exchange(s_, nullptr); }

 private:
  S* s_ = nullptr;
};

}  // namespace weft::detail
