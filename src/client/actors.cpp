// Actors on a cluster, client side. An actor is constructed by a task (its factory, placed
// by the scheduler like any task); the task's result is the address of the worker that
// holds it. Calls then go from here straight to that worker's data port, in the order they
// were made, and the worker answers here. Each call's result is also kept on the worker and
// registered with the scheduler (as put() objects are), so it can be passed to tasks and is
// freed when its last Ref goes.
#include <algorithm>
#include <mutex>
#include <string>

#include "client/cluster.hpp"
#include "diag/log.hpp"
#include "net/wire.hpp"
#include "weft/actor.hpp"
#include "weft/error.hpp"

namespace weft::detail {
namespace {

// Connecting is local and answered by the worker's I/O thread at once; this bounds how long
// a wedged worker can hold this client's I/O thread before its calls take ZeroMQ instead.
constexpr auto kDirectConnectTimeout = std::chrono::milliseconds(1000);

}  // namespace

struct RemoteActor {
  Cluster* cluster = nullptr;
  std::uint64_t id = 0;
  // The factory task's result (the address): held so that the scheduler keeps it. Handles
  // found by name or received from elsewhere know the address instead.
  StatePtr<TaskState> creation;
  std::mutex mu;  // address: handles are shared by the program's threads
  std::string address;
};

std::pair<std::uint64_t, std::string> remote_actor_address(RemoteActor& actor) {
  std::lock_guard<std::mutex> lock(actor.mu);
  if (actor.address.empty() && actor.creation) {
    await(*actor.creation);  // the factory has run: its result is the address
    actor.address = static_cast<ValueState<std::string>*>(actor.creation.get())->value();
  }
  return {actor.id, actor.address};
}

std::shared_ptr<RemoteActor> attach_remote_actor(std::uint64_t id, const std::string& address) {
  if (id == 0) return nullptr;
  auto actor = std::make_shared<RemoteActor>();
  actor->cluster = actor_cluster();
  actor->id = id;
  actor->address = address;
  actor->cluster->actor_attached(id, address);
  return actor;
}

std::shared_ptr<RemoteActor> create_remote_actor(Cluster& cluster, const RemoteFunction& factory,
                                                 const ActorOptions& options,
                                                 std::vector<CallArg> args) {
  if (factory.invoke == nullptr) {
    throw ConfigError(std::string("weft::actor: ") + factory.name +
                      " cannot be made on a worker: its constructor arguments do not serialize");
  }
  auto* state = new RemoteValue<std::string>(factory.name);
  auto actor = std::make_shared<RemoteActor>();
  actor->cluster = &cluster;
  actor->creation = StatePtr<TaskState>(state);
  TaskOptions task;
  task.name = options.name.empty() ? "actor" : "actor " + options.name;
  task.cpus = options.cpus;
  task.resources = options.resources;
  cluster.submit(*state, factory, task, std::move(args), &options);
  actor->id = state->cluster_id();
  return actor;
}

std::shared_ptr<RemoteActor> find_remote_actor(Cluster& cluster, const std::string& name) {
  const net::NamedActor found = cluster.lookup_actor(name);
  if (found.actor == 0) throw Error("weft::get_actor: no actor named '" + name + "'");
  auto actor = std::make_shared<RemoteActor>();
  actor->cluster = &cluster;
  actor->id = found.actor;
  actor->address = found.address;
  return actor;
}

void call_remote_actor(RemoteActor& actor, TaskState& result, const ActorMethod& method,
                       std::vector<serde::Message> args) {
  actor.cluster->actor_call(actor.id, result, method, std::move(args));
}

void kill_remote_actor(RemoteActor& actor) { actor.cluster->actor_kill(actor.id); }

void throw_unregistered_method(const char* type) {
  throw ConfigError(std::string("weft::Actor::call: this method of ") + type +
                    " is not listed in WEFT_ACTOR(Type, methods...), or its arguments or "
                    "result do not serialize, so it cannot be called on a worker");
}

// ---- Cluster, program threads -------------------------------------------------------

void Cluster::actor_attached(std::uint64_t actor, const std::string& address) {
  post([&](Outbox& box) { box.attached_actors.emplace_back(actor, address); });
}

void Cluster::actor_call(std::uint64_t actor, TaskState& result, const ActorMethod& method,
                         std::vector<serde::Message> args) {
  net::ActorCall call;
  call.actor = actor;
  call.call = next_id();
  call.method = method.name;
  call.signature = method.signature;
  call.node = store::node_id();
  for (serde::Message& m : args) {
    call.args.push_back(net::Arg{0, std::move(m.body), std::move(m.frames)});
  }
  result.remote_object()->set_cluster_id(call.call, this);
  result.remote_object()->set_registered_late();
  result.retain();  // the entry's
  const std::uint64_t id = call.call;
  try {
    post([&](Outbox& box) {
      box.entries.emplace_back(id, &result);
      box.actor_calls.emplace_back(actor, std::move(call));
    });
  } catch (...) {
    result.remote_object()->set_cluster_id(0, nullptr);
    result.release();
    throw;
  }
}

// A kill travels in the same ordered stream as the calls (a call with id 0), so calls made
// before it run and calls made after it fail.
void Cluster::actor_kill(std::uint64_t actor) {
  net::ActorCall kill;
  kill.actor = actor;
  post([&](Outbox& box) { box.actor_calls.emplace_back(actor, std::move(kill)); });
}

net::NamedActor Cluster::lookup_actor(const std::string& name) {
  Lookup l;
  l.name = name;
  post([&](Outbox& box) { box.lookups.push_back(&l); });
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return l.done || !lost_.empty(); });
  if (!lost_.empty()) throw Error("weft: " + lost_);
  return l.result;
}

// ---- Cluster, I/O thread --------------------------------------------------------------

void Cluster::flush_actors(Outbox& box) {
  for (NewActor& a : box.new_actors) {
    ActorRoute& route = actor_routes_[a.id];
    route.name = std::move(a.name);
    route.factory = std::move(a.factory);
    route.restarts_left = route.factory ? a.max_restarts : 0;
  }
  for (auto& [actor, address] : box.attached_actors) route_to(actor, address);
  for (auto& [actor, call] : box.actor_calls) {
    if (call.call != 0) entries_[call.call].actor = actor;
    send_actor_call(actor_routes_[actor], std::move(call));
  }
  for (Lookup* l : box.lookups) {
    std::vector<Lookup*>& waiting = lookups_[l->name];
    if (waiting.empty()) {
      net::send(scheduler_, "", net::Kind::kLookupActor, net::NamedActor{l->name, 0, {}});
    }
    waiting.push_back(l);
  }
}

void Cluster::send_actor_call(ActorRoute& route, net::ActorCall call) {
  if (route.dead) {
    if (call.call != 0) {
      fail_entry(call.call, std::make_exception_ptr(
                                Error("weft: actor " + std::to_string(call.actor) +
                                      " is gone (its worker left, or it was never constructed)")));
    }
    return;
  }
  if (!route.known || peers_.count(route.worker) == 0) {
    route.waiting.push_back(std::move(call));
    return;
  }
  if (route.target != 0) call.actor = route.target;  // a restarted instance
  net::DirectChannel* direct = direct_link(route.worker);
  // On the direct link, written at the end of the I/O thread's turn (Cluster::io_loop).
  if (call.call == 0) {
    const net::Ids kill{{call.actor}};
    if (direct == nullptr) {
      net::send(data_socket(route.worker), "", net::Kind::kActorKill, kill);
    } else {
      direct->send(net::Kind::kActorKill, kill);
    }
    return;
  }
  if (direct == nullptr) {
    net::send(data_socket(route.worker), "", net::Kind::kActorCall, call);
  } else {
    direct->send(net::Kind::kActorCall, call);
  }
  if (auto e = entries_.find(call.call); e != entries_.end()) e->second.sent = true;
}

net::DirectChannel* Cluster::direct_link(std::uint32_t worker) {
  Peer& peer = peers_.at(worker);
  if (peer.direct_tried) return peer.direct.get();
  peer.direct_tried = true;
  if (!direct_enabled_ || peer.info.node != store::node_id()) return nullptr;
  try {
    peer.direct = net::connect_direct(peer.info.data_address, kDirectConnectTimeout);
  } catch (const Error& e) {
    diag::log_info("actor calls to worker %u go over ZeroMQ: no direct link (%s)", worker,
                   e.what());
  }
  return peer.direct.get();
}

void Cluster::on_direct_readable(std::uint32_t worker) {
  Peer& peer = peers_.at(worker);
  const bool open = peer.direct->read_available();
  std::vector<Buffer> parts;
  try {
    while (peer.direct->next(parts)) on_data_message(worker, parts);
  } catch (const Error& e) {
    return drop_direct(peer, worker, e.what());
  }
  if (!open) drop_direct(peer, worker, peer.direct->partial() ? "closed mid-message" : "");
}

// Calls already sent on the link fail when the scheduler reports the worker gone (a worker
// closes links only when it exits, or when a client breaks the protocol); later calls take
// ZeroMQ.
void Cluster::drop_direct(Peer& peer, std::uint32_t worker, const std::string& why) {
  if (!peer.direct) return;
  // A worker that exits closes its links: routine. Anything else is worth a line.
  if (why.empty()) {
    diag::log_debug("direct link to worker %u closed", worker);
  } else {
    diag::log_warn("dropped the direct link to worker %u: %s", worker, why.c_str());
  }
  peer.direct.reset();
}

// The factory task's result arrived: the actor's address. Calls made meanwhile go now, in
// order; so does a kill, and the name is registered.
void Cluster::on_actor_located(std::uint64_t actor, const serde::Message& value) {
  ActorRoute& route = actor_routes_[actor];
  std::string address;
  try {
    address = serde::decode<std::string>(value);
  } catch (const Error&) {
    return;
  }
  route_to(actor, address);
  if (!route.known) return;
  if (!route.name.empty()) {
    net::send(scheduler_, "", net::Kind::kNameActor,
              net::NamedActor{route.name, route.target != 0 ? route.target : actor, address});
  }
}

void Cluster::on_actor_failed(std::uint64_t actor, const std::exception_ptr& error) {
  ActorRoute& route = actor_routes_[actor];
  route.dead = true;
  for (const net::ActorCall& c : route.waiting) {
    if (c.call != 0) fail_entry(c.call, error);
  }
  route.waiting.clear();
}

void Cluster::on_actor_reply(std::uint32_t worker, const net::ActorReply& reply) {
  auto it = entries_.find(reply.call);
  if (it == entries_.end()) return;
  if (!reply.ok) {
    const net::RemoteError& e = reply.error;
    fail_entry(reply.call,
               std::make_exception_ptr(TaskError(e.type_name, e.message, e.task_name, e.worker)));
    return;
  }
  // Registered before the value is delivered: the program can drop its Ref (a release)
  // only after delivery, so the scheduler hears of the object before its release.
  defer({net::PutDone{reply.call, worker, reply.nbytes}}, {});
  serde::Message value{reply.value.body, reply.value.frames};
  if (!reply.value.shm.empty()) {
    try {
      value.frames = store::map_shared(reply.value.shm, reply.value.layout);
    } catch (const Error& e) {
      fail_entry(reply.call, std::make_exception_ptr(e));
      return;
    }
  }
  TaskState* state = it->second.state;
  it->second.object->deliver(value);
  entries_.erase(it);
  state->release();
}

void Cluster::route_to(std::uint64_t actor, const std::string& address) {
  ActorRoute& route = actor_routes_[actor];
  route.address = address;
  if (route.known) return;
  for (const auto& [id, peer] : peers_) {
    if (peer.info.data_address == address) {
      route.worker = id;
      route.known = true;
    }
  }
  std::vector<net::ActorCall> waiting = std::move(route.waiting);
  route.waiting.clear();
  for (net::ActorCall& c : waiting) send_actor_call(route, std::move(c));
}

// A worker joined or left: routes waiting for an address resolve; actors on a worker that
// left are made again if they have restarts left, else gone. Calls sent to a lost instance
// fail either way: its state went with it.
void Cluster::reroute_actors(const std::vector<std::uint32_t>& left) {
  std::vector<std::uint64_t> lost_instances;
  for (auto& [actor, route] : actor_routes_) {
    if (route.known && std::find(left.begin(), left.end(), route.worker) != left.end()) {
      lost_instances.push_back(actor);
      route.known = false;
      if (route.restarts_left > 0) {
        restart_actor(actor, route);
      } else {
        route.dead = true;
      }
    } else if (!route.known && !route.dead && !route.address.empty()) {
      route_to(actor, route.address);
    }
  }
  std::vector<std::pair<std::uint64_t, bool>> lost;  // (call, restarted)
  for (const auto& [id, e] : entries_) {
    if (e.actor == 0) continue;
    const ActorRoute& route = actor_routes_[e.actor];
    const bool hit =
        std::find(lost_instances.begin(), lost_instances.end(), e.actor) != lost_instances.end();
    if (route.dead || (hit && e.sent)) lost.emplace_back(id, !route.dead);
  }
  for (const auto& [id, restarted] : lost) {
    fail_entry(id, std::make_exception_ptr(ActorDiedError(
                       restarted ? "weft: the worker holding the actor died before answering; the "
                                   "actor was made again from its constructor arguments and its "
                                   "state is lost"
                                 : "weft: the worker holding the actor died before answering",
                       restarted)));
  }
}

// Submits the actor's factory task again; calls wait for its address like the first time.
void Cluster::restart_actor(std::uint64_t actor, ActorRoute& route) {
  --route.restarts_left;
  net::TaskSpec spec = *route.factory;
  spec.id = next_id();
  auto* state = new RemoteValue<std::string>(route.factory->call.function.c_str());
  route.restarted = StatePtr<TaskState>(state);
  state->remote_object()->set_cluster_id(spec.id, this);
  state->retain();  // the entry's
  Entry& e = entries_[spec.id];
  e.state = state;
  e.object = state->remote_object();
  route.address.clear();
  restarting_[spec.id] = actor;
  flush_deferred();
  net::send(scheduler_, "", net::Kind::kSubmit, net::Submit{{std::move(spec)}});
}

void Cluster::on_actor_found(const net::NamedActor& found) {
  if (found.actor != 0) route_to(found.actor, found.address);
  auto it = lookups_.find(found.name);
  if (it == lookups_.end()) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (Lookup* l : it->second) {
    l->result = found;
    l->done = true;
  }
  lookups_.erase(it);
  cv_.notify_all();
}

}  // namespace weft::detail
