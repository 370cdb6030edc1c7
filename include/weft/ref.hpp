// Ref<T>: a handle to a value that a task will produce, or that put() stored.
//
// Like a Ray ObjectRef or a Dask Future: cheap to copy (reference counted), passable as an
// argument to remote() to express a dependency, and resolved with weft::get(). The value
// lives as long as any Ref to it does.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "weft/detail/task_state.hpp"

namespace weft {

template <class T>
class Ref {
 public:
  using value_type = T;

  // An empty Ref; valid() is false. Every other operation requires a valid Ref.
  Ref() = default;

  bool valid() const noexcept { return static_cast<bool>(s_); }
  // True once the value is available, or the task failed or was cancelled.
  bool done() const noexcept { return s_->done(); }
  // True when the task failed or was cancelled (get() would throw). REQUIRES: done().
  bool failed() const noexcept { return s_->status() != detail::Status::kDone; }

  // Cancels the task if it has not started yet. Returns true when this call cancelled it;
  // get() then throws CancelledError, and so do tasks that depend on it. A running or
  // finished task is not affected (returns false).
  bool cancel() const;

  // A process-unique id for the object, usable as a key.
  std::uint64_t id() const noexcept { return s_->id(); }
  // The producing task's name (see TaskOptions::name).
  std::string name() const { return s_->name(); }

  friend bool operator==(const Ref& a, const Ref& b) noexcept { return a.s_.get() == b.s_.get(); }

  // For weft's own use.
  explicit Ref(detail::StatePtr<detail::ValueState<T>> s) noexcept : s_(std::move(s)) {}
  detail::ValueState<T>* state() const noexcept { return s_.get(); }

 private:
  detail::StatePtr<detail::ValueState<T>> s_;
};

template <class T>
struct is_ref : std::false_type {};
template <class T>
struct is_ref<Ref<T>> : std::true_type {};
// True for Ref<T> (after removing cv and reference qualifiers).
template <class T>
inline constexpr bool is_ref_v = is_ref<std::remove_cvref_t<T>>::value;

namespace detail {
// Cancels s if it is still pending; see Ref::cancel.
bool cancel(TaskState& s);
// Blocks until s is done; throws its error if it failed or was cancelled.
void await(TaskState& s);
}  // namespace detail

template <class T>
bool Ref<T>::cancel() const {
  return detail::cancel(*s_);
}

// Blocks until the value is available and returns it. Throws TaskError if the task failed
// and CancelledError if it was cancelled. On a pool thread, runs other tasks while waiting,
// so tasks may wait on tasks they submitted. The reference stays valid while `ref` lives.
template <class T>
requires(!std::is_void_v<T>) const T& get(const Ref<T>& ref) {
  detail::await(*ref.state());
  return ref.state()->value();
}

// As above, for a temporary Ref: returns a copy, since the Ref (and so the value) dies at
// the end of the caller's full expression.
template <class T>
requires(!std::is_void_v<T>) T get(Ref<T>&& ref) {
  detail::await(*ref.state());
  return ref.state()->value();
}

inline void get(const Ref<void>& ref) { detail::await(*ref.state()); }

}  // namespace weft
