// The worker process's state and its handlers, split by job over worker.cpp (the loop,
// the scheduler's and peers' messages), worker_tasks.cpp (starting tasks, memory, timeouts,
// completions), worker_fetch.cpp (objects from peers) and worker_actors.cpp (actor calls).
// Everything here runs on the worker's I/O thread except where noted.
#pragma once

#include <malloc.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "client/cluster.hpp"
#include "net/chunks.hpp"
#include "net/direct.hpp"
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
#include "worker/worker.hpp"

namespace weft::worker {

using Clock = std::chrono::steady_clock;

// Seconds since the Unix epoch: timestamps that processes on one host agree on.
inline double wall_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
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
    double asked = 0;      // wall_time() when that holder was asked
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
  void send_metrics();
  void flush();
  zmq::socket_t& peer_socket(std::uint32_t peer);
  // Direct same-node links for actor calls (worker_direct.cpp).
  struct DirectLink {
    std::unique_ptr<net::DirectChannel> channel;
    std::unique_ptr<net::DirectServerHandshake> handshake;  // until the client proved the key
  };
  void open_direct();
  // Adds the listener and the links to `items`; on_direct_events takes those items back.
  void poll_direct(std::vector<zmq::pollitem_t>& items);
  void on_direct_events(std::span<const zmq::pollitem_t> items);
  void read_direct(std::uint64_t id);
  void drop_direct(std::uint64_t id, const std::string& why);  // why empty: the client left
  // Sends `reply` over the direct link `to` names; false when `to` is a ZeroMQ routing id.
  bool send_direct(const std::string& to, net::Kind kind, const net::ActorReply& reply);

  Options options_;
  std::string label_;  // its name: --name, else "worker-PID@host"
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
  // For the scheduler's dashboard: objects fetched from peers since the last sample, and
  // bytes served so far.
  std::vector<net::Transfer> transfers_;
  std::uint64_t sent_bytes_ = 0;
  std::unordered_map<std::uint32_t, std::vector<std::uint64_t>> fetches_;

  std::unique_ptr<net::DirectListener> direct_;  // null: calls come over ZeroMQ only
  std::unordered_map<std::uint64_t, DirectLink> direct_links_;
  std::vector<std::uint64_t> direct_polled_;  // the links in the last poll's items, in order
  std::uint64_t direct_count_ = 0;
};

}  // namespace weft::worker
