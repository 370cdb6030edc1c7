#include "server/scheduler_server.hpp"

#include <cstring>

#include "server/server.hpp"
#include "weft/error.hpp"

namespace weft::server {

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
      // A client's last registrations of actor results (deferred, see Cluster::defer),
      // releases and goodbye may still be queued when its closed connection is reported
      // (disconnections are handled first): expected, so not a warning.
      const bool late = kind == net::Kind::kRelease || kind == net::Kind::kGoodbye ||
                        kind == net::Kind::kHeartbeat || kind == net::Kind::kCancel ||
                        kind == net::Kind::kPutDone;
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

int run_scheduler(const Options& options, const std::atomic<bool>* stop) {
  Server s(options);
  return s.run(stop);
}

}  // namespace weft::server
