#include "worker/worker.hpp"

#include <sys/resource.h>

#include <cstdlib>
#include <string>

#include "core/observe_state.hpp"
#include "diag/log.hpp"
#include "worker/worker_process.hpp"

namespace weft::worker {
namespace {

// WEFT_SPILL_ALL=1: every object goes to disk as it arrives (to test that spilling changes
// no result).
bool spill_all_requested() {
  const char* all = std::getenv("WEFT_SPILL_ALL");
  return all != nullptr && std::string(all) == "1";
}

}  // namespace

Worker::Worker(const Options& o)
    : options_(o),
      scheduler_(net::make_socket(zmq::socket_type::dealer)),
      data_(net::make_socket(zmq::socket_type::router)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      objects_(o.memory_limit, o.spill_dir, spill_all_requested()),
      completions_(wake_fd_) {
  if (options_.scheduler.rfind("tcp://", 0) != 0 && options_.scheduler.rfind("ipc://", 0) != 0) {
    throw ConfigError("weft worker: scheduler address '" + options_.scheduler +
                      "' is not valid: expected tcp://HOST:PORT or ipc://PATH");
  }
  if (options_.memory_limit > 0) {
    // Blocks of 1 MiB or more are mapped and unmapped on free, never kept in the heap:
    // glibc's default (a threshold that rises to the largest block freed) would keep tasks'
    // freed working memory resident, where no spilling can reach it.
    ::mallopt(M_MMAP_THRESHOLD, 1 << 20);
  }
  if (options_.nthreads <= 0) {
    options_.nthreads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  data_.bind("tcp://" + options_.host + ":*");
  data_address_ = net::bound_address(data_);
  set_actor_address(data_address_);
  open_direct();
  detail::set_worker_scheduler(options_.scheduler);
  scheduler_.connect(options_.scheduler);
  label_ = options_.name.empty() ? "worker-" + std::to_string(getpid()) + "@" + net::host_name()
                                 : options_.name;
  diag::set_log_process(label_);
}

int Worker::run(const std::atomic<bool>* stop) {
  detail::ignore_observe_env();
  Runtime pool = init(Config{RuntimeKind::kThreads, options_.nthreads});
  net::Hello hello;
  hello.role = net::Role::kWorker;
  hello.name = label_;
  hello.host = net::host_name();
  hello.pid = static_cast<std::uint32_t>(getpid());
  hello.nthreads = static_cast<std::uint32_t>(options_.nthreads);
  hello.memory_limit = options_.memory_limit;
  hello.data_address = data_address_;
  hello.resources = options_.resources;
  hello.node = store::node_id();
  net::send(scheduler_, "", net::Kind::kHello, hello);

  auto next_heartbeat = Clock::now();
  std::vector<Buffer> parts;
  std::vector<zmq::pollitem_t> items;
  std::vector<std::uint32_t> item_peer;
  while (!stop_) {
    try {
      items.clear();
      item_peer.clear();
      items.push_back({scheduler_.handle(), 0, ZMQ_POLLIN, 0});
      items.push_back({data_.handle(), 0, ZMQ_POLLIN, 0});
      items.push_back({nullptr, wake_fd_, ZMQ_POLLIN, 0});
      for (auto& [pid, peer] : peers_) {
        if (!peer.data) continue;
        items.push_back({peer.data->handle(), 0, ZMQ_POLLIN, 0});
        item_peer.push_back(pid);
      }
      const std::size_t direct_items = items.size();
      poll_direct(items);
      net::poll(items, {}, std::chrono::milliseconds(100));
      if ((items[2].revents & ZMQ_POLLIN) != 0) {
        eventfd_t ignored;
        ::eventfd_read(wake_fd_, &ignored);
        drain_completions();
      }
      if ((items[0].revents & ZMQ_POLLIN) != 0) {
        while (!stop_ && net::receive(scheduler_, parts)) on_scheduler(parts);
        last_heard_ = Clock::now();
      }
      if ((items[1].revents & ZMQ_POLLIN) != 0) {
        while (net::receive(data_, parts)) {
          if (parts.empty()) continue;
          const std::string from(reinterpret_cast<const char*>(parts[0].data()), parts[0].size());
          parts.erase(parts.begin());
          on_data(from, parts);
        }
      }
      for (std::size_t i = 0; i < item_peer.size(); ++i) {
        if ((items[i + 3].revents & ZMQ_POLLIN) == 0) continue;
        auto it = peers_.find(item_peer[i]);
        if (it == peers_.end() || !it->second.data) continue;
        while (net::receive(*it->second.data, parts)) on_peer(item_peer[i], parts);
      }
      on_direct_events(std::span<const zmq::pollitem_t>(items).subspan(direct_items));
      manage_memory();
      if (!deadlines_.empty()) expire_deadlines();
      flush();
      const auto now = Clock::now();
      if (now >= next_heartbeat) {
        net::send(scheduler_, "", net::Kind::kHeartbeat, net::Empty{});
        send_metrics();
        next_heartbeat = now + std::chrono::milliseconds(500);
      }
      if (stop != nullptr && stop->load()) {
        net::send(scheduler_, "", net::Kind::kGoodbye, net::Empty{});
        scheduler_.set(zmq::sockopt::linger, 1000);  // delivered before the process exits
        stop_ = true;
      }
      if (now - last_heard_ > std::chrono::duration<double>(options_.lost_after)) {
        diag::log_error("lost the scheduler at %s; exiting", options_.scheduler.c_str());
        exit_code_ = 3;
        stop_ = true;
      }
    } catch (const std::exception& e) {
      diag::log_error("%s", e.what());
    }
  }
  // Tasks still running finish before the pool goes; their results are not reported.
  for (auto& [id, task] : running_) task->try_claim_and_cancel();
  pool.shutdown();
  drain_completions();
  return exit_code_;
}

void Worker::on_scheduler(std::vector<Buffer>& parts) {
  try {
    const net::Kind kind = net::kind_of(parts);
    switch (kind) {
      case net::Kind::kWelcome:
        // The name stays the one it said hello with: errors, logs, `weft status` and the
        // dashboard all call it so.
        id_ = net::payload<net::Welcome>(parts).id;
        diag::log_debug("joined the scheduler at %s as worker %u", options_.scheduler.c_str(), id_);
        break;
      case net::Kind::kWorkers: {
        const auto w = net::payload<net::Workers>(parts);
        for (const net::WorkerInfo& info : w.joined) peers_[info.id].info = info;
        for (std::uint32_t left : w.left) on_peer_left(left);
        break;
      }
      case net::Kind::kRun: {
        auto run = net::payload<net::Run>(parts);
        on_run(run);
        break;
      }
      case net::Kind::kCancelTasks:
        for (std::uint64_t id : net::payload<net::Ids>(parts).ids) {
          if (waiting_.erase(id) > 0) continue;
          auto it = running_.find(id);
          if (it == running_.end()) continue;
          if (it->second->try_claim_and_cancel()) {
            running_.erase(it);  // it will never run, so no completion comes for it
          } else {
            discard_.insert(id);
          }
        }
        break;
      case net::Kind::kFree:
        for (std::uint64_t id : net::payload<net::Ids>(parts).ids) objects_.erase(id);
        break;
      case net::Kind::kSteal:
        for (std::uint64_t id : net::payload<net::Ids>(parts).ids) {
          bool given = waiting_.erase(id) > 0;
          if (!given) {
            auto it = running_.find(id);
            given = it != running_.end() && it->second->try_claim_and_cancel();
            if (given) running_.erase(it);
          }
          net::send(scheduler_, "", net::Kind::kStealReply, net::StealReply{id, given});
        }
        break;
      case net::Kind::kHeartbeat:
        break;
      case net::Kind::kShutdown:
        stop_ = true;
        break;
      default:
        diag::log_warn("ignored unexpected %s message from the scheduler", net::to_string(kind));
    }
  } catch (const std::exception& e) {
    diag::log_warn("dropped a bad message from the scheduler: %s", e.what());
  }
}

void Worker::on_data(const std::string& from, std::vector<Buffer>& parts) {
  try {
    const net::Kind kind = net::kind_of(parts);
    if (kind == net::Kind::kFetch) {
      const auto fetch = net::payload<net::Fetch>(parts);
      const bool same_node = fetch.node == store::node_id();
      net::Objects reply;
      for (std::uint64_t id : fetch.ids) {
        net::Object& o = reply.objects.emplace_back();
        o.id = id;
        const Stored* found = nullptr;
        try {
          found = objects_.get(id);
        } catch (const Error& e) {  // answered as not found: the reader tries elsewhere
          diag::log_error("%s", e.what());
        }
        if (found == nullptr) continue;
        const Stored& s = *found;
        o.found = true;
        o.body = s.message.body;
        if (same_node && !s.shm.empty()) {
          o.shm = s.shm;
          o.layout = s.layout;
          objects_.lend(id);
        } else {
          o.frames = s.message.frames;
          sent_bytes_ += s.message.total_bytes();
        }
      }
      net::send_objects(data_, from, std::move(reply));
    } else if (kind == net::Kind::kPutObject) {
      auto put = net::payload<net::PutObject>(parts);
      try {
        objects_.put(put.id, receive_object(std::move(put.body), std::move(put.frames),
                                            std::move(put.shm), std::move(put.layout), true));
      } catch (const Error& e) {  // a segment this process cannot map: tell the client
        diag::log_warn("refused put %llu: %s", static_cast<unsigned long long>(put.id), e.what());
        net::send(data_, from, net::Kind::kObjects, net::Objects{{net::Object{put.id}}});
        return;
      }
      net::send(data_, from, net::Kind::kPutAck, net::Ids{{put.id}});
    } else if (kind == net::Kind::kActorCall) {
      on_actor_call(from, net::payload<net::ActorCall>(parts));
    } else if (kind == net::Kind::kActorKill) {
      for (std::uint64_t id : net::payload<net::Ids>(parts).ids) {
        auto it = actors_.find(id);
        if (it == actors_.end()) continue;
        for (ActorMailbox::Job& job : it->second->kill()) {
          reply_actor(
              job.from, job.node, job.call, false, nullptr,
              net::RemoteError{"weft::Error", "the actor was killed", job.method->name, label_});
        }
        actors_.erase(it);  // the actor goes with its mailbox, after a running call
      }
    } else {
      diag::log_warn("ignored unexpected %s message on the data port", net::to_string(kind));
    }
  } catch (const std::exception& e) {
    diag::log_warn("dropped a bad message on the data port: %s", e.what());
  }
}

void Worker::on_peer(std::uint32_t peer, std::vector<Buffer>& parts) {
  try {
    const net::Kind kind = net::kind_of(parts);
    if (kind == net::Kind::kObjectChunk) {
      if (auto whole = assembler_.add(net::payload<net::ObjectChunk>(parts))) {
        net::Objects one;
        one.objects.push_back(std::move(*whole));
        on_objects(peer, one);
      }
      return;
    }
    if (kind != net::Kind::kObjects) {
      throw net::ProtocolError(std::string("unexpected ") + net::to_string(kind));
    }
    auto objects = net::payload<net::Objects>(parts);
    on_objects(peer, objects);
  } catch (const std::exception& e) {
    diag::log_warn("dropped a bad message from worker %u: %s", peer, e.what());
  }
}

void Worker::on_peer_left(std::uint32_t peer) {
  peers_.erase(peer);
  std::vector<std::uint64_t> retry;
  for (auto& [object, f] : fetching_) {
    if (f.next < f.holders.size() && f.holders[f.next] == peer) retry.push_back(object);
  }
  for (std::uint64_t object : retry) ask_next_holder(object);
}

void Worker::flush() {
  for (auto& [peer, ids] : fetches_) {
    if (ids.empty()) continue;
    if (peers_.count(peer) == 0) {
      std::vector<std::uint64_t> again = std::move(ids);
      ids.clear();
      for (std::uint64_t object : again) ask_next_holder(object);
      continue;
    }
    net::send(peer_socket(peer), "", net::Kind::kFetch,
              net::Fetch{std::move(ids), store::node_id()});
    ids.clear();
  }
  if (!finished_.results.empty()) {
    net::send(scheduler_, "", net::Kind::kFinished, finished_);
    finished_.results.clear();
  }
  if (!failed_.failures.empty()) {
    net::send(scheduler_, "", net::Kind::kFailed, failed_);
    failed_.failures.clear();
  }
  if (!replicated_.ids.empty()) {
    net::send(scheduler_, "", net::Kind::kReplicated, replicated_);
    replicated_.ids.clear();
  }
}

void Worker::send_metrics() {
  net::WorkerMetrics m;
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    m.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  }
  m.memory = store::resident_bytes();
  m.objects = objects_.count();
  m.spilled_bytes = objects_.spilled_bytes();
  m.object_bytes = objects_.memory_bytes() + m.spilled_bytes;
  m.sent_bytes = sent_bytes_;
  m.transfers = std::move(transfers_);
  transfers_.clear();
  net::send(scheduler_, "", net::Kind::kMetrics, m);
}

zmq::socket_t& Worker::peer_socket(std::uint32_t peer) {
  Peer& p = peers_.at(peer);
  if (!p.data) {
    p.data = std::make_unique<zmq::socket_t>(net::make_socket(zmq::socket_type::dealer));
    p.data->connect(p.info.data_address);
  }
  return *p.data;
}

std::vector<std::pair<std::string, double>> parse_resources(const std::string& text) {
  std::vector<std::pair<std::string, double>> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(pos, end - pos);
    const std::size_t eq = item.find('=');
    char* stop = nullptr;
    const double qty = eq == std::string::npos ? 0 : std::strtod(item.c_str() + eq + 1, &stop);
    if (eq == 0 || eq == std::string::npos || stop == item.c_str() + eq + 1 || *stop != '\0' ||
        !(qty > 0)) {
      throw ConfigError("weft worker: bad resource '" + item +
                        "': expected NAME=QUANTITY with a positive quantity, e.g. gpu=1");
    }
    out.emplace_back(item.substr(0, eq), qty);
    pos = end + 1;
  }
  return out;
}

int run_worker(const Options& options, const std::atomic<bool>* stop) {
  Worker w(options);
  return w.run(stop);
}

}  // namespace weft::worker
