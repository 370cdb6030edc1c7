// Cluster: the client inside the user's program when the runtime is processes or connect.
//
// remote() and put() hand calls and objects to it (include/weft/detail/remote_submit.hpp);
// one I/O thread owns every socket: a DEALER to the scheduler for submissions and
// notifications, and a DEALER per worker to fetch results from (and store put() objects
// on) that worker's data ROUTER, so values never pass through the scheduler. Program threads
// only append to an outbox and wake the I/O thread through an eventfd, once per batch.
//
// A Ref's state (RemoteValue) completes when its value has arrived here: results up to
// kEagerFetchBytes are fetched as soon as the scheduler reports them done; larger ones
// when someone waits on them (get, wait, as_completed), so a big intermediate object that
// the program only passes to other tasks never travels to the client.
//
// Tasks that are not remote calls (the per-node work of delayed graphs and parallel_map,
// which do not travel yet) run on a local thread pool, as on the threads runtime.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "exec/thread_pool.hpp"
#include "net/chunks.hpp"
#include "net/direct.hpp"
#include "net/protocol.hpp"
#include "store/shared_memory.hpp"
#include "weft/detail/actor_registry.hpp"
#include "weft/detail/backend.hpp"
#include "weft/detail/remote_submit.hpp"

namespace weft {
struct ActorOptions;
}  // namespace weft

namespace weft::detail {

class Cluster;
// Registers (or forgets) a client as alive, for the releases of Refs that outlive it.
void cluster_alive(Cluster* cluster, bool alive);
// Where a worker process's own client connects (set by the worker).
void set_worker_scheduler(const std::string& address);
// The client for actor calls: the runtime's, or in a worker process one of its own.
Cluster* actor_cluster();
// Closes a worker process's own client (before its ZeroMQ context is terminated).
void reset_worker_client();

class Cluster final : public Backend {
 public:
  struct Options {
    std::string address;          // the scheduler, e.g. "tcp://10.0.0.1:8786"
    std::size_t min_workers = 0;  // connect() waits until this many have joined
    double timeout = 10;          // seconds, for connecting and for min_workers
    int local_threads = 0;        // for local tasks; 0: one per core
  };
  static constexpr std::uint64_t kEagerFetchBytes = 1 << 20;

  // Connects and says hello; waits for the scheduler's welcome and for min_workers workers.
  // Throws ConfigError for a malformed address, Error when the scheduler does not answer
  // or too few workers join within the timeout.
  explicit Cluster(const Options& options);
  // Says goodbye and stops the I/O thread. States still pending fail with an Error.
  ~Cluster() override;

  // Asks the scheduler to stop itself and every worker (the local cluster's shutdown).
  void shutdown_cluster();

  void schedule(TaskState* task) noexcept override;
  void wait(TaskState& state) noexcept override;
  bool help_one() noexcept override { return false; }
  int concurrency() const noexcept override;
  std::string worker_name() const override { return "client"; }

  // `actor`: the task constructs an actor with these options (its route is made in the
  // same batch, so that it exists when the task's result arrives).
  void submit(TaskState& state, const RemoteFunction& fn, const TaskOptions& options,
              std::vector<CallArg> args, const ActorOptions* actor = nullptr);
  void put(TaskState& state, serde::Message value);
  void release(std::uint64_t id) noexcept;
  void cancel(std::uint64_t id) noexcept;
  // Fetches the object now if it is done and not fetched yet (values over kEagerFetchBytes).
  void want(std::uint64_t id) noexcept;

  // Actors (actors.cpp). `actor` is the id of the task that constructs it.
  // A handle received from elsewhere (a task argument): calls go to `address`.
  void actor_attached(std::uint64_t actor, const std::string& address);
  void actor_call(std::uint64_t actor, TaskState& result, const ActorMethod& method,
                  std::vector<serde::Message> args);
  void actor_kill(std::uint64_t actor);
  // The actor registered under `name`; actor == 0 when none. Blocks for the scheduler.
  net::NamedActor lookup_actor(const std::string& name);

 private:
  struct Entry {
    TaskState* state = nullptr;  // one reference, dropped when the entry goes
    RemoteObject* object = nullptr;
    std::uint32_t worker = 0;  // where the value is, once done
    std::uint64_t nbytes = 0;
    bool located = false;
    bool fetching = false;
    bool wanted = false;
    std::uint64_t actor = 0;  // for an actor call's result: the actor
    bool sent = false;        // an actor call: sent to the actor's worker (not waiting)
  };
  struct Put {
    std::uint64_t id = 0;
    serde::Message value;
    std::string shm;  // the value's frames are in this segment (large values)
    std::vector<std::pair<std::uint64_t, std::uint64_t>> layout;
    std::uint32_t worker = 0;
    bool done = false;
    std::string error;
  };
  struct Peer {
    net::WorkerInfo info;
    std::unique_ptr<zmq::socket_t> data;  // connected on first use
    // Actor calls to a worker on this node go over a direct link (net/direct.hpp), made
    // before the first one is sent so that one client's calls to it never take two ways.
    std::unique_ptr<net::DirectChannel> direct;
    bool direct_tried = false;
  };
  struct Lookup {
    std::string name;
    bool done = false;
    net::NamedActor result;
  };
  // Where an actor's calls go. Until its factory task has delivered the address, calls wait.
  struct ActorRoute {
    std::uint32_t worker = 0;
    bool known = false;
    bool dead = false;    // its worker left, or its factory failed: calls fail at once
    std::string address;  // once known, for resolving it when its worker joins later
    std::string name;     // registered with the scheduler once known
    std::vector<net::ActorCall> waiting;  // call == 0: a kill
    // Restarts: the factory task to submit again, and the id the worker knows the current
    // instance by (its factory task's id; 0: the actor's own id).
    int restarts_left = 0;
    std::shared_ptr<const net::TaskSpec> factory;
    std::uint64_t target = 0;
    StatePtr<TaskState> restarted;  // the latest factory's result (its address), held
  };
  struct NewActor {
    std::uint64_t id = 0;
    std::string name;
    int max_restarts = 0;
    std::shared_ptr<const net::TaskSpec> factory;
  };
  struct Outbox {
    std::vector<NewActor> new_actors;
    std::vector<std::pair<std::uint64_t, std::string>> attached_actors;  // (id, address)
    std::vector<std::pair<std::uint64_t, net::ActorCall>> actor_calls;   // and kills
    std::vector<Lookup*> lookups;
    std::vector<net::TaskSpec> submits;
    std::vector<std::pair<std::uint64_t, TaskState*>> entries;
    std::vector<std::uint64_t> releases;
    std::vector<std::uint64_t> cancels;
    std::vector<std::uint64_t> wants;
    std::vector<Put*> puts;
    bool shutdown_cluster = false;
  };

  std::uint64_t next_id() noexcept;
  void post(const std::function<void(Outbox&)>& add);
  void io_loop();
  void flush_outbox(Outbox& box);
  void on_scheduler_message(std::vector<Buffer>& parts);
  void on_data_message(std::uint32_t worker, std::vector<Buffer>& parts);
  void on_workers(const net::Workers& w);
  void on_done(const net::Done& d);
  void on_objects(std::uint32_t worker, const net::Objects& o);
  void on_erred(const net::Erred& e);
  void on_cancelled(const net::Ids& ids);
  void fetch(std::uint64_t id, Entry& e);
  void flush_actors(Outbox& box);
  void on_actor_located(std::uint64_t actor, const serde::Message& address);
  void on_actor_failed(std::uint64_t actor, const std::exception_ptr& error);
  void on_actor_reply(std::uint32_t worker, const net::ActorReply& reply);
  void on_actor_found(const net::NamedActor& found);
  void route_to(std::uint64_t actor, const std::string& address);
  void reroute_actors(const std::vector<std::uint32_t>& left);
  void restart_actor(std::uint64_t actor, ActorRoute& route);
  void send_actor_call(ActorRoute& route, net::ActorCall call);
  // The worker's direct link, made on first use; null when calls to it go over ZeroMQ.
  net::DirectChannel* direct_link(std::uint32_t worker);
  void on_direct_readable(std::uint32_t worker);
  void drop_direct(Peer& peer, std::uint32_t worker, const std::string& why);  // "": it closed
  void flush_fetches();
  void defer(std::vector<net::PutDone> done, std::vector<std::uint64_t> releases);
  void flush_deferred();
  void fail_entry(std::uint64_t id, std::exception_ptr error);
  void fail_all(const std::string& why);
  void finish_put(Put* p, const std::string& error);
  zmq::socket_t& data_socket(std::uint32_t worker);

  std::string address_;
  double lost_after_ = 10;  // seconds without a word from the scheduler
  std::uint32_t client_number_ = 0;
  std::atomic<std::uint64_t> counter_{0};
  std::atomic<int> threads_total_{0};

  zmq::socket_t scheduler_;
  int wake_fd_ = -1;
  std::thread io_;
  std::atomic<bool> stop_{false};
  // WEFT_DIRECT_ACTORS=0 sends every actor call over ZeroMQ (to compare, or to rule the
  // direct link out).
  bool direct_enabled_ = true;

  mutable std::mutex mu_;
  std::condition_variable cv_;    // welcome, workers joining, puts completing
  Outbox outbox_;                 // guarded by mu_
  bool wake_pending_ = false;     // guarded by mu_
  bool welcomed_ = false;         // guarded by mu_
  std::size_t worker_count_ = 0;  // guarded by mu_
  std::string lost_;              // guarded by mu_: why the scheduler is unreachable

  // I/O thread only.
  std::chrono::steady_clock::time_point last_heard_;
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::unordered_map<std::uint32_t, Peer> peers_;
  std::vector<std::uint32_t> peer_order_;  // for put()'s round robin
  std::size_t next_put_peer_ = 0;
  std::unordered_map<std::uint64_t, Put*> puts_in_flight_;
  std::unordered_map<std::uint32_t, std::vector<std::uint64_t>> fetch_batches_;
  std::unordered_map<std::uint64_t, ActorRoute> actor_routes_;
  std::unordered_map<std::uint64_t, std::uint64_t> restarting_;  // factory task -> actor
  net::Assembler assembler_;                                     // results arriving in chunks
  std::unordered_map<std::string, std::vector<Lookup*>> lookups_;
  // Registrations of actor-call results and releases, sent to the scheduler in batches:
  // one message each would wake the scheduler twice per actor call, on the cores the next
  // call's round trip needs. Sent before any submit (which may name such a result), and
  // at the latest kDeferFor after the first one waited.
  std::vector<net::PutDone> deferred_done_;
  std::vector<std::uint64_t> deferred_releases_;
  std::chrono::steady_clock::time_point flush_deferred_by_ =
      std::chrono::steady_clock::time_point::max();

  std::unique_ptr<exec::ThreadPool> local_;
  std::atomic<exec::ThreadPool*> local_ready_{nullptr};  // local_, once made (for wait)
  int local_threads_ = 0;
  std::once_flag local_once_;
};

}  // namespace weft::detail
