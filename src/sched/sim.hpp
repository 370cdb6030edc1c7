// Simulator: virtual workers that carry out a Scheduler's actions on a virtual clock, to
// test and measure the scheduler at scales no machine here could run for real.
//
// A virtual worker runs up to nthreads tasks at once, starting what it was sent in arrival
// order. A task takes the time the model gives it plus the transfer time of dependencies
// it did not hold (bytes / bandwidth); then the worker reports ObjectReplicated for what it
// fetched and TaskFinished (or TaskFailed). It answers StealRequest with StealConfirmed if
// the task is still waiting in its queue, else StealRejected. A cancelled task that has
// started keeps its thread until it ends, and its result is dropped silently.
//
// Events caused while actions are being carried out (a release on TaskDone, a steal
// answer) are queued and delivered in order after the current ones: the scheduler is never
// re-entered. Everything is deterministic.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sched/radix_queue.hpp"
#include "sched/scheduler.hpp"
#include "sched/types.hpp"

namespace weft::sched {

// What running a task does in the simulation.
struct SimTask {
  double duration = 0.001;   // seconds of compute
  std::uint64_t nbytes = 0;  // output size
  bool fail = false;         // report TaskFailed instead
};

struct SimConfig {
  double bandwidth = 100e6;      // bytes/s for fetching dependencies
  bool report_replicas = true;   // send ObjectReplicated for fetched dependencies
  bool release_on_done = false;  // the client releases each result as soon as it is done
  bool log_actions = false;      // keep every action, in order (log())
  bool log_starts = false;       // keep the order tasks start in (starts())
  // Measure the time spent inside Scheduler::handle (scheduler_seconds()), apart from the
  // simulator's own, with the CPU's time-stamp counter (x86 only; elsewhere 0).
  bool time_scheduler = false;
  // Check the scheduler's invariants after every event, and that RunTask names only
  // holders that really hold the objects. O(tasks) per event: small runs only.
  bool check = false;
};

class Simulator {
 public:
  // Called when a task starts; may count attempts to fail some of them.
  using Model = std::function<SimTask(TaskId)>;

  Simulator(Scheduler& scheduler, Model model, SimConfig config = {});

  void add_worker(WorkerId id, std::uint32_t nthreads, Resources resources = {.cpus = 0},
                  std::uint64_t memory_limit = 0);
  // The worker dies now: what it runs never finishes, what it holds is gone.
  void kill_worker(WorkerId id);
  void submit(const ClientSubmit& e);
  void release(TaskId task);
  void cancel(TaskId task);
  void send(const Event& e);

  // Advances to the next task completion and delivers it. false when nothing is running.
  bool step();
  // Steps until nothing runs.
  void run();
  // Steps through completions due by time t, then sets the clock to t.
  void run_until(double t);
  double now() const { return now_; }

  // RunTask actions received and not yet finished, failed, cancelled or stolen.
  std::uint64_t in_flight() const { return in_flight_; }
  std::uint64_t peak_in_flight() const { return peak_in_flight_; }
  std::uint64_t events() const { return events_; }
  // Seconds spent inside Scheduler::handle, with SimConfig::time_scheduler.
  double scheduler_seconds() const;
  const std::vector<Action>& log() const { return log_; }
  const std::vector<TaskId>& starts() const { return starts_; }
  const std::vector<TaskId>& done() const { return done_; }  // TaskDone order
  const std::vector<TaskErred>& erred() const { return erred_; }
  const std::vector<TaskId>& cancelled() const { return cancelled_tasks_; }
  const std::vector<std::string>& violations() const { return violations_; }

 private:
  static constexpr std::uint32_t kNoList = ~0u;
  // A task sent to a worker, not started yet. `fetched` indexes lists_ (kNoList: none).
  struct Assigned {
    TaskId task;
    double transfer;
    std::uint32_t fetched;
    Handle handle;
  };
  // A dependency fetched from another worker, reported with ObjectReplicated.
  struct Fetched {
    TaskId object;
    Handle handle;
  };
  // A worker. Its running tasks live in running_ only; it just counts them. A
  // completion is valid while its worker's epoch (bumped when the worker dies) is
  // unchanged, and its seq was not cancelled.
  struct VWorker {
    WorkerId id;
    std::uint32_t nthreads;
    std::uint32_t running;
    std::uint32_t epoch;
    bool alive;
    detail::SmallVec<Assigned, 4> queue;  // short (the scheduler does not overproduce)
  };
  // A running task. The heap orders small entries that point into running_, so that
  // sifting touches little memory.
  struct Running {
    TaskId task;
    std::uint32_t worker;
    std::uint32_t epoch;
    std::uint32_t fetched;
    Handle handle;
    SimTask outcome;
  };
  // A queued completion, ordered by (when, seq). It repeats what prefetch_next needs of
  // the running task, so that looking ahead reads only the queue.
  struct Completion {
    // The time's bits, which order as the time does (it is never negative).
    std::uint64_t when;
    std::uint64_t seq;
    std::uint32_t slot;  // in running_
    std::uint32_t worker;
    Handle handle;
  };

  template <class E>
  void deliver(const E& e);
  template <class E>
  void dispatch(const E& e);
  void apply(const Action& a);
  void apply_run(const RunTask& a);
  void try_start(std::uint32_t w);
  bool running_here(const Completion& c) const;
  void prefetch_next() const;
  std::uint32_t index_of(WorkerId id) const;
  VWorker* find(WorkerId id);
  std::uint32_t new_list();
  void free_list(std::uint32_t list);

  Scheduler& scheduler_;
  Model model_;
  SimConfig config_;
  double now_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t in_flight_ = 0;
  std::uint64_t peak_in_flight_ = 0;
  std::uint64_t events_ = 0;
  std::vector<VWorker> workers_;
  // WorkerId -> index in workers_: a flat table for ids below 2^20, a map beyond.
  std::vector<std::uint32_t> small_ids_;
  std::unordered_map<WorkerId, std::uint32_t> worker_index_;  // lookups only
  detail::RadixQueue<Completion> completions_;  // by (when, seq): the clock only advances
  std::vector<Running> running_;                // slots, recycled through free_running_
  std::vector<std::uint32_t> free_running_;
  std::unordered_set<std::uint64_t> cancelled_;  // seqs of running tasks cancelled
  // Fetched dependencies, recycled. Most tasks fetch one: it sits inline, a single miss.
  std::vector<detail::SmallVec<Fetched, 1>> lists_;
  std::vector<std::uint32_t> free_lists_;
  std::vector<std::unordered_set<TaskId>> objects_;  // per worker, with config.check only
  std::vector<Action> actions_;
  std::deque<Event> pending_;
  bool delivering_ = false;
  std::vector<Action> log_;
  std::uint64_t scheduler_ticks_ = 0;
  std::uint64_t first_tick_ = 0;  // and when, by steady_clock, to convert ticks to seconds
  std::chrono::steady_clock::time_point first_time_;
  std::vector<TaskId> starts_;
  std::vector<TaskId> done_;
  std::vector<TaskErred> erred_;
  std::vector<TaskId> cancelled_tasks_;
  std::vector<std::string> violations_;
};

}  // namespace weft::sched
