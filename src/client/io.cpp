// The I/O thread's half of Cluster: it alone touches the sockets, the entries of pending
// objects and the peers, so none of that needs a lock.
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "client/cluster.hpp"
#include "diag/log.hpp"
#include "net/chunks.hpp"
#include "net/wire.hpp"
#include "weft/error.hpp"

namespace weft::detail {
namespace {

constexpr auto kHeartbeatEvery = std::chrono::seconds(1);
// See Cluster::deferred_done_. Long enough to batch a burst of short actor calls, short
// enough that memory held by released objects goes back promptly.
constexpr auto kDeferFor = std::chrono::milliseconds(2);
constexpr std::size_t kDeferAtMost = 4096;

std::exception_ptr to_task_error(const net::RemoteError& e) {
  if (e.type_name == "weft::KilledWorkerError") {
    return std::make_exception_ptr(
        KilledWorkerError(e.type_name, e.message, e.task_name, e.worker));
  }
  return std::make_exception_ptr(TaskError(e.type_name, e.message, e.task_name, e.worker));
}

}  // namespace

void Cluster::io_loop() {
  last_heard_ = std::chrono::steady_clock::now();
  auto next_heartbeat = last_heard_ + kHeartbeatEvery;
  auto busy_until = last_heard_;
  std::vector<Buffer> parts;
  std::vector<zmq::pollitem_t> items;
  std::vector<std::uint32_t> item_peer;
  std::vector<std::uint32_t> item_direct;
  while (!stop_.load()) {
    try {
      items.clear();
      item_peer.clear();
      item_direct.clear();
      items.push_back({scheduler_.handle(), 0, ZMQ_POLLIN, 0});
      items.push_back({nullptr, wake_fd_, ZMQ_POLLIN, 0});
      for (auto& [id, peer] : peers_) {
        if (!peer.data) continue;
        items.push_back({peer.data->handle(), 0, ZMQ_POLLIN, 0});
        item_peer.push_back(id);
      }
      for (auto& [id, peer] : peers_) {
        // What this turn queued goes out now, a batch per link. A call lost with a broken
        // link counts as sent: the scheduler's word that its worker left fails it.
        if (peer.direct && peer.direct->wants_write() && !peer.direct->flush()) {
          drop_direct(peer, id, "");
        }
        if (!peer.direct) continue;
        const short events = ZMQ_POLLIN | (peer.direct->wants_write() ? ZMQ_POLLOUT : 0);
        items.push_back({nullptr, peer.direct->fd(), events, 0});
        item_direct.push_back(id);
      }
      auto timeout = std::chrono::milliseconds(100);
      if (!deferred_done_.empty() || !deferred_releases_.empty()) timeout = kDeferFor;
      net::poll(items, busy_until, timeout);

      if ((items[1].revents & ZMQ_POLLIN) != 0) {
        eventfd_t ignored;
        ::eventfd_read(wake_fd_, &ignored);
        Outbox box;
        {
          std::lock_guard<std::mutex> lock(mu_);
          std::swap(box, outbox_);
          wake_pending_ = false;
        }
        flush_outbox(box);
        busy_until = std::chrono::steady_clock::now() + net::kBusyPoll;
      }
      if ((items[0].revents & ZMQ_POLLIN) != 0) {
        while (net::receive(scheduler_, parts)) on_scheduler_message(parts);
        last_heard_ = std::chrono::steady_clock::now();
      }
      for (std::size_t i = 0; i < item_peer.size(); ++i) {
        if ((items[i + 2].revents & ZMQ_POLLIN) == 0) continue;
        auto it = peers_.find(item_peer[i]);
        if (it == peers_.end() || !it->second.data) continue;
        while (net::receive(*it->second.data, parts)) on_data_message(item_peer[i], parts);
      }
      for (std::size_t i = 0; i < item_direct.size(); ++i) {
        const short revents = items[i + 2 + item_peer.size()].revents;
        auto it = peers_.find(item_direct[i]);
        if (revents == 0 || it == peers_.end() || !it->second.direct) continue;
        if ((revents & ZMQ_POLLOUT) != 0 && !it->second.direct->flush()) {
          drop_direct(it->second, item_direct[i], "");
          continue;
        }
        if ((revents & (ZMQ_POLLIN | ZMQ_POLLERR)) != 0) on_direct_readable(item_direct[i]);
      }
      flush_fetches();

      const auto now = std::chrono::steady_clock::now();
      if (now >= flush_deferred_by_) flush_deferred();
      if (now >= next_heartbeat) {
        net::send(scheduler_, "", net::Kind::kHeartbeat, net::Empty{});
        next_heartbeat = now + kHeartbeatEvery;
      }
      if (now - last_heard_ > std::chrono::duration<double>(lost_after_)) {
        fail_all("lost the scheduler at " + address_ + ": no word from it for " +
                 std::to_string(lost_after_) + " s");
      }
    } catch (const std::exception& e) {
      // One bad turn (a malformed address from a peer, a socket error) is logged; the loop,
      // and the program, go on.
      diag::log_error("%s", e.what());
    }
  }
  // What was posted just before the stop (a shutdown request, releases) still goes out.
  Outbox last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(last, outbox_);
  }
  flush_outbox(last);
  for (auto& [id, peer] : peers_) {
    if (peer.direct) peer.direct->flush();  // a last kill, say
  }
  flush_deferred();
  net::send(scheduler_, "", net::Kind::kGoodbye, net::Empty{});
  fail_all("the weft runtime was shut down");
}

void Cluster::flush_outbox(Outbox& box) {
  for (auto& [id, state] : box.entries) {
    Entry& e = entries_[id];
    e.state = state;
    e.object = state->remote_object();
  }
  flush_actors(box);
  if (!box.submits.empty()) {
    flush_deferred();
    net::send(scheduler_, "", net::Kind::kSubmit, net::Submit{std::move(box.submits)});
  }
  for (Put* p : box.puts) {
    if (peer_order_.empty()) {
      finish_put(p, "no worker has joined the cluster to store the object");
      continue;
    }
    p->worker = peer_order_[next_put_peer_++ % peer_order_.size()];
    if (!p->shm.empty()) {  // prefer a worker that can map the segment
      for (std::size_t k = 0; k < peer_order_.size(); ++k) {
        const std::uint32_t w = peer_order_[(next_put_peer_ + k) % peer_order_.size()];
        if (peers_[w].info.node == store::node_id()) {
          p->worker = w;
          break;
        }
      }
    }
    net::PutObject msg{p->id, p->value.body, {}, {}, {}};
    if (!p->shm.empty() && peers_[p->worker].info.node == store::node_id()) {
      msg.shm = p->shm;
      msg.layout = p->layout;
    } else {
      msg.frames = p->value.frames;  // they map the segment: still valid once unlinked
      if (!p->shm.empty()) store::unlink(std::exchange(p->shm, {}));
    }
    net::send(data_socket(p->worker), "", net::Kind::kPutObject, msg);
    puts_in_flight_[p->id] = p;
  }
  if (!box.releases.empty()) defer({}, std::move(box.releases));
  if (!box.cancels.empty()) {
    net::send(scheduler_, "", net::Kind::kCancel, net::Ids{std::move(box.cancels)});
  }
  for (std::uint64_t id : box.wants) {
    auto it = entries_.find(id);
    if (it == entries_.end()) continue;
    Entry& e = it->second;
    e.wanted = true;
    if (e.located && !e.fetching) fetch(id, e);
  }
  if (box.shutdown_cluster) {
    net::send(scheduler_, "", net::Kind::kShutdownQuery, net::Empty{});
  }
}

void Cluster::defer(std::vector<net::PutDone> done, std::vector<std::uint64_t> releases) {
  if (deferred_done_.empty() && deferred_releases_.empty()) {
    flush_deferred_by_ = std::chrono::steady_clock::now() + kDeferFor;
  }
  deferred_done_.insert(deferred_done_.end(), done.begin(), done.end());
  deferred_releases_.insert(deferred_releases_.end(), releases.begin(), releases.end());
  if (deferred_done_.size() + deferred_releases_.size() >= kDeferAtMost) flush_deferred();
}

// Registrations first: a release may be of a result registered in the same batch.
void Cluster::flush_deferred() {
  for (const net::PutDone& d : deferred_done_) net::send(scheduler_, "", net::Kind::kPutDone, d);
  deferred_done_.clear();
  if (!deferred_releases_.empty()) {
    net::send(scheduler_, "", net::Kind::kRelease, net::Ids{std::move(deferred_releases_)});
    deferred_releases_.clear();
  }
  flush_deferred_by_ = std::chrono::steady_clock::time_point::max();
}

void Cluster::on_scheduler_message(std::vector<Buffer>& parts) {
  try {
    switch (net::kind_of(parts)) {
      case net::Kind::kWelcome: {
        const auto w = net::payload<net::Welcome>(parts);
        std::lock_guard<std::mutex> lock(mu_);
        client_number_ = w.id;
        welcomed_ = true;
        cv_.notify_all();
        break;
      }
      case net::Kind::kWorkers:
        on_workers(net::payload<net::Workers>(parts));
        break;
      case net::Kind::kDone:
        on_done(net::payload<net::Done>(parts));
        break;
      case net::Kind::kErred:
        on_erred(net::payload<net::Erred>(parts));
        break;
      case net::Kind::kCancelled:
        on_cancelled(net::payload<net::Ids>(parts));
        break;
      case net::Kind::kHeartbeat:
        break;
      case net::Kind::kActorFound:
        on_actor_found(net::payload<net::NamedActor>(parts));
        break;
      case net::Kind::kShutdown:
        fail_all("the scheduler at " + address_ + " shut down");
        break;
      default:
        diag::log_warn("ignored unexpected %s message from the scheduler",
                       net::to_string(net::kind_of(parts)));
    }
  } catch (const std::exception& e) {
    diag::log_warn("dropped a bad message from the scheduler: %s", e.what());
  }
}

void Cluster::on_data_message(std::uint32_t worker, std::vector<Buffer>& parts) {
  try {
    switch (net::kind_of(parts)) {
      case net::Kind::kObjects:
        on_objects(worker, net::payload<net::Objects>(parts));
        break;
      case net::Kind::kObjectChunk:
        if (auto whole = assembler_.add(net::payload<net::ObjectChunk>(parts))) {
          net::Objects one;
          one.objects.push_back(std::move(*whole));
          on_objects(worker, one);
        }
        break;
      case net::Kind::kActorReply:
        on_actor_reply(worker, net::payload<net::ActorReply>(parts));
        break;
      case net::Kind::kPutAck: {
        for (std::uint64_t id : net::payload<net::Ids>(parts).ids) {
          auto it = puts_in_flight_.find(id);
          if (it == puts_in_flight_.end()) continue;
          Put* p = it->second;
          puts_in_flight_.erase(it);
          net::send(scheduler_, "", net::Kind::kPutDone,
                    net::PutDone{p->id, p->worker, p->value.total_bytes()});
          p->shm.clear();  // the worker owns the segment now
          finish_put(p, "");
        }
        break;
      }
      default:
        diag::log_warn("ignored unexpected %s message from worker %u",
                       net::to_string(net::kind_of(parts)), worker);
    }
  } catch (const std::exception& e) {
    diag::log_warn("dropped a bad message from worker %u: %s", worker, e.what());
  }
}

void Cluster::on_workers(const net::Workers& w) {
  for (const net::WorkerInfo& info : w.joined) {
    Peer& p = peers_[info.id];
    p.info = info;
    peer_order_.push_back(info.id);
    threads_total_ += static_cast<int>(info.nthreads);
  }
  for (std::uint32_t id : w.left) {
    auto it = peers_.find(id);
    if (it == peers_.end()) continue;
    threads_total_ -= static_cast<int>(it->second.info.nthreads);
    peers_.erase(it);
    peer_order_.erase(std::remove(peer_order_.begin(), peer_order_.end(), id), peer_order_.end());
    // Values being fetched from it will not come: the scheduler recomputes them and says
    // Done again with the new place.
    for (auto& [oid, e] : entries_) {
      if (e.located && e.worker == id) e.located = e.fetching = false;
    }
    for (auto it2 = puts_in_flight_.begin(); it2 != puts_in_flight_.end();) {
      if (it2->second->worker != id) {
        ++it2;
        continue;
      }
      finish_put(it2->second, "worker " + std::to_string(id) + " left before storing the object");
      it2 = puts_in_flight_.erase(it2);
    }
  }
  reroute_actors(w.left);
  std::lock_guard<std::mutex> lock(mu_);
  worker_count_ = peers_.size();
  cv_.notify_all();
}

void Cluster::on_done(const net::Done& d) {
  for (const net::DoneItem& item : d.tasks) {
    auto it = entries_.find(item.id);
    if (it == entries_.end()) continue;
    Entry& e = it->second;
    e.worker = item.worker;
    e.nbytes = item.nbytes;
    e.located = true;
    e.fetching = false;
    const bool wanted = e.object->mark_located();
    if (e.nbytes <= kEagerFetchBytes || wanted || e.wanted) fetch(item.id, e);
  }
}

void Cluster::fetch(std::uint64_t id, Entry& e) {
  e.fetching = true;
  fetch_batches_[e.worker].push_back(id);
}

void Cluster::flush_fetches() {
  for (auto& [worker, ids] : fetch_batches_) {
    if (ids.empty() || peers_.find(worker) == peers_.end()) continue;
    net::send(data_socket(worker), "", net::Kind::kFetch,
              net::Fetch{std::move(ids), store::node_id()});
    ids.clear();
  }
}

void Cluster::on_objects(std::uint32_t worker, const net::Objects& o) {
  for (const net::Object& obj : o.objects) {
    if (auto put = puts_in_flight_.find(obj.id); put != puts_in_flight_.end() && !obj.found) {
      Put* p = put->second;  // the worker could not take it (see Worker::on_data)
      puts_in_flight_.erase(put);
      finish_put(p, "worker " + std::to_string(worker) + " could not store the object");
      continue;
    }
    auto it = entries_.find(obj.id);
    if (it == entries_.end()) continue;
    if (!obj.chunked.empty()) {
      assembler_.start(obj);  // delivered whole when its last chunk arrives
      continue;
    }
    if (!obj.found) {
      fail_entry(obj.id,
                 std::make_exception_ptr(Error(
                     "weft: object " + std::to_string(obj.id) + " (" + it->second.state->name() +
                     ") was not found on worker " + std::to_string(worker))));
      continue;
    }
    TaskState* state = it->second.state;
    serde::Message value{obj.body, obj.frames};
    if (auto route = actor_routes_.find(obj.id); route != actor_routes_.end()) {
      on_actor_located(obj.id, value);
    } else if (auto r = restarting_.find(obj.id); r != restarting_.end()) {
      actor_routes_[r->second].target = obj.id;
      on_actor_located(r->second, value);
      restarting_.erase(r);
    }
    if (!obj.shm.empty()) {
      try {
        value.frames = store::map_shared(obj.shm, obj.layout);
      } catch (const Error& e) {
        fail_entry(obj.id, std::make_exception_ptr(e));
        continue;
      }
    }
    it->second.object->deliver(value);
    entries_.erase(it);
    state->release();
  }
}

void Cluster::on_erred(const net::Erred& e) {
  for (const net::ErredItem& item : e.tasks) {
    const std::exception_ptr error = to_task_error(item.error);
    if (actor_routes_.count(item.id) > 0) on_actor_failed(item.id, error);
    if (auto r = restarting_.find(item.id); r != restarting_.end()) {
      on_actor_failed(r->second, error);
      restarting_.erase(r);
    }
    fail_entry(item.id, error);
  }
}

void Cluster::on_cancelled(const net::Ids& ids) {
  for (std::uint64_t id : ids.ids) {
    auto it = entries_.find(id);
    if (it == entries_.end()) continue;
    fail_entry(id, std::make_exception_ptr(CancelledError(it->second.state->name())));
  }
}

void Cluster::fail_entry(std::uint64_t id, std::exception_ptr error) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  TaskState* state = it->second.state;
  entries_.erase(it);
  if (state->try_claim()) state->complete_failed(std::move(error));
  state->release();
}

// Ends a put (error empty: stored). A segment not handed over is removed.
void Cluster::finish_put(Put* p, const std::string& error) {
  if (!p->shm.empty()) store::unlink(p->shm);
  std::lock_guard<std::mutex> lock(mu_);
  p->error = error;
  p->done = true;
  cv_.notify_all();
}

void Cluster::fail_all(const std::string& why) {
  for (auto& [id, p] : puts_in_flight_) finish_put(p, why);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (lost_.empty()) lost_ = why;
    for (Put* p : outbox_.puts) {
      if (!p->shm.empty()) store::unlink(p->shm);
      p->error = why;
      p->done = true;
    }
    outbox_.puts.clear();
    for (auto& [name, waiting] : lookups_) {  // their callers return on lost_: forget them
      for (Lookup* l : waiting) l->done = true;
    }
    lookups_.clear();
    for (Lookup* l : outbox_.lookups) l->done = true;
    outbox_.lookups.clear();
    for (auto& [id, state] : outbox_.entries) entries_[id] = Entry{state, state->remote_object()};
    outbox_.entries.clear();
    cv_.notify_all();
  }
  puts_in_flight_.clear();
  while (!entries_.empty()) {
    fail_entry(entries_.begin()->first, std::make_exception_ptr(Error("weft: " + why)));
  }
}

zmq::socket_t& Cluster::data_socket(std::uint32_t worker) {
  Peer& p = peers_.at(worker);
  if (!p.data) {
    p.data = std::make_unique<zmq::socket_t>(net::make_socket(zmq::socket_type::dealer));
    p.data->connect(p.info.data_address);
  }
  return *p.data;
}

}  // namespace weft::detail
