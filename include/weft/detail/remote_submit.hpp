// remote() and put() on a runtime whose workers are other processes (processes, connect):
// the call travels by name with serialized arguments, and the Ref's state is a RemoteValue
// that the cluster client completes when the result arrives.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/detail/remote_call.hpp"
#include "weft/detail/task.hpp"
#include "weft/detail/task_state.hpp"
#include "weft/error.hpp"
#include "weft/ref.hpp"
#include "weft/serde.hpp"
#include "weft/task_options.hpp"

namespace weft::detail {

// The client side of a cluster (src/client). Null when the runtime is in-process.
class Cluster;
Cluster* active_cluster() noexcept;

// The cluster half of a Ref's state: its id in the cluster and how its value arrives.
class RemoteObject {
 public:
  std::uint64_t cluster_id() const noexcept { return id_; }
  // The cluster client that made it (the program's, or a worker's for actor calls made
  // inside tasks), which its release goes to.
  Cluster* cluster() const noexcept { return cluster_; }
  void set_cluster_id(std::uint64_t id, Cluster* cluster) noexcept {
    id_ = id;
    cluster_ = cluster;
  }
  // The scheduler learns of the object only when its value arrives here (actor calls'
  // results), so a task that depends on it must be submitted after that.
  bool registered_late() const noexcept { return late_; }
  void set_registered_late() noexcept { late_ = true; }
  // Someone waits for the value (program side) / the value is done on a worker and not
  // fetched yet, being large (cluster side). Each side sets its flag, then reads the other's
  // (both sequentially consistent), so at least one of them sees both and has the value
  // fetched: a wait costs the cluster's I/O thread a wake-up only when it must act.
  bool mark_wanted() noexcept {
    wanted_.store(true);
    return located_.load();
  }
  bool mark_located() noexcept {
    located_.store(true);
    return wanted_.load();
  }
  virtual TaskState& state() noexcept = 0;
  // Decodes the value into the state and completes it, unless the state completed already
  // (cancelled). Called once, by the cluster client.
  virtual void deliver(const serde::Message& value) noexcept = 0;

 protected:
  ~RemoteObject() = default;

 private:
  std::uint64_t id_ = 0;
  Cluster* cluster_ = nullptr;
  bool late_ = false;
  std::atomic<bool> wanted_{false};
  std::atomic<bool> located_{false};
};

// Tells the object's cluster that no Ref to it is left in this process.
void release_remote(RemoteObject& object) noexcept;
// Asks the cluster to fetch the object once it is done, however large (see Cluster).
void want_remote(RemoteObject& object) noexcept;
// Asks the object's cluster to cancel the task that makes it (after Ref::cancel).
void cancel_remote(RemoteObject& object) noexcept;

template <class T>
class RemoteValue final : public ValueState<T>, public RemoteObject {
 public:
  // `function`: the registered name, the task's default name (null for put()).
  explicit RemoteValue(const char* function) noexcept : function_(function) {}
  ~RemoteValue() override {
    if (cluster_id() != 0) release_remote(*this);
  }

  RemoteObject* remote_object() noexcept override { return this; }
  TaskState& state() noexcept override { return *this; }
  std::string default_name() const override { return function_ ? function_ : "put"; }

  void deliver(const serde::Message& value) noexcept override {
    if (!this->try_claim()) return;
    try {
      if constexpr (std::is_void_v<T>) {
        this->emplace();
      } else {
        this->emplace(serde::decode<T>(value));
      }
      this->complete_done();
    } catch (...) {
      this->complete_failed(std::current_exception());
    }
  }

 private:
  const char* function_;
};

// One argument of a call: a dependency (ref != 0) or an encoded, self-contained value.
struct CallArg {
  std::uint64_t ref = 0;
  serde::Message value;
};

// Queues the call; the cluster gives `state` its id and holds a reference to it until the
// result (or error) arrives. REQUIRES: state->remote_object() != null.
void submit_call(Cluster& cluster, TaskState& state, const RemoteFunction& fn,
                 const TaskOptions& options, std::vector<CallArg> args);

// Stores `value` on a worker and registers it with the scheduler; blocks until both have it.
void put_object(Cluster& cluster, TaskState& state, serde::Message value);

// The cluster id of the object behind a Ref given as an argument. Throws ConfigError for a
// Ref that was made outside the cluster.
std::uint64_t cluster_ref(const TaskState& state);

[[noreturn]] void throw_not_remotable(const std::string& callable, const char* why);

template <class P, class A>
CallArg make_call_arg(A&& a) {
  using D = std::remove_cvref_t<A>;
  if constexpr (is_ref_v<D>) {
    using T = typename D::value_type;
    if constexpr (!std::is_same_v<std::remove_cv_t<T>, P>) {
      if (value_signature<T>() != value_signature<P>()) {
        throw ConfigError("weft::remote: a Ref<" + serde::type_description<T>() +
                          "> is passed for a parameter of type " + serde::type_description<P>() +
                          "; across processes the types must match");
      }
    }
    return CallArg{cluster_ref(*a.state()), {}};
  } else if constexpr (std::is_same_v<D, P>) {
    return CallArg{0, serde::encode(D(std::forward<A>(a)))};
  } else {
    return CallArg{0, serde::encode(P(std::forward<A>(a)))};
  }
}

template <class R, class F, class... Args>
Ref<R> submit_remote(Cluster& cluster, const TaskOptions& options, const F& f, Args&&... args) {
  using D = std::decay_t<F>;
  using Traits = FunctionTraits<D>;
  if constexpr (!Traits::kFunction) {
    throw_not_remotable(callable_name(typeid(D)),
                        "is a lambda or function object, and code cannot be sent to another "
                        "process. Pass a free function registered with WEFT_REMOTE(fn)");
  } else {
    const D pointer = f;
    const RemoteFunction* fn = find_function(reinterpret_cast<const void*>(pointer));
    if (fn == nullptr) {
      throw_not_remotable("this function",
                          "is not registered, so other processes cannot find it. Register it "
                          "with WEFT_REMOTE(fn) at namespace scope");
    }
    if constexpr (!Traits::kRemotable) {
      throw_not_remotable(fn->name,
                          "has an argument or result type that is not serializable. Give the "
                          "type WEFT_SERIALIZE(...) or a serialize(Archive&) member");
    } else {
      using Params = typename Traits::Params;
      std::vector<CallArg> call_args;
      call_args.reserve(sizeof...(Args));
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (call_args.push_back(
             make_call_arg<std::tuple_element_t<I, Params>>(std::forward<Args>(args))),
         ...);
      }
      (std::index_sequence_for<Args...>{});
      auto* state = new RemoteValue<R>(fn->name);
      Ref<R> ref{StatePtr<ValueState<R>>(state)};
      if (!options.name.empty()) state->set_name(options.name);
      submit_call(cluster, *state, *fn, options, std::move(call_args));
      return ref;
    }
  }
}

// put() on a cluster: the value stays in this process for get() and is stored in the
// cluster for tasks. The state owns the value, so large arrays are sent from it in place.
template <class T, class V>
Ref<T> put_remote(Cluster& cluster, V&& value) {
  auto* state = new RemoteValue<T>(nullptr);
  Ref<T> ref{StatePtr<ValueState<T>>(state)};
  state->emplace(std::forward<V>(value));
  state->try_claim();
  state->complete_done();
  put_object(cluster, *state, serde::encode(state->value()));
  return ref;
}

}  // namespace weft::detail
