#include "worker/worker.hpp"

#include <malloc.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "client/cluster.hpp"
#include "net/chunks.hpp"
#include "net/wire.hpp"
#include "store/shared_memory.hpp"
#include "weft/detail/actor_registry.hpp"
#include "weft/detail/backend.hpp"
#include "weft/detail/remote_call.hpp"
#include "weft/error.hpp"
#include "weft/runtime.hpp"
#include "worker/actor_mailbox.hpp"
#include "worker/actor_table.hpp"
#include "worker/object_store.hpp"
#include "worker/task_runner.hpp"

namespace weft::worker {
namespace {

using Clock = std::chrono::steady_clock;

// WEFT_SPILL_ALL=1: every object goes to disk as it arrives (to test that spilling changes
// no result).
bool spill_all_requested() {
  const char* all = std::getenv("WEFT_SPILL_ALL");
  return all != nullptr && std::string(all) == "1";
}

class Worker {
 public:
  explicit Worker(const Options& o);
  ~Worker() { ::close(wake_fd_); }
  int run(const std::atomic<bool>* stop);

 private:
  struct Pending {
    net::RunItem item;
    std::size_t missing = 0;
  };
  struct Fetching {
    std::vector<std::uint32_t> holders;
    std::size_t next = 0;  // index of the holder asked
  };
  struct Peer {
    net::WorkerInfo info;
    std::unique_ptr<zmq::socket_t> data;
  };
  void on_scheduler(std::vector<Buffer>& parts);
  void on_data(const std::string& from, std::vector<Buffer>& parts);
  void on_peer(std::uint32_t peer, std::vector<Buffer>& parts);
  void on_run(net::Run& run);
  void on_objects(std::uint32_t peer, net::Objects& objects);
  void on_peer_left(std::uint32_t peer);
  void on_actor_call(const std::string& from, net::ActorCall call);
  void finish_actor_call(Completion& c);
  void reply_actor(const std::string& to, const std::string& node, std::uint64_t call, bool ok,
                   const Stored* value, net::RemoteError error);
  static Stored receive_object(Buffer body, std::vector<Buffer> frames, std::string shm,
                               store::Layout layout, bool take_ownership);
  void ask_next_holder(std::uint64_t object);
  void start(net::RunItem item);
  void launch(net::RunItem item);
  void manage_memory();
  void expire_deadlines();
  void fail(std::uint64_t task, std::string type, std::string message, const std::string& name);
  void drain_completions();
  void flush();
  zmq::socket_t& peer_socket(std::uint32_t peer);

  Options options_;
  std::string label_;  // "worker-ID@host" once welcomed
  std::uint32_t id_ = 0;
  zmq::socket_t scheduler_;
  zmq::socket_t data_;
  std::string data_address_;
  int wake_fd_;
  bool stop_ = false;
  int exit_code_ = 0;
  Clock::time_point last_heard_ = Clock::now();

  ObjectStore objects_;
  // Tasks whose inputs are here, in arrival order, waiting (in waiting_, with nothing
  // missing) while the worker is paused near its memory limit.
  std::deque<std::uint64_t> ready_;
  bool paused_ = false;
  std::uint64_t resident_ = 0;  // the process's resident bytes when last read
  std::unordered_map<std::uint64_t, Pending> waiting_;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> needed_by_;
  std::unordered_map<std::uint64_t, Fetching> fetching_;
  std::unordered_map<std::uint64_t, detail::StatePtr<TaskRunner>> running_;
  std::unordered_set<std::uint64_t> discard_;  // cancelled or timed out while running
  struct Deadline {
    Clock::time_point at;
    std::uint64_t task = 0;
    double seconds = 0;
    std::string name;
  };
  std::vector<Deadline> deadlines_;  // of running tasks with a timeout
  std::unordered_map<std::uint32_t, Peer> peers_;
  std::unordered_map<std::uint64_t, std::shared_ptr<ActorMailbox>> actors_;
  CompletionQueue completions_;
  net::Assembler assembler_;  // objects arriving in chunks from peers

  // Outgoing batches, sent at the end of each loop turn.
  net::Finished finished_;
  net::Failed failed_;
  net::Ids replicated_;
  std::unordered_map<std::uint32_t, std::vector<std::uint64_t>> fetches_;
};

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
  detail::set_worker_scheduler(options_.scheduler);
  scheduler_.connect(options_.scheduler);
  label_ = options_.name.empty() ? "worker-" + std::to_string(getpid()) + "@" + net::host_name()
                                 : options_.name;
}

int Worker::run(const std::atomic<bool>* stop) {
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
      manage_memory();
      if (!deadlines_.empty()) expire_deadlines();
      flush();
      const auto now = Clock::now();
      if (now >= next_heartbeat) {
        net::send(scheduler_, "", net::Kind::kHeartbeat, net::Empty{});
        next_heartbeat = now + std::chrono::milliseconds(500);
      }
      if (stop != nullptr && stop->load()) {
        net::send(scheduler_, "", net::Kind::kGoodbye, net::Empty{});
        scheduler_.set(zmq::sockopt::linger, 1000);  // delivered before the process exits
        stop_ = true;
      }
      if (now - last_heard_ > std::chrono::duration<double>(options_.lost_after)) {
        std::fprintf(stderr, "weft %s: lost the scheduler at %s; exiting\n", label_.c_str(),
                     options_.scheduler.c_str());
        exit_code_ = 3;
        stop_ = true;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "weft %s: %s\n", label_.c_str(), e.what());
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
        id_ = net::payload<net::Welcome>(parts).id;
        if (options_.name.empty())
          label_ = "worker-" + std::to_string(id_) + "@" + net::host_name();
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
        std::fprintf(stderr, "weft %s: ignored unexpected %s message from the scheduler\n",
                     label_.c_str(), net::to_string(kind));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft %s: dropped a bad message from the scheduler: %s\n", label_.c_str(),
                 e.what());
  }
}

void Worker::on_run(net::Run& run) {
  for (net::RunItem& item : run.tasks) {
    Pending p;
    for (const net::Location& dep : item.deps) {
      if (objects_.contains(dep.id)) continue;
      ++p.missing;
      needed_by_[dep.id].push_back(item.id);
      if (fetching_.count(dep.id) == 0) {
        fetching_[dep.id] = Fetching{dep.holders, 0};
        if (dep.holders.empty()) {
          ask_next_holder(dep.id);  // fails the tasks: nowhere to fetch from
        } else {
          fetches_[dep.holders[0]].push_back(dep.id);
        }
      }
    }
    if (p.missing == 0) {
      start(std::move(item));
    } else {
      const std::uint64_t id = item.id;
      p.item = std::move(item);
      waiting_.emplace(id, std::move(p));
    }
  }
}

// Launches the task, or queues it while the worker is paused (or others queued before it).
void Worker::start(net::RunItem item) {
  if (objects_.managed() && (paused_ || !ready_.empty())) {
    const std::uint64_t id = item.id;
    ready_.push_back(id);
    waiting_.emplace(id, Pending{std::move(item), 0});
    return;
  }
  launch(std::move(item));
}

void Worker::launch(net::RunItem item) {
  const std::string& fname = item.call.function;
  const detail::RemoteFunction* fn = detail::find_function(fname);
  if (fn == nullptr || fn->invoke == nullptr) {
    fail(item.id, "weft::ConfigError",
         "function '" + fname + "' is not registered with WEFT_REMOTE in this worker's " +
             "program; start workers from the program's own binary, or load the library " +
             "that registers it (weft worker --load LIB)",
         item.call.name);
    return;
  }
  if (fn->signature != item.call.signature) {
    fail(item.id, "weft::SerdeError",
         "the caller's declaration of '" + fname +
             "' has other argument or result types than this worker's (built from other " +
             "code?)",
         item.call.name);
    return;
  }
  if (objects_.limit() > 0) {  // before reloading spilled inputs that cannot fit anyway
    std::uint64_t inputs = 0;
    for (const net::Arg& a : item.call.args) {
      if (a.ref != 0) inputs += objects_.size_of(a.ref);
      inputs += a.body.size();
      for (const Buffer& f : a.frames) inputs += f.size();
    }
    if (inputs > objects_.limit()) {
      fail(item.id, "weft::MemoryLimitError",
           over_limit_message("inputs", inputs, objects_.limit()), item.call.name);
      return;
    }
  }
  std::vector<serde::Message> args;
  args.reserve(item.call.args.size());
  for (net::Arg& a : item.call.args) {
    if (a.ref == 0) {
      args.push_back(serde::Message{std::move(a.body), std::move(a.frames)});
      continue;
    }
    const Stored* dep = nullptr;
    std::string why = "it is no longer on " + label_;  // freed between its fetch and now
    try {
      dep = objects_.get(a.ref);
    } catch (const Error& e) {
      why = e.what();
    }
    if (dep == nullptr) {  // the task fails alone
      fail(item.id, "weft::Error", "dependency " + std::to_string(a.ref) + ": " + why,
           item.call.name);
      return;
    }
    args.push_back(dep->message);
  }
  if (item.call.timeout > 0) {
    deadlines_.push_back(
        Deadline{Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(item.call.timeout)),
                 item.id, item.call.timeout, item.call.name});
  }
  auto* task = new TaskRunner(item.id, fn, std::move(item.call.name), label_, std::move(args),
                              completions_, objects_.limit());
  task->retain();  // running_'s reference; the pool owns the first
  running_.emplace(item.id, detail::StatePtr<TaskRunner>(task));
  detail::backend().schedule(task);
}

// Spills and pauses per ObjectStore's thresholds, then starts queued tasks as memory allows.
// Resident memory is read every loop turn (a read of /proc/self/statm costs microseconds,
// paid only with a limit), and again after a spill, which frees segments at once. A
// paused worker with no task running still starts one at a time: waiting could not lower
// its memory, so a limit below its idle footprint slows it down but never stops it.
void Worker::manage_memory() {
  if (!objects_.managed()) return;
  resident_ = store::resident_bytes();
  if (objects_.relieve(resident_) > 0) resident_ = store::resident_bytes();
  paused_ = objects_.over_pause(resident_);
  while (!ready_.empty() && (!paused_ || running_.empty())) {
    const std::uint64_t id = ready_.front();
    ready_.pop_front();
    auto it = waiting_.find(id);
    if (it == waiting_.end() || it->second.missing > 0) continue;  // stolen or cancelled
    net::RunItem item = std::move(it->second.item);
    waiting_.erase(it);
    launch(std::move(item));
  }
}

// A task past its timeout is reported failed now and its eventual completion dropped: the
// thread cannot be stopped, but the caller (and the scheduler's retry) need not wait.
void Worker::expire_deadlines() {
  const auto now = Clock::now();
  std::erase_if(deadlines_, [&](const Deadline& d) {
    if (running_.count(d.task) == 0 || discard_.count(d.task) > 0) return true;  // finished
    if (now < d.at) return false;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", d.seconds);
    fail(d.task, "weft::TimeoutError",
         std::string("ran longer than its timeout of ") + seconds + " s; " + label_ +
             " stopped waiting for it (its thread stays busy until it returns)",
         d.name);
    discard_.insert(d.task);
    return true;
  });
}

void Worker::fail(std::uint64_t task, std::string type, std::string message,
                  const std::string& name) {
  failed_.failures.push_back(
      net::Failure{task, net::RemoteError{std::move(type), std::move(message), name, label_}});
}

void Worker::drain_completions() {
  std::vector<Completion> done = completions_.take();
  // Before the factories' results are reported: a caller can only learn where an actor is
  // from that result, so the actor is in the table before any call for it can arrive.
  for (auto& [id, instance] : take_adopted()) {
    actors_[id] = std::make_shared<ActorMailbox>(id, std::move(instance), label_, completions_);
  }
  for (Completion& c : done) {
    running_.erase(c.id);
    if (c.actor != 0) {
      finish_actor_call(c);
      continue;
    }
    if (discard_.erase(c.id) > 0) continue;
    if (c.ok) {
      const std::uint64_t nbytes = c.value.total_bytes();
      objects_.put(c.id, Stored{std::move(c.value), std::move(c.shm), std::move(c.layout)});
      finished_.results.push_back(net::Result{c.id, nbytes, c.duration});
    } else {
      failed_.failures.push_back(net::Failure{c.id, std::move(c.error)});
    }
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
          std::fprintf(stderr, "weft %s: %s\n", label_.c_str(), e.what());
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
        }
      }
      net::send_objects(data_, from, std::move(reply));
    } else if (kind == net::Kind::kPutObject) {
      auto put = net::payload<net::PutObject>(parts);
      try {
        objects_.put(put.id, receive_object(std::move(put.body), std::move(put.frames),
                                            std::move(put.shm), std::move(put.layout), true));
      } catch (const Error& e) {  // a segment this process cannot map: tell the client
        std::fprintf(stderr, "weft %s: refused put %llu: %s\n", label_.c_str(),
                     static_cast<unsigned long long>(put.id), e.what());
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
      std::fprintf(stderr, "weft %s: ignored unexpected %s message on the data port\n",
                   label_.c_str(), net::to_string(kind));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft %s: dropped a bad message on the data port: %s\n", label_.c_str(),
                 e.what());
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
    std::fprintf(stderr, "weft %s: dropped a bad message from worker %u: %s\n", label_.c_str(),
                 peer, e.what());
  }
}

void Worker::on_objects(std::uint32_t, net::Objects& objects) {
  for (net::Object& o : objects.objects) {
    if (fetching_.count(o.id) == 0) continue;  // already here, or no longer needed
    if (!o.chunked.empty()) {
      assembler_.start(std::move(o));  // on_peer calls back with it whole
      continue;
    }
    if (!o.found) {
      ask_next_holder(o.id);
      continue;
    }
    Stored stored;
    try {
      stored = receive_object(std::move(o.body), std::move(o.frames), std::move(o.shm),
                              std::move(o.layout), false);
    } catch (const Error& e) {  // freed between the answer and the mapping
      ask_next_holder(o.id);
      continue;
    }
    fetching_.erase(o.id);
    objects_.put(o.id, std::move(stored));
    replicated_.ids.push_back(o.id);
    auto users = needed_by_.extract(o.id);
    if (users.empty()) continue;
    for (std::uint64_t t : users.mapped()) {
      auto it = waiting_.find(t);
      if (it == waiting_.end() || --it->second.missing > 0) continue;
      net::RunItem item = std::move(it->second.item);
      waiting_.erase(it);
      start(std::move(item));
    }
  }
}

// Asks the next holder of `object`, or fails the tasks waiting for it when none is left.
void Worker::ask_next_holder(std::uint64_t object) {
  Fetching& f = fetching_[object];
  while (++f.next < f.holders.size()) {
    if (peers_.count(f.holders[f.next]) > 0) {
      fetches_[f.holders[f.next]].push_back(object);
      return;
    }
  }
  fetching_.erase(object);
  auto users = needed_by_.extract(object);
  if (users.empty()) return;
  for (std::uint64_t t : users.mapped()) {
    auto it = waiting_.find(t);
    if (it == waiting_.end()) continue;
    fail(
        t, "weft::Error",
        "dependency " + std::to_string(object) + " could not be fetched from any worker holding it",
        it->second.item.call.name);
    waiting_.erase(it);
  }
}

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
  net::send(data_, to, net::Kind::kActorReply, reply);
}

// A received object; one whose frames are in another process's segment keeps the segment
// mapped (its name may be unlinked meanwhile: the mapping stays valid).
Stored Worker::receive_object(Buffer body, std::vector<Buffer> frames, std::string shm,
                              store::Layout layout, bool take_ownership) {
  if (shm.empty()) return Stored{serde::Message{std::move(body), std::move(frames)}, {}, {}};
  std::vector<Buffer> mapped = store::map_shared(shm, layout, take_ownership);
  if (!take_ownership) shm.clear(), layout.clear();
  return Stored{serde::Message{std::move(body), std::move(mapped)}, std::move(shm),
                std::move(layout)};
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

zmq::socket_t& Worker::peer_socket(std::uint32_t peer) {
  Peer& p = peers_.at(peer);
  if (!p.data) {
    p.data = std::make_unique<zmq::socket_t>(net::make_socket(zmq::socket_type::dealer));
    p.data->connect(p.info.data_address);
  }
  return *p.data;
}

}  // namespace

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
