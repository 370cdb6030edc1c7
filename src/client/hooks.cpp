// The non-template entry points that remote() and put() call on a cluster runtime
// (declared in include/weft/detail/remote_submit.hpp).
#include "client/cluster.hpp"
#include "weft/error.hpp"

namespace weft::detail {

void release_remote(std::uint64_t id) noexcept {
  if (Cluster* c = active_cluster()) c->release(id);
}

void want_remote(std::uint64_t id) noexcept {
  if (Cluster* c = active_cluster()) c->want(id);
}

void want_remote(RemoteObject& object) noexcept {
  if (!object.mark_wanted()) return;  // the cluster fetches it when it is done
  if (Cluster* c = active_cluster()) c->want(object.cluster_id());
}

void cancel_remote(std::uint64_t id) noexcept {
  if (Cluster* c = active_cluster()) c->cancel(id);
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
