// Task<F, Args...>: the runnable state that weft::remote creates.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "weft/detail/backend.hpp"
#include "weft/detail/task_state.hpp"
#include "weft/ref.hpp"

namespace weft::detail {

// What a task receives for an argument: the value behind a Ref (read-only, since other
// tasks may share it), or the stored argument itself.
template <class A>
struct resolved {
  using type = A&;
  static A& get(A& a) noexcept { return a; }
};
template <class T>
struct resolved<Ref<T>> {
  using type = const T&;
  static const T& get(const Ref<T>& r) noexcept { return r.state()->value(); }
};
template <>
struct resolved<Ref<void>> {
  using type = const Ref<void>&;
  static const Ref<void>& get(const Ref<void>& r) noexcept { return r; }
};

template <class F, class... Args>
using task_result_t = std::invoke_result_t<F&, typename resolved<Args>::type...>;

// Name of a registered function, or null. Filled by WEFT_REMOTE.
const char* registered_name(const void* fn) noexcept;
// Readable name of a callable type, for tasks with no explicit or registered name.
std::string callable_name(const std::type_info& type);

template <class F, class... Args>
class Task final : public ValueState<task_result_t<F, Args...>> {
  using R = task_result_t<F, Args...>;
  static constexpr std::size_t kDeps = (std::size_t{is_ref_v<Args>} + ... + 0);

  struct Edge final : Waiter {
    Task* task = nullptr;
    void on_complete(TaskState&) noexcept override { task->dependency_done(); }
  };

 public:
  template <class G, class... A>
  Task(int retries, G&& f, A&&... args)
      : f_(std::forward<G>(f)), args_(std::in_place, std::forward<A>(args)...), retries_(retries) {}

  // Registers with the dependencies and schedules the task once they are all complete.
  // Consumes the reference the executor will drop after run().
  void start() noexcept {
    std::size_t next = 0;
    std::apply([&](auto&... a) { (watch(a, next), ...); }, *args_);
    dependency_done();  // the guard that kept the count above zero while registering
  }

  // Runs once, when the dependencies are complete (or never started, if cancelled). The
  // inputs are dropped before the result is published: intermediate values die as soon as
  // their consumers have run, a finished graph does not pin its whole lineage, and
  // releasing a long chain never recurses.
  void run() noexcept override {
    if (!this->try_claim()) {  // cancelled before it started
      args_.reset();
      return;
    }
    if (const std::exception_ptr e = dependency_error()) {
      const bool cancelled = has_cancelled_dependency(e);
      args_.reset();
      if (cancelled) {
        this->complete_cancelled(e);
      } else {
        this->complete_failed(e);
      }
      return;
    }
    for (int attempt = 0;; ++attempt) {
      try {
        if constexpr (std::is_void_v<R>) {
          call();
          this->emplace();
        } else {
          this->emplace(call());
        }
        args_.reset();
        this->complete_done();
        return;
      } catch (...) {
        if (attempt >= retries_) {
          std::exception_ptr error = make_task_error(std::current_exception(), this->name());
          args_.reset();
          this->complete_failed(std::move(error));
          return;
        }
      }
    }
  }

  std::string default_name() const override {
    if constexpr (std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>) {
      if (const char* n = registered_name(reinterpret_cast<const void*>(f_))) return n;
    }
    return callable_name(typeid(F));
  }
  const void* name_key() const noexcept override {
    if constexpr (std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>) {
      return reinterpret_cast<const void*>(f_);
    } else {
      return &typeid(F);
    }
  }

 private:
  template <class A>
  void watch(A& a, std::size_t& next) noexcept {
    if constexpr (is_ref_v<A>) {
      Edge& e = edges_[next++];
      e.task = this;
      if (!a.state()->add_waiter(&e)) dependency_done();
    }
  }

  void dependency_done() noexcept {
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) backend().schedule(this);
  }

  std::exception_ptr dependency_error() const noexcept {
    std::exception_ptr first;
    std::apply([&](const auto&... a) { ((first = first ? first : error_of(a)), ...); }, *args_);
    return first;
  }

  template <class A>
  static std::exception_ptr error_of(const A& a) noexcept {
    if constexpr (is_ref_v<A>) {
      if (a.state()->status() != Status::kDone) return a.state()->error();
    }
    return nullptr;
  }

  bool has_cancelled_dependency(const std::exception_ptr& dep_error) const noexcept {
    bool cancelled = false;
    std::apply(
        [&](const auto&... a) { ((cancelled = cancelled || cancelled_dep(a, dep_error)), ...); },
        *args_);
    return cancelled;
  }

  template <class A>
  static bool cancelled_dep(const A& a, const std::exception_ptr& e) noexcept {
    if constexpr (is_ref_v<A>) {
      return a.state()->status() == Status::kCancelled && a.state()->error() == e;
    }
    return false;
  }

  R call() {
    return std::apply(
        [&](auto&... a) -> R {
          return std::invoke(f_, resolved<std::remove_cvref_t<decltype(a)>>::get(a)...);
        },
        *args_);
  }

  F f_;
  std::optional<std::tuple<Args...>> args_;  // reset once the task will not run again
  std::array<Edge, kDeps> edges_{};
  std::atomic<std::uint32_t> pending_{kDeps + 1};
  int retries_;
};

}  // namespace weft::detail
