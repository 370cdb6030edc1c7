// The scheduler's peers: hello, goodbye, closed connections, refusals, and status.
#include <cstdio>

#include "server/server.hpp"

namespace weft::server {

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
      diag::log_debug("client %u disconnected: releasing its %zu task(s) and object(s)",
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

}  // namespace weft::server
