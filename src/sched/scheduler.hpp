// Scheduler: the decision logic of the distributed runtime, as a pure state machine.
//
// Events in, actions out: handle(event, out) updates the state and appends to `out` what
// must be done. There are no sockets, threads or clocks inside (time arrives with
// events), so the scheduler process wraps it with a transport, tests drive it with event
// sequences, and sched::Simulator runs it against thousands of virtual workers.
//
// Tasks move through Dask's states (types.hpp, TaskState). The policies, each detailed at
// the code that applies it:
//  - Placement (placement.cpp). A ready task goes to the candidate worker with the
//    earliest estimated start: occupancy / nthreads + bytes of dependencies it lacks /
//    bandwidth. Candidates: the workers holding its dependencies, plus every worker with a
//    free slot when there are few (Config::consider_all_below), else a seeded sample of
//    them (skipped when a holder already starts as soon as any non-holder could). O(deps +
//    sample) per decision, never O(workers).
//  - No overproduction. A worker is assigned at most ceil(cpus * saturation) slots of tasks
//    (cpus defaults to nthreads, saturation to 1.0), plus Config::locality_slack (1) more
//    for tasks whose dependencies it holds: root tasks never exceed one per thread, and a
//    dependent may wait on the worker that has its data rather than in the queue. What no
//    worker can take waits in the scheduler's queue, by priority, handed out as slots free.
//  - Priorities: depth first. A finished task's dependents are placed before the queue is
//    looked at, and the queue is ordered by (priority, submission order), so a chain runs
//    to its end before the next one starts and intermediate results are freed early.
//  - Resources (resources.cpp): requests are interned into classes; a task is placed only
//    where its class fits what the worker has free. A request no worker can satisfy waits
//    in the queue until such a worker joins.
//  - Stealing (stealing.cpp): a worker with an idle thread and nothing queued for it asks a
//    worker that has more tasks assigned than threads for its lowest-priority one, when
//    that task would start sooner on the thief counting the transfer.
//  - Memory: an object lives while the client wants it or a task still to run needs it;
//    then FreeObject goes to every holder. Records stay while a dependent might need them
//    to recompute (lineage), and are forgotten after.
//  - Recovery (workers.cpp): a dead worker's tasks go back to be placed elsewhere; objects
//    that lived only there and are still needed are recomputed from their lineage,
//    transitively. Failed tasks are retried, then erred with their dependents.
//
// Determinism: the same event sequence gives the same actions. Nothing iterates a hash
// container; sampling uses a PRNG seeded from Config::seed.
//
// Cost: O(1) amortized per event plus O(dependencies) per task placed or finished, and
// O(classes of resource request) per change of a worker's load.
//
// Not thread-safe: one thread drives it (the scheduler process's event loop).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sched/containers.hpp"
#include "sched/id_index.hpp"
#include "sched/id_map.hpp"
#include "sched/state.hpp"
#include "sched/types.hpp"

namespace weft::sched {

struct Config {
  // Slots per offered cpu: a worker is assigned at most ceil(cpus * saturation) cpus' worth
  // of tasks (plus the locality slack). 1.0: one task per thread, nothing waits on a worker
  // that could run elsewhere. REQUIRES: > 0.
  double saturation = 1.0;
  // Extra slots a worker accepts for tasks whose dependencies it holds. The worker then has
  // its next task at hand when one finishes, and a dependent runs where its data is rather
  // than waiting in the queue to be handed to whichever worker frees up first.
  std::uint32_t locality_slack = 1;
  // Bytes per second between workers, to weigh moving data against waiting.
  double bandwidth = 100e6;
  // Estimated seconds for a task whose prefix has no measurement and no hint.
  double default_duration = 0.5;
  // Weight of the newest measurement in a prefix's running (exponential) average.
  double duration_alpha = 0.5;
  // Placement considers every worker with a free slot while there are at most this many;
  // beyond, a sample of sample_size of them.
  std::uint32_t consider_all_below = 32;
  std::uint32_t sample_size = 4;
  // At most this many holders per dependency are scanned by placement and listed in RunTask
  // (at most HolderList::kMaxHolders).
  std::uint32_t max_holders_listed = HolderList::kMaxHolders;
  // A task assigned to this many workers that died, plus its retries left, is erred (Dask's
  // allowed-failures): it probably kills them.
  std::uint32_t allowed_losses = 3;
  bool stealing = true;
  // Workers with free slots that a Tick lets look for work to steal.
  std::uint32_t steals_per_tick = 16;
  std::uint64_t seed = 42;
  // Queue short tasks beyond a worker's slots while its assigned work is estimated below
  // this many seconds per thread (0: never), at most pipeline_depth tasks per thread. Hides
  // the scheduler round trip for tasks much shorter than it; see resources.cpp.
  double pipeline_seconds = 0;
  std::uint32_t pipeline_depth = 256;
  // Emit TaskForgotten when a record is dropped (the scheduler process keeps payloads).
  bool report_forgotten = false;
};

struct Stats {
  std::uint64_t events = 0;
  std::uint64_t actions = 0;
  std::uint64_t placements = 0;  // RunTask actions
  std::uint64_t steal_requests = 0;
  std::uint64_t steals_confirmed = 0;
  std::uint64_t retries = 0;
  std::uint64_t recomputations = 0;  // released tasks brought back to rebuild lost objects
  std::uint64_t workers_lost = 0;    // WorkerLeft events of joined workers
  std::uint64_t reassigned = 0;      // tasks taken back from a lost worker and placed again
  std::uint64_t ignored_events = 0;  // stale or invalid (unknown ids, duplicate submissions)
  std::uint64_t tasks = 0;           // records alive
  std::uint64_t queued = 0;          // tasks in kQueued
  std::uint64_t processing = 0;      // tasks in kProcessing
  std::uint64_t objects = 0;         // tasks in kMemory
  std::uint64_t peak_objects = 0;
  std::uint64_t bytes = 0;  // of objects in memory, counting each once
  std::uint64_t peak_bytes = 0;
};

// A worker as the scheduler sees it (for tests and dashboards).
struct WorkerView {
  std::uint32_t nthreads = 0;
  double cpus_used = 0;  // requests of assigned tasks, and of steals in flight to it
  std::uint32_t processing = 0;
  double occupancy = 0;  // estimated seconds of assigned work
  std::uint64_t objects = 0;
  std::uint64_t bytes_held = 0;
};

class Scheduler {
 public:
  explicit Scheduler(Config config = {});
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler();

  // Applies `event`, appending the actions it causes to `out` (never cleared here).
  // Invalid or stale events (unknown ids, a finish from a worker the task is no longer on)
  // change nothing but Stats::ignored_events, and may free what a worker holds in vain.
  void handle(const Event& event, std::vector<Action>& out);
  void handle(const ClientSubmit& e, std::vector<Action>& out);
  void handle(const ClientPut& e, std::vector<Action>& out);
  void handle(const ClientRelease& e, std::vector<Action>& out);
  void handle(const ClientCancel& e, std::vector<Action>& out);
  void handle(const WorkerJoined& e, std::vector<Action>& out);
  void handle(const WorkerLeft& e, std::vector<Action>& out);
  void handle(const TaskFinished& e, std::vector<Action>& out);
  void handle(const TaskFailed& e, std::vector<Action>& out);
  void handle(const ObjectReplicated& e, std::vector<Action>& out);
  void handle(const ObjectDropped& e, std::vector<Action>& out);
  void handle(const StealConfirmed& e, std::vector<Action>& out);
  void handle(const StealRejected& e, std::vector<Action>& out);
  void handle(const Tick& e, std::vector<Action>& out);

  // A hint for event loops that can look ahead (a batch of received messages, the
  // simulator's next completions): starts loading the record of the task an event will
  // be about (`handle`, from RunTask or DepLocation), so that the memory latency overlaps
  // other work. Changes nothing. Called again for the same handle with a greater depth,
  // once the record has had time to arrive, it loads what finishing that task touches
  // next: at depth 1 its worker's record and its dependencies' and dependents' records,
  // at depth 2 where the copies of dependencies it is the last to need are listed.
  void prefetch(Handle handle, int depth = 0) const noexcept;

  TaskState state(TaskId task) const;
  // The worker a kProcessing task is assigned to.
  std::optional<WorkerId> assigned_to(TaskId task) const;
  // Workers holding the object (the producer first, unless copies were dropped since);
  // empty unless kMemory.
  std::vector<WorkerId> holders(TaskId task) const;
  std::optional<WorkerView> worker(WorkerId worker) const;
  std::uint32_t workers() const { return alive_workers_; }
  // Current estimate for tasks of `prefix`, in seconds.
  double estimated_duration(std::string_view prefix) const;
  const Stats& stats() const { return stats_; }
  // Bytes of the scheduler's own containers (records, maps, queues), an estimate.
  std::size_t memory_bytes() const;
  // Walks every record and reports the first broken invariant, or "" when all hold.
  // O(tasks + workers): for tests.
  std::string check_invariants() const;

 private:
  using TaskRec = detail::TaskRec;
  using WorkerRec = detail::WorkerRec;

  // Every handle() is begin(); on(event); end(). end() hands out freed slots (pull, steal).
  void begin(std::vector<Action>& out);
  void end();
  void on(const ClientSubmit& e);
  void on(const ClientPut& e);
  void on(const ClientRelease& e);
  void on(const ClientCancel& e);
  void on(const WorkerJoined& e);
  void on(const WorkerLeft& e);
  void on(const TaskFinished& e);
  void on(const TaskFailed& e);
  void on(const ObjectReplicated& e);
  void on(const ObjectDropped& e);
  void on(const StealConfirmed& e);
  void on(const StealRejected& e);
  void on(const Tick& e);

  // Records (scheduler.cpp).
  TaskRec& task(std::uint32_t x) { return tasks_[x]; }
  const TaskRec& task(std::uint32_t x) const { return tasks_[x]; }
  std::uint32_t find_task(TaskId id) const;
  // The record named by `hint` if it is id's, else find_task(id).
  std::uint32_t find_task(TaskId id, Handle hint) const;
  std::uint32_t find_worker(WorkerId id) const;
  void index_worker(WorkerId id, std::uint32_t w);
  void unindex_worker(WorkerId id);
  // Records x as a dependent of d.
  void add_dependent(std::uint32_t d, std::uint32_t x);
  bool valid(detail::Edge e) const;
  std::uint32_t new_task(TaskId id);
  template <class A>
  void emit(A&& action) {
    out_->emplace_back(std::in_place_type<std::decay_t<A>>, std::forward<A>(action));
  }

  // Transitions (transitions.cpp).
  void activate(std::uint32_t x);
  void activate_one(std::uint32_t x);
  void make_ready(std::uint32_t x);
  void finish(std::uint32_t x, std::uint32_t w, std::uint64_t nbytes, bool notify = true);
  void stop(std::uint32_t x, TaskState to);
  void unneeded(std::uint32_t d);
  void fail(std::uint32_t x, const std::shared_ptr<const detail::ErrorInfo>& error);
  void cancel(std::uint32_t x);
  void release_object(std::uint32_t x);
  void maybe_forget(std::uint32_t x);
  void forget(std::uint32_t x);
  bool forgettable(const TaskRec& t) const;
  static bool needed(const TaskRec& t);
  static bool computing(TaskState s);
  void add_holder(std::uint32_t x, std::uint32_t w);
  std::uint32_t replica_of(std::uint32_t x, std::uint32_t w) const;
  bool holds(std::uint32_t x, std::uint32_t w) const;
  void remove_holder(std::uint32_t x, std::uint32_t i);
  static constexpr std::uint32_t kAhead = 8;  // loop iterations between prefetch stages
  void prefetch_copy(detail::Replica r, int stage) const;
  // Both cache lines a task record may straddle.
  static void prefetch_record(const TaskRec& t) {
    __builtin_prefetch(&t);
    __builtin_prefetch(reinterpret_cast<const char*>(&t) + sizeof(TaskRec) - 1);
  }
  void prefetch_frees(const detail::SmallVec<std::uint32_t, 2>& deps, std::uint32_t i) const;
  void drop_from_worker(std::uint32_t w, std::uint32_t pos);

  // Placement (placement.cpp).
  std::uint32_t decide_worker(std::uint32_t x);
  void assign(std::uint32_t x, std::uint32_t w);
  void unassign(std::uint32_t x);
  void enqueue(std::uint32_t x);
  void pull(std::uint32_t w);
  void mark_dirty(std::uint32_t w);
  void drain_dirty();
  double estimate(std::uint32_t prefix) const;
  RunTask make_run_task(std::uint32_t x, std::uint32_t w) const;

  // Resources (resources.cpp).
  std::uint16_t intern_class(const Resources& request);
  std::uint32_t intern_name(const std::string& name);
  std::uint32_t intern_prefix(const std::string& prefix, double hint);
  bool eligible(const WorkerRec& w, std::uint16_t cls) const;
  bool can_take(const WorkerRec& w, std::uint16_t cls, std::uint32_t slack) const;
  bool pipelining(const WorkerRec& w) const;
  void hold(WorkerRec& w, std::uint16_t cls, float est);
  void unhold(WorkerRec& w, std::uint16_t cls, float est);
  void refresh(std::uint32_t w);

  // Workers joining and leaving, objects lost (workers.cpp).
  void lose_objects(const std::vector<std::uint32_t>& lost);
  void worker_left(std::uint32_t w);

  // Stealing (stealing.cpp).
  void try_steal(std::uint32_t thief);
  void cancel_steal(std::uint32_t x);
  std::uint32_t pending_steal(WorkerId victim, TaskId id);
  static bool has_idle_thread(const WorkerRec& w);

  Config config_;
  std::vector<Action>* out_ = nullptr;
  Stats stats_;

  detail::ChunkedVec<TaskRec> tasks_;
  std::vector<std::uint32_t> free_tasks_;
  detail::IdIndex task_index_;
  std::uint64_t next_seq_ = 0;

  std::vector<WorkerRec> workers_;
  std::vector<std::uint32_t> free_workers_;
  // WorkerId -> record: a table for ids below kWorkerTable (servers number workers from 0:
  // every report names its worker, and a hash lookup was 2% of the simulation), the map
  // beyond.
  static constexpr WorkerId kWorkerTable = 1u << 22;
  std::vector<std::uint32_t> worker_table_;
  detail::IdMap worker_index_;
  std::uint32_t alive_workers_ = 0;

  // Per resource class: the request, the ready tasks, how many of its queue entries are
  // live, and the workers that could take one more such task right now. Invariant after
  // every event: a class's queue is empty or no worker can take its tasks.
  std::vector<detail::ResourceClass> classes_;
  std::map<detail::ResourceClass, std::uint16_t> class_index_;
  std::vector<detail::ReadyQueue> queues_;
  std::vector<std::uint64_t> queued_;
  std::vector<detail::IndexedSet> ready_workers_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> name_index_;  // lookups only

  std::vector<detail::PrefixStat> prefixes_;
  std::vector<std::string> prefix_names_;
  std::unordered_map<std::string, std::uint32_t> prefix_index_;  // lookups only
  std::uint32_t last_prefix_ = 0;  // the prefix interned last (when prefixes_ is not empty)

  // Objects with more than kHolderScan copies (a broadcast input may be on every worker):
  // a bit per worker record, so that asking whether a worker holds one is not a scan of
  // thousands of copies, nor of a worker's thousands of objects (lookups only).
  static constexpr std::uint32_t kHolderScan = 16;
  std::unordered_map<std::uint32_t, std::vector<std::uint64_t>> holder_bits_;
  // Erred tasks' errors, by record (lookups only). Shared: one failure errs many dependents.
  std::unordered_map<std::uint32_t, std::shared_ptr<const detail::ErrorInfo>> errors_;
  // The workers that died while a task was assigned to them, for the error that names them
  // once allowed_losses is reached. Only tasks that lost a worker have an entry.
  std::unordered_map<std::uint32_t, std::vector<WorkerId>> died_on_;
  // Steals in flight: task record -> thief (kNone once the thief left). Ordered, so a
  // departing thief's steals are visited deterministically.
  std::map<std::uint32_t, std::uint32_t> steals_;
  detail::IndexedSet backlogged_;  // workers assigned more tasks than they have threads

  std::vector<std::uint32_t> dirty_;  // workers to pull work for at the end of the event
  std::size_t actions_before_ = 0;

  // Scratch space and worklists, kept to avoid allocating per event. The transitions that
  // cascade (stopping, erring, forgetting) use worklists, not recursion: a chain can be
  // ten million tasks long.
  std::vector<std::uint32_t> deps_scratch_;
  std::vector<std::uint32_t> cands_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> walk_;
  std::vector<std::uint32_t> order_;
  std::vector<std::uint32_t> cascade_;
  std::vector<std::uint32_t> lost_;
  std::vector<std::pair<std::uint32_t, TaskState>> stop_stack_;
  bool stopping_ = false;
  std::vector<std::uint32_t> forget_stack_;
  bool forgetting_ = false;
  std::uint64_t stamp_ = 0;
  detail::Rng rng_;
};

}  // namespace weft::sched
