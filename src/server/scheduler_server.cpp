#include "server/scheduler_server.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "diag/log.hpp"
#include "net/wire.hpp"
#include "sched/scheduler.hpp"
#include "server/observer.hpp"
#include "weft/error.hpp"

namespace weft::server {
namespace {

using Clock = std::chrono::steady_clock;

// sched::TaskFailed carries an error as a string; a worker's structured error travels in it
// encoded, behind this marker, so that errors made by the state machine itself (plain text)
// stay distinguishable.
constexpr char kEncodedError = '\x01';

std::string encode_error(const net::RemoteError& e) {
  const serde::Message m = serde::encode(e);
  std::string out(1, kEncodedError);
  out.append(reinterpret_cast<const char*>(m.body.data()), m.body.size());
  return out;
}

// A failing map of a million tasks must not flood the log: at most kTaskErrorsPerSecond
// lines a second, then one line that counts the rest.
class TaskErrorLog {
 public:
  void failed(const net::RemoteError& e) {
    report(Clock::now());
    if (logged_++ >= kTaskErrorsPerSecond) {
      ++suppressed_;
      return;
    }
    diag::log_warn("task '%s' failed on %s: %s: %s", e.task_name.c_str(), e.worker.c_str(),
                   e.type_name.c_str(), e.message.c_str());
  }
  // Ends the window once it is over, so the count comes out even when errors stop.
  void report(Clock::time_point now, bool final = false) {
    if (!final && now - window_ < std::chrono::seconds(1)) return;
    if (suppressed_ > 0) {
      diag::log_warn("%llu more task errors", static_cast<unsigned long long>(suppressed_));
    }
    window_ = now;
    logged_ = 0;
    suppressed_ = 0;
  }

 private:
  static constexpr int kTaskErrorsPerSecond = 20;
  Clock::time_point window_;
  int logged_ = 0;
  std::uint64_t suppressed_ = 0;
};

class Server {
 public:
  explicit Server(const Options& o)
      : options_(o),
        socket_(net::make_socket(zmq::socket_type::router)),
        monitor_(net::make_socket(zmq::socket_type::pair)),
        sched_(sched::Config{.pipeline_seconds = 0.002, .report_forgotten = true}) {}

  int run(const std::atomic<bool>* stop);

 private:
  struct Peer {
    net::Role role = net::Role::kObserver;
    std::uint32_t id = 0;
    Clock::time_point last_seen;
    net::WorkerInfo info;  // workers
    int fd = -1;           // its connection, as the monitor names it
    // Clients: the tasks and objects they registered and have not released, released for
    // them when they leave (goodbye or a closed connection), so nothing is orphaned.
    std::unordered_set<std::uint64_t> held;
  };
  // A task's call until it is forgotten, and its function's name number (observer_).
  struct Task {
    net::Call call;
    diag::NameId name = 0;
  };
  struct Batches {
    net::Run run;
    net::Ids cancel, free, steal, cancelled;
    net::Done done;
    net::Erred erred;
  };

  void on_message(const std::string& from, int fd, std::vector<Buffer>& parts);
  void on_hello(const std::string& from, int fd, const net::Hello& h);
  void on_disconnected(int fd);
  void on_refused(const char* why);
  void on_submit(Peer& client, net::Submit& s);
  void remove_worker(const std::string& route);
  void remove_client(const std::string& route);
  void drop_peer(const std::string& route, const std::string& why);
  void handle(const sched::Event& e);
  void apply_actions();
  net::RemoteError error_of(const sched::TaskErred& e) const;
  void flush();
  net::Status status() const;
  // The name number of a task's function, for the observer.
  auto name_of() const {
    return [this](std::uint64_t id) {
      auto it = calls_.find(id);
      return it == calls_.end() ? diag::NameId{0} : it->second.name;
    };
  }
  template <class T>
  void send_to(const std::string& route, net::Kind kind, const T& value) {
    net::send(socket_, route, kind, value);
  }

  Options options_;
  zmq::socket_t socket_;
  // Reports the ROUTER's closed connections: a worker killed outright (its kernel closes
  // the connection) is lost at once instead of after the heartbeat timeout.
  zmq::socket_t monitor_;
  std::unordered_map<int, std::string> peer_fds_;  // connection -> routing id
  std::uint64_t refused_ = 0;
  Clock::time_point next_refusal_log_;
  std::string address_;
  sched::Scheduler sched_;
  std::vector<sched::Action> actions_;
  bool stopping_ = false;

  std::unordered_map<std::string, Peer> peers_;             // by routing id
  std::map<std::uint32_t, std::string> workers_, clients_;  // id -> routing id
  std::uint32_t next_worker_ = 1;
  std::uint32_t next_client_ = 1;
  std::unordered_map<std::uint64_t, Task> calls_;  // until the task is forgotten
  std::unique_ptr<Observer> observer_;             // when recording
  std::map<std::string, Batches> out_;             // by routing id
  std::unordered_map<std::string, net::NamedActor> actor_names_;
  // Every worker that ever joined, for errors that name workers which have since died.
  std::unordered_map<std::uint32_t, std::string> worker_names_;
  std::unordered_set<std::string> lost_workers_;  // routes of workers timed out
  TaskErrorLog task_errors_;
};

int Server::run(const std::atomic<bool>* stop) {
  diag::set_log_process("scheduler");
  std::string listen = options_.listen;
  if (listen.size() > 2 && listen.compare(listen.size() - 2, 2, ":0") == 0) {
    listen.replace(listen.size() - 1, 1, "*");
  }
  try {
    socket_.bind(listen);
  } catch (const zmq::error_t& e) {
    throw ConfigError("weft scheduler: cannot listen on '" + options_.listen + "': " + e.what());
  }
  address_ = net::bound_address(socket_);
  if (options_.record || options_.dashboard_port >= 0) {
    try {
      observer_ =
          std::make_unique<Observer>(address_, options_.dashboard_host, options_.dashboard_port);
    } catch (const ConfigError& e) {
      if (!options_.dashboard_port_fallback) throw;
      diag::log_warn("%s; serving the dashboard on a free port", e.what());
      observer_ = std::make_unique<Observer>(address_, options_.dashboard_host, 0);
    }
  }
  const std::string monitor =
      "inproc://weft-scheduler-monitor-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
  constexpr int kEvents = ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                          ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
  if (zmq_socket_monitor(socket_.handle(), monitor.c_str(), kEvents) != 0) {
    throw Error(std::string("weft scheduler: cannot monitor its socket: ") +
                zmq_strerror(zmq_errno()));
  }
  monitor_.connect(monitor);
  diag::log_debug("listening on %s", address_.c_str());
  if (options_.on_ready) options_.on_ready(address_, observer_ ? observer_->dashboard_url() : "");

  std::vector<Buffer> parts;
  auto next_tick = Clock::now();
  auto next_sample = next_tick;
  const auto origin = Clock::now();
  while (!stopping_ && (stop == nullptr || !stop->load())) {
    std::vector<zmq::pollitem_t> items{{socket_.handle(), 0, ZMQ_POLLIN, 0},
                                       {monitor_.handle(), 0, ZMQ_POLLIN, 0}};
    net::poll(items, {}, std::chrono::milliseconds(100));
    // Disconnections first: a connection's descriptor can be reused by a new peer only after
    // the old one's event was queued, so a new worker's hello never precedes it.
    while (net::receive(monitor_, parts)) {
      std::uint16_t event = 0;
      std::int32_t fd = -1;
      if (parts.size() != 2 || parts[0].size() != 6) continue;
      std::memcpy(&event, parts[0].data(), 2);
      std::memcpy(&fd, parts[0].data() + 2, 4);
      if (event == ZMQ_EVENT_DISCONNECTED) {
        on_disconnected(fd);
      } else {
        on_refused(event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? "not this cluster's key"
                                                            : "its handshake failed");
      }
    }
    bool drained = false;
    for (int n = 0; !drained && n < 4096; ++n) {
      int fd = -1;
      drained = !net::receive(socket_, parts, &fd);
      if (drained || parts.size() < 2) continue;
      const std::string from(reinterpret_cast<const char*>(parts[0].data()), parts[0].size());
      parts.erase(parts.begin());
      on_message(from, fd, parts);
    }
    const auto now = Clock::now();
    // Silence counts only once everything received was read: a busy scheduler (a burst of
    // submissions) must not take its own backlog for workers' silence.
    if (now >= next_tick && drained) {
      next_tick = now + std::chrono::milliseconds(100);
      const auto limit = std::chrono::duration<double>(options_.heartbeat_timeout);
      std::vector<std::string> dead;
      for (const auto& [route, p] : peers_) {
        if (p.role == net::Role::kWorker && now - p.last_seen > limit) dead.push_back(route);
      }
      for (const std::string& route : dead) {
        diag::log_warn("worker %u (%s) sent no heartbeat for %.1f s: lost", peers_[route].id,
                       peers_[route].info.name.c_str(), options_.heartbeat_timeout);
        remove_worker(route);
        lost_workers_.insert(route);
      }
      handle(sched::Tick{std::chrono::duration<double>(now - origin).count()});
      task_errors_.report(now);
      if (observer_ && now >= next_sample) {
        next_sample = now + std::chrono::milliseconds(500);
        observer_->sample_workers([this](std::uint32_t id) {
          const auto v = sched_.worker(id);
          return v ? v->processing : 0u;
        });
      }
    }
    flush();
  }
  task_errors_.report(Clock::now(), /*final=*/true);
  for (const auto& [route, p] : peers_) {
    if (p.role != net::Role::kObserver) send_to(route, net::Kind::kShutdown, net::Empty{});
  }
  zmq_socket_monitor(socket_.handle(), nullptr, 0);
  // Let ZeroMQ deliver the shutdown before the process exits (see serve_role_if_requested).
  socket_.set(zmq::sockopt::linger, 1000);
  return 0;
}

void Server::on_message(const std::string& from, int fd, std::vector<Buffer>& parts) {
  try {
    const net::Kind kind = net::kind_of(parts);
    if (kind == net::Kind::kHello) return on_hello(from, fd, net::payload<net::Hello>(parts));
    if (kind == net::Kind::kStatusQuery) return send_to(from, net::Kind::kStatus, status());
    if (kind == net::Kind::kReportQuery) {
      const auto q = net::payload<net::ReportQuery>(parts);
      return send_to(from, net::Kind::kReport,
                     observer_ ? observer_->report(q.format)
                               : net::Report{"",
                                             "this cluster's scheduler records nothing (a local "
                                             "cluster: set Config::record or "
                                             "Config::dashboard_port; weft scheduler: "
                                             "--dashboard)"});
    }
    if (kind == net::Kind::kShutdownQuery) {
      stopping_ = true;
      return;
    }
    auto it = peers_.find(from);
    if (it == peers_.end()) {
      if (lost_workers_.count(from) > 0) {
        // Declared lost (too long silent), yet alive: its tasks and objects were given up,
        // so it must not go on as if it were still a member. It stops; a supervisor (the
        // local cluster, or whoever started it) may start a fresh one.
        send_to(from, net::Kind::kShutdown, net::Empty{});
        lost_workers_.erase(from);
        return;
      }
      // A client's last releases and goodbye may still be queued when its closed connection
      // is reported (disconnections are handled first): expected, so not a warning.
      const bool late = kind == net::Kind::kRelease || kind == net::Kind::kGoodbye ||
                        kind == net::Kind::kHeartbeat || kind == net::Kind::kCancel;
      diag::log(late ? diag::LogLevel::kDebug : diag::LogLevel::kWarn,
                "ignored %s from a peer that has not said hello (or has left)",
                net::to_string(kind));
      return;
    }
    Peer& peer = it->second;
    peer.last_seen = Clock::now();
    switch (kind) {
      case net::Kind::kHeartbeat:
        send_to(from, net::Kind::kHeartbeat, net::Empty{});
        break;
      case net::Kind::kSubmit: {
        auto s = net::payload<net::Submit>(parts);
        on_submit(peer, s);
        break;
      }
      case net::Kind::kRelease:
        for (std::uint64_t id : net::payload<net::Ids>(parts).ids) {
          peer.held.erase(id);
          handle(sched::ClientRelease{id});
        }
        break;
      case net::Kind::kCancel:
        for (std::uint64_t id : net::payload<net::Ids>(parts).ids) handle(sched::ClientCancel{id});
        break;
      case net::Kind::kPutDone: {
        const auto p = net::payload<net::PutDone>(parts);
        if (peer.role == net::Role::kClient) peer.held.insert(p.id);
        handle(sched::ClientPut{p.id, p.worker, p.nbytes});
        break;
      }
      case net::Kind::kFinished: {
        const auto finished = net::payload<net::Finished>(parts);
        if (observer_) observer_->finished(peer.id, finished.results, name_of());
        for (const net::Result& r : finished.results) {
          handle(sched::TaskFinished{r.id, peer.id, r.nbytes, r.run.duration});
        }
        break;
      }
      case net::Kind::kFailed:
        for (const net::Failure& f : net::payload<net::Failed>(parts).failures) {
          if (observer_) observer_->failed_run(peer.id, f.id, name_of()(f.id), f.run);
          handle(sched::TaskFailed{f.id, peer.id, encode_error(f.error)});
        }
        break;
      case net::Kind::kMetrics:
        if (observer_ && peer.role == net::Role::kWorker) {
          observer_->metrics(peer.id, net::payload<net::WorkerMetrics>(parts));
        }
        break;
      case net::Kind::kReplicated:
        for (std::uint64_t id : net::payload<net::Ids>(parts).ids) {
          handle(sched::ObjectReplicated{id, peer.id});
        }
        break;
      case net::Kind::kStealReply: {
        const auto r = net::payload<net::StealReply>(parts);
        if (r.confirmed) {
          handle(sched::StealConfirmed{r.task, peer.id});
        } else {
          handle(sched::StealRejected{r.task, peer.id});
        }
        break;
      }
      case net::Kind::kNameActor: {
        net::NamedActor a = net::payload<net::NamedActor>(parts);
        actor_names_[a.name] = a;
        break;
      }
      case net::Kind::kLookupActor: {
        const std::string name = net::payload<net::NamedActor>(parts).name;
        auto found = actor_names_.find(name);
        send_to(from, net::Kind::kActorFound,
                found == actor_names_.end() ? net::NamedActor{name, 0, {}} : found->second);
        break;
      }
      case net::Kind::kGoodbye:
        if (peer.role == net::Role::kWorker) {
          remove_worker(from);
        } else {
          remove_client(from);
        }
        break;
      default:
        diag::log_warn("ignored unexpected %s message", net::to_string(kind));
    }
  } catch (const net::ProtocolError& e) {
    drop_peer(from, e.what());
  } catch (const SerdeError& e) {
    drop_peer(from, e.what());
  } catch (const std::exception& e) {
    diag::log_error("dropped a message it could not handle: %s", e.what());
  }
}

// A peer that sent a malformed message is not trusted with anything else: a worker is
// treated as lost (told to stop if it speaks again), a client as gone (its work released).
void Server::drop_peer(const std::string& route, const std::string& why) {
  auto it = peers_.find(route);
  const char* role = it == peers_.end()                      ? "an unknown peer"
                     : it->second.role == net::Role::kWorker ? "a worker"
                                                             : "a client";
  diag::log_warn("refused a malformed message from %s (%s); dropped it", role, why.c_str());
  if (it == peers_.end()) return;
  if (it->second.role == net::Role::kWorker) {
    remove_worker(route);
    lost_workers_.insert(route);
  } else {
    remove_client(route);
  }
}

void Server::on_hello(const std::string& from, int fd, const net::Hello& h) {
  if (peers_.count(from) > 0) return;
  Peer p;
  p.role = h.role;
  p.last_seen = Clock::now();
  if (h.role == net::Role::kWorker) {
    p.id = next_worker_++;
    p.fd = fd;
    if (fd >= 0) peer_fds_[fd] = from;
    p.info = net::WorkerInfo{p.id, h.name, h.host, h.data_address, h.nthreads, h.node};
    send_to(from, net::Kind::kWelcome, net::Welcome{p.id});
    net::Workers everyone;
    for (const auto& [id, route] : workers_) everyone.joined.push_back(peers_[route].info);
    everyone.joined.push_back(p.info);
    send_to(from, net::Kind::kWorkers, everyone);
    const net::Workers joined{{p.info}, {}};
    for (const auto& [route, other] : peers_) {
      if (other.role != net::Role::kObserver) send_to(route, net::Kind::kWorkers, joined);
    }
    workers_[p.id] = from;
    worker_names_[p.id] = h.name;
    peers_[from] = p;
    if (observer_) observer_->worker_joined(p.info, h.memory_limit);
    handle(sched::WorkerJoined{p.id, h.nthreads, sched::Resources{.cpus = 0, .custom = h.resources},
                               h.memory_limit});
  } else if (h.role == net::Role::kClient) {
    if (next_client_ >= 0xffff) {
      diag::log_warn("refused a client: too many clients");
      return;
    }
    p.id = next_client_++;
    p.fd = fd;
    if (fd >= 0) peer_fds_[fd] = from;
    send_to(from, net::Kind::kWelcome, net::Welcome{p.id});
    net::Workers everyone;
    for (const auto& [id, route] : workers_) everyone.joined.push_back(peers_[route].info);
    send_to(from, net::Kind::kWorkers, everyone);
    clients_[p.id] = from;
    peers_[from] = p;
  }
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

// A refused peer reconnects every few hundred milliseconds: the first refusal is logged,
// then a count every 10 s at most.
void Server::on_refused(const char* why) {
  ++refused_;
  const auto now = Clock::now();
  if (refused_ > 1 && now < next_refusal_log_) return;
  diag::log_warn(
      "refused a connection: %s (a peer without this cluster's key, or not speaking weft); %llu "
      "refused so far",
      why, static_cast<unsigned long long>(refused_));
  next_refusal_log_ = now + std::chrono::seconds(10);
}

void Server::on_disconnected(int fd) {
  auto it = peer_fds_.find(fd);
  if (it == peer_fds_.end()) return;
  const std::string route = it->second;
  peer_fds_.erase(it);
  auto peer = peers_.find(route);
  if (peer == peers_.end()) return;
  if (peer->second.role == net::Role::kClient) {
    if (!peer->second.held.empty()) {
      // Debug: a client that said goodbye usually looks the same (see on_message).
      diag::log_debug(
          "client %u disconnected: releasing its %zu task(s) and object(s)",
          peer->second.id, peer->second.held.size());
    }
    remove_client(route);
    return;
  }
  diag::log_warn("worker %u (%s) disconnected: lost", peer->second.id,
                 peer->second.info.name.c_str());
  remove_worker(route);
}

void Server::remove_client(const std::string& route) {
  auto it = peers_.find(route);
  if (it == peers_.end()) return;
  const std::unordered_set<std::uint64_t> held = std::move(it->second.held);
  if (auto fd = peer_fds_.find(it->second.fd); fd != peer_fds_.end() && fd->second == route) {
    peer_fds_.erase(fd);
  }
  clients_.erase(it->second.id);
  peers_.erase(it);
  for (std::uint64_t id : held) handle(sched::ClientRelease{id});
}

void Server::remove_worker(const std::string& route) {
  auto it = peers_.find(route);
  if (it == peers_.end()) return;
  const std::uint32_t id = it->second.id;
  if (auto fd = peer_fds_.find(it->second.fd); fd != peer_fds_.end() && fd->second == route) {
    peer_fds_.erase(fd);
  }
  peers_.erase(it);
  workers_.erase(id);
  out_.erase(route);
  const net::Workers left{{}, {id}};
  for (const auto& [r, other] : peers_) {
    if (other.role != net::Role::kObserver) send_to(r, net::Kind::kWorkers, left);
  }
  if (observer_) observer_->worker_left(id);
  handle(sched::WorkerLeft{id});
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
        item.deps.push_back(net::Location{d.object, d.nbytes, d.holders});
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
      if (e->task == e->origin) task_errors_.failed(error);  // not again for each dependent
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

net::Status Server::status() const {
  net::Status s;
  s.address = address_;
  s.clients = static_cast<std::uint32_t>(clients_.size());
  for (const auto& [id, route] : workers_) {
    net::WorkerStatus w;
    w.info = peers_.at(route).info;
    if (auto v = sched_.worker(id)) {
      w.processing = v->processing;
      w.objects = v->objects;
      w.bytes = v->bytes_held;
    }
    s.workers.push_back(std::move(w));
  }
  const sched::Stats& st = sched_.stats();
  const std::uint64_t busy = st.queued + st.processing + st.objects;
  const std::uint64_t waiting = st.tasks > busy ? st.tasks - busy : 0;
  s.tasks = {{"queued", st.queued},
             {"processing", st.processing},
             {"memory", st.objects},
             {"other", waiting},
             {"retried", st.retries},
             {"recomputed", st.recomputations},
             {"workers lost", st.workers_lost},
             {"reassigned", st.reassigned}};
  s.bytes = st.bytes;
  return s;
}

}  // namespace

int run_scheduler(const Options& options, const std::atomic<bool>* stop) {
  Server s(options);
  return s.run(stop);
}

}  // namespace weft::server
