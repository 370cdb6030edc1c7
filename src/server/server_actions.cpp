// Submissions in, the state machine's actions out, in one batch per peer.
#include "server/server.hpp"

namespace weft::server {

constexpr char kEncodedError = '\x01';

std::string encode_error(const net::RemoteError& e) {
  const serde::Message m = serde::encode(e);
  std::string out(1, kEncodedError);
  out.append(reinterpret_cast<const char*>(m.body.data()), m.body.size());
  return out;
}

void Server::on_submit(Peer& client, net::Submit& s) {
  if (client.role != net::Role::kClient) return;
  for (net::TaskSpec& t : s.tasks) {
    if ((t.id >> 48) != client.id || t.id == 0) {
      diag::log_warn("refused task id %llu from client %u (not its range)",
                     static_cast<unsigned long long>(t.id), client.id);
      continue;
    }
    sched::ClientSubmit e;
    e.task = t.id;
    e.deps = std::move(t.deps);
    e.prefix = t.call.function;
    e.retries = t.retries;
    e.resources = sched::Resources{t.cpus, t.memory, std::move(t.resources)};
    e.priority = t.priority;
    Task& task = calls_[t.id];
    if (observer_) {
      task.name = observer_->intern(t.call.function);
      observer_->submitted(t.id, task.name, e.deps);
    }
    task.call = std::move(t.call);
    client.held.insert(t.id);
    handle(e);
  }
}

void Server::handle(const sched::Event& e) {
  sched_.handle(e, actions_);
  apply_actions();
}

net::RemoteError Server::error_of(const sched::TaskErred& e) const {
  if (!e.error.empty() && e.error[0] == kEncodedError) {
    const auto* p = reinterpret_cast<const std::byte*>(e.error.data()) + 1;
    return serde::decode<net::RemoteError>(std::span<const std::byte>(p, e.error.size() - 1));
  }
  auto it = calls_.find(e.origin);
  std::string task = it == calls_.end() ? std::to_string(e.origin) : it->second.call.name;
  if (e.died_on.empty())
    return net::RemoteError{"weft::Error", e.error, std::move(task), "scheduler"};
  std::string workers;
  for (std::uint32_t w : e.died_on) {
    auto name = worker_names_.find(w);
    workers += (workers.empty() ? "" : ", ") +
               (name == worker_names_.end() ? "worker " + std::to_string(w) : name->second);
  }
  return net::RemoteError{"weft::KilledWorkerError", e.error, std::move(task), std::move(workers)};
}

void Server::apply_actions() {
  // Actions may cause events (a lost put() object has nothing to run), handled after.
  std::vector<sched::Event> follow_ups;
  for (sched::Action& a : actions_) {
    if (auto* run = std::get_if<sched::RunTask>(&a)) {
      auto call = calls_.find(run->task);
      auto route = workers_.find(run->worker);
      if (route == workers_.end()) continue;
      if (call == calls_.end()) {
        net::RemoteError err{"weft::Error",
                             "object was stored with put() on a worker that was lost; put() "
                             "objects cannot be recomputed",
                             "put", "scheduler"};
        follow_ups.push_back(sched::TaskFailed{run->task, run->worker, encode_error(err)});
        continue;
      }
      net::RunItem item;
      item.id = run->task;
      item.call = call->second.call;
      if (observer_) observer_->running(run->task);
      for (const sched::DepLocation& d : run->deps) {
        item.deps.push_back(
            net::Location{d.object, d.nbytes, {d.holders.begin(), d.holders.end()}});
      }
      out_[route->second].run.tasks.push_back(std::move(item));
    } else if (auto* c = std::get_if<sched::CancelOnWorker>(&a)) {
      if (auto r = workers_.find(c->worker); r != workers_.end()) {
        out_[r->second].cancel.ids.push_back(c->task);
      }
    } else if (auto* f = std::get_if<sched::FreeObject>(&a)) {
      if (auto r = workers_.find(f->worker); r != workers_.end()) {
        out_[r->second].free.ids.push_back(f->object);
      }
    } else if (auto* s = std::get_if<sched::StealRequest>(&a)) {
      if (auto r = workers_.find(s->victim); r != workers_.end()) {
        out_[r->second].steal.ids.push_back(s->task);
      }
    } else if (auto* d = std::get_if<sched::TaskDone>(&a)) {
      if (auto r = clients_.find(static_cast<std::uint32_t>(d->task >> 48)); r != clients_.end()) {
        out_[r->second].done.tasks.push_back(net::DoneItem{d->task, d->worker, d->nbytes});
      }
    } else if (auto* e = std::get_if<sched::TaskErred>(&a)) {
      net::RemoteError error = error_of(*e);
      if (observer_) observer_->erred(e->task, e->origin, error);
      if (e->task == e->origin) {  // not again for each dependent
        task_errors_.failed(error.task_name, error.worker, error.type_name, error.message);
      }
      if (auto r = clients_.find(static_cast<std::uint32_t>(e->task >> 48)); r != clients_.end()) {
        out_[r->second].erred.tasks.push_back(net::ErredItem{e->task, std::move(error)});
      }
    } else if (auto* k = std::get_if<sched::TaskCancelled>(&a)) {
      if (observer_) observer_->cancelled(k->task);
      if (auto r = clients_.find(static_cast<std::uint32_t>(k->task >> 48)); r != clients_.end()) {
        out_[r->second].cancelled.ids.push_back(k->task);
      }
    } else if (auto* g = std::get_if<sched::TaskForgotten>(&a)) {
      calls_.erase(g->task);
    }
  }
  actions_.clear();
  for (const sched::Event& e : follow_ups) handle(e);
}

void Server::flush() {
  if (observer_) observer_->flush();
  for (auto& [route, b] : out_) {
    if (!b.run.tasks.empty()) send_to(route, net::Kind::kRun, b.run);
    if (!b.cancel.ids.empty()) send_to(route, net::Kind::kCancelTasks, b.cancel);
    if (!b.free.ids.empty()) send_to(route, net::Kind::kFree, b.free);
    if (!b.steal.ids.empty()) send_to(route, net::Kind::kSteal, b.steal);
    if (!b.done.tasks.empty()) send_to(route, net::Kind::kDone, b.done);
    if (!b.erred.tasks.empty()) send_to(route, net::Kind::kErred, b.erred);
    if (!b.cancelled.ids.empty()) send_to(route, net::Kind::kCancelled, b.cancelled);
  }
  out_.clear();
}

}  // namespace weft::server
