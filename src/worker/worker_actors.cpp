// Actor calls on this worker: run inline on the I/O thread when short, else on the pool.
#include "worker/worker_process.hpp"

namespace weft::worker {

void Worker::on_actor_call(const std::string& from, net::ActorCall call) {
  auto refuse = [&](std::string type, std::string message) {
    reply_actor(from, call.node, call.call, false, nullptr,
                net::RemoteError{std::move(type), std::move(message), call.method, label_});
  };
  auto it = actors_.find(call.actor);
  if (it == actors_.end()) {
    return refuse("weft::Error", "actor " + std::to_string(call.actor) + " is not on " + label_ +
                                     " (killed, or never created here)");
  }
  const detail::ActorMethod* m = detail::find_method(call.method);
  if (m == nullptr || m->invoke == nullptr || m->signature != call.signature) {
    return refuse("weft::ConfigError", "method '" + call.method +
                                           "' is not registered with WEFT_ACTOR in this worker, "
                                           "or with other argument types");
  }
  ActorMailbox::Job job{from, call.node, call.call, m, {}};
  for (net::Arg& a : call.args) {
    job.args.push_back(serde::Message{std::move(a.body), std::move(a.frames)});
  }
  Completion done;
  if (it->second->try_run_inline(job, done)) {
    finish_actor_call(done);
  } else if (!it->second->post(std::move(job))) {
    refuse("weft::Error", "the actor was killed");
  }
}

void Worker::finish_actor_call(Completion& c) {
  Stored value{std::move(c.value), std::move(c.shm), std::move(c.layout)};
  reply_actor(c.reply_to, c.caller_node, c.id, c.ok, &value, std::move(c.error));
  if (c.ok) objects_.put(c.id, std::move(value));  // registered by the caller (PutDone)
}

void Worker::reply_actor(const std::string& to, const std::string& node, std::uint64_t call,
                         bool ok, const Stored* value, net::RemoteError error) {
  net::ActorReply reply;
  reply.call = call;
  reply.ok = ok;
  reply.error = std::move(error);
  if (ok) {
    reply.value.id = call;
    reply.value.found = true;
    reply.value.body = value->message.body;
    reply.nbytes = value->message.total_bytes();
    if (node == store::node_id() && !value->shm.empty()) {
      reply.value.shm = value->shm;
      reply.value.layout = value->layout;
    } else {
      reply.value.frames = value->message.frames;
    }
  }
  if (!send_direct(to, net::Kind::kActorReply, reply)) {
    net::send(data_, to, net::Kind::kActorReply, reply);
  }
}

}  // namespace weft::worker
