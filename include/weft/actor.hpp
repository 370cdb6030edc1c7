// Actors: state that lives in one place, changed only by its own methods, one call at a time.
//
//   struct Counter {
//     int total = 0;
//     int add(int n) { return total += n; }
//   };
//   WEFT_ACTOR(Counter, add);                       // at namespace scope: methods by name
//
//   auto c = weft::actor<Counter>();                // like Ray's Counter.remote()
//   weft::Ref<int> a = c.call(&Counter::add, 5);    // like c.add.remote(5)
//   weft::get(c.call(&Counter::add, 1));            // 6: state persists between calls
//
// Calls made through one handle run in the order they were made, one at a time, so the
// actor's methods need no locks. On the threads and inline runtimes the actor lives in the
// program; on cluster runtimes it is constructed on a worker (the constructor arguments and
// the methods' arguments and results must be serializable) and calls go straight to that
// worker, not through the scheduler. A method that throws fails its own call (TaskError
// naming "Type::method"); the actor lives on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/detail/actor_local.hpp"
#include "weft/detail/actor_registry.hpp"
#include "weft/detail/remote_submit.hpp"
#include "weft/ref.hpp"
#include "weft/task_options.hpp"

// Registers an actor type's methods (up to 8) for calls by name:
//   WEFT_ACTOR(Counter, add, reset);
#define WEFT_ACTOR(Type, ...) WEFT_DETAIL_FOR_EACH(WEFT_DETAIL_ACTOR_METHOD, Type, __VA_ARGS__)

namespace weft {

struct ActorOptions {
  // A name other processes can find the actor by (weft::get_actor). Empty: anonymous.
  std::string name;
  // Where it may live, as for tasks (TaskOptions::resources). An actor takes no thread
  // slot while idle, so cpus defaults to 0.
  double cpus = 0;
  std::vector<std::pair<std::string, double>> resources;
  // On a cluster: how many times to make the actor again, from its constructor arguments,
  // when its worker dies (Ray's max_restarts). Calls in flight then fail with
  // ActorDiedError (restarted() true: the state was lost); later calls reach the new
  // instance. Constructor arguments that are Refs cannot be restarted from. Handles that
  // travelled to tasks before a restart keep the old address.
  int max_restarts = 0;
};

namespace detail {
// The cluster side of an actor handle (src/client).
struct RemoteActor;
std::shared_ptr<RemoteActor> create_remote_actor(Cluster& cluster, const RemoteFunction& factory,
                                                 const ActorOptions& options,
                                                 std::vector<CallArg> args);
std::shared_ptr<RemoteActor> find_remote_actor(Cluster& cluster, const std::string& name);
void call_remote_actor(RemoteActor& actor, TaskState& result, const ActorMethod& method,
                       std::vector<serde::Message> args);
void kill_remote_actor(RemoteActor& actor);
// The actor's id and address, waiting for its construction if needed; and a handle to it
// from those (null for id 0), for handles that travel as task arguments.
std::pair<std::uint64_t, std::string> remote_actor_address(RemoteActor& actor);
std::shared_ptr<RemoteActor> attach_remote_actor(std::uint64_t id, const std::string& address);
[[noreturn]] void throw_unregistered_method(const char* type);
}  // namespace detail

template <class T>
class Actor {
 public:
  // Calls `method` with `args` (values, not Refs) and returns a Ref to its result at once.
  // REQUIRES: the handle is valid and the method was listed in WEFT_ACTOR (on cluster
  // runtimes; else ConfigError).
  template <class M, class... Args>
  auto call(M method, Args&&... args) const {
    using Traits = detail::MethodTraits<M>;
    static_assert(Traits::kMethod && std::is_same_v<typename Traits::Class, T>,
                  "call() takes a member function of the actor's type");
    using R = typename Traits::Result;
    if (local_) return local_->template call<R>(method, std::forward<Args>(args)...);
    if constexpr (!Traits::kRemotable) {
      detail::throw_unregistered_method(typeid(T).name());
    } else {
      return call_remote<R, Traits>(method, std::forward<Args>(args)...);
    }
  }

  // Destroys the actor once the call it is running (if any) returns; calls not yet started
  // fail with an Error. Other handles to it see the same.
  void kill() const {
    if (local_) {
      local_->kill();
    } else {
      detail::kill_remote_actor(*remote_);
    }
  }

  bool valid() const noexcept { return local_ || remote_; }

  // An invalid handle (valid() is false), for decoding into.
  Actor() = default;

  // Handles to cluster actors travel as task arguments (id and address): calls made with
  // them inside a task go straight to the actor too, in order per task. Encoding a handle
  // waits until the actor is constructed. In-process actors do not travel (they encode as
  // an invalid handle).
  template <class Archive>
  void serialize(Archive& archive) {
    std::uint64_t id = 0;
    std::string address;
    if constexpr (std::is_same_v<Archive, serde::Writer>) {
      if (remote_) std::tie(id, address) = detail::remote_actor_address(*remote_);
    }
    archive(id, address);
    if constexpr (std::is_same_v<Archive, serde::Reader>) {
      remote_ = detail::attach_remote_actor(id, address);
    }
  }

  // For weft's own use.
  Actor(std::shared_ptr<detail::LocalActor<T>> local, std::shared_ptr<detail::RemoteActor> remote)
      : local_(std::move(local)), remote_(std::move(remote)) {}

 private:
  template <class R, class Traits, class M, class... Args>
  Ref<R> call_remote(M method, Args&&... args) const {
    const char* name = detail::method_name(method);
    const detail::ActorMethod* m = name ? detail::find_method(name) : nullptr;
    if (m == nullptr || m->invoke == nullptr) detail::throw_unregistered_method(typeid(T).name());
    std::vector<serde::Message> encoded;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (encoded.push_back(serde::encode(
           std::tuple_element_t<I, typename Traits::Params>(std::forward<Args>(args)))),
       ...);
    }
    (std::index_sequence_for<Args...>{});
    auto* state = new detail::RemoteValue<R>(name);
    Ref<R> ref{detail::StatePtr<detail::ValueState<R>>(state)};
    detail::call_remote_actor(*remote_, *state, *m, std::move(encoded));
    return ref;
  }

  std::shared_ptr<detail::LocalActor<T>> local_;
  std::shared_ptr<detail::RemoteActor> remote_;
};

// Creates an actor T(args...) and returns a handle to it, like Ray's T.remote(args).
template <class T, class... Args>
Actor<T> actor(const ActorOptions& options, Args&&... args) {
  if constexpr ((serde::Serializable<std::decay_t<Args>> && ...)) {
    if (detail::Cluster* cluster = detail::active_cluster()) {
      using Factory = detail::ActorFactory<T, std::decay_t<Args>...>;
      (void)Factory::registered;  // instantiates the registration in every process
      const detail::RemoteFunction* f = detail::find_function(Factory::name());
      std::vector<detail::CallArg> encoded;
      (encoded.push_back(detail::CallArg{0, serde::encode(std::decay_t<Args>(args))}), ...);
      return Actor<T>(nullptr,
                      detail::create_remote_actor(*cluster, *f, options, std::move(encoded)));
    }
  } else {
    if (detail::active_cluster() != nullptr) {
      throw ConfigError(std::string("weft::actor: the constructor arguments of ") +
                        typeid(T).name() + " are not serializable, so it cannot be created " +
                        "on a worker process");
    }
  }
  auto local = std::make_shared<detail::LocalActor<T>>(std::forward<Args>(args)...);
  if (!options.name.empty()) detail::name_local_actor(options.name, local, typeid(T));
  return Actor<T>(std::move(local), nullptr);
}

template <class T, class... Args>
requires(!std::is_same_v<std::decay_t<Args>, ActorOptions> && ...) Actor<T> actor(Args&&... args) {
  return actor<T>(ActorOptions{}, std::forward<Args>(args)...);
}

// The actor created with ActorOptions::name `name`. Throws Error when there is none (or,
// in-process, when it has another type).
template <class T>
Actor<T> get_actor(const std::string& name) {
  if (detail::Cluster* cluster = detail::active_cluster()) {
    return Actor<T>(nullptr, detail::find_remote_actor(*cluster, name));
  }
  return Actor<T>(
      std::static_pointer_cast<detail::LocalActor<T>>(detail::find_local_actor(name, typeid(T))),
      nullptr);
}

}  // namespace weft
