// The non-template entry points that remote(), put() and Ref call on a cluster runtime
// (declared in include/weft/detail/remote_submit.hpp), and the cluster clients alive in
// this process.
#include <memory>
#include <mutex>
#include <unordered_set>

#include "client/cluster.hpp"
#include "weft/error.hpp"

namespace weft::detail {
namespace {

// Clients alive now. A Ref may outlive the runtime that made it (a global, a Ref dropped
// after shutdown), so its release checks that its client still exists, under this lock,
// which the client's destructor also takes.
struct Live {
  std::mutex mu;
  std::unordered_set<Cluster*> clusters;
};
Live& live() {
  static Live l;
  return l;
}

template <class F>
void with_cluster(Cluster* c, F&& f) noexcept {
  if (c == nullptr) return;
  Live& l = live();
  std::lock_guard<std::mutex> lock(l.mu);
  if (l.clusters.count(c) > 0) f(*c);
}

// A worker process's own client, made on first use: for calls to actors from inside
// tasks (the tasks themselves, and remote() inside them, stay on the worker's threads).
struct WorkerClient {
  std::mutex mu;
  std::string scheduler;
  std::unique_ptr<Cluster> cluster;
};
WorkerClient& worker_client() {
  static WorkerClient w;
  return w;
}

}  // namespace

void cluster_alive(Cluster* c, bool alive) {
  Live& l = live();
  std::lock_guard<std::mutex> lock(l.mu);
  if (alive) {
    l.clusters.insert(c);
  } else {
    l.clusters.erase(c);
  }
}

void set_worker_scheduler(const std::string& address) {
  WorkerClient& w = worker_client();
  std::lock_guard<std::mutex> lock(w.mu);
  w.scheduler = address;
}

void reset_worker_client() {
  WorkerClient& w = worker_client();
  std::unique_ptr<Cluster> gone;
  {
    std::lock_guard<std::mutex> lock(w.mu);
    gone = std::move(w.cluster);
  }
}

Cluster* actor_cluster() {
  if (Cluster* c = active_cluster()) return c;
  WorkerClient& w = worker_client();
  std::lock_guard<std::mutex> lock(w.mu);
  if (w.scheduler.empty()) {
    throw ConfigError("weft: an actor handle was used outside a cluster runtime");
  }
  if (!w.cluster) {
    Cluster::Options o;
    o.address = w.scheduler;
    w.cluster = std::make_unique<Cluster>(o);
  }
  return w.cluster.get();
}

void release_remote(RemoteObject& object) noexcept {
  with_cluster(object.cluster(), [&](Cluster& c) { c.release(object.cluster_id()); });
}

void want_remote(RemoteObject& object) noexcept {
  if (!object.mark_wanted()) return;  // the cluster fetches it when it is done
  with_cluster(object.cluster(), [&](Cluster& c) { c.want(object.cluster_id()); });
}

void cancel_remote(RemoteObject& object) noexcept {
  with_cluster(object.cluster(), [&](Cluster& c) { c.cancel(object.cluster_id()); });
}

void submit_call(Cluster& cluster, TaskState& state, const RemoteFunction& fn,
                 const TaskOptions& options, std::vector<CallArg> args) {
  cluster.submit(state, fn, options, std::move(args));
}

void put_object(Cluster& cluster, TaskState& state, serde::Message value) {
  cluster.put(state, std::move(value));
}

std::uint64_t cluster_ref(const TaskState& state) {
  auto& s = const_cast<TaskState&>(state);
  if (RemoteObject* r = s.remote_object(); r != nullptr && r->cluster_id() != 0) {
    if (r->registered_late()) {
      s.wait();  // see RemoteObject::registered_late
      if (s.status() != Status::kDone) std::rethrow_exception(s.error());
    }
    return r->cluster_id();
  }
  throw ConfigError("weft::remote: a Ref argument ('" + state.name() +
                    "') was made outside the cluster runtime (before weft::init, or by a "
                    "local task); pass Refs from remote() or put() on this runtime");
}

void throw_not_remotable(const std::string& callable, const char* why) {
  throw ConfigError("weft::remote: " + callable + " cannot run on this runtime's workers, " +
                    "which are other processes: it " + why +
                    ". (The threads and inline runtimes run any callable.)");
}

}  // namespace weft::detail
