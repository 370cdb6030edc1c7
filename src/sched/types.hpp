// The scheduler's vocabulary: ids, resource quantities, the events it consumes and the
// actions it emits. All plain values (copyable, comparable, printable), so a test can
// write down the exact actions it expects and a transport can serialize them field by
// field. The scheduler itself is in scheduler.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <limits>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace weft::sched {

// A task and the object it produces share one id: every task has exactly one output.
// Chosen by the client; unique among the tasks the scheduler still knows. kNoTask is
// reserved.
using TaskId = std::uint64_t;
inline constexpr TaskId kNoTask = std::numeric_limits<TaskId>::max();

// A worker process; chosen by whoever starts workers. May be reused after WorkerLeft.
using WorkerId = std::uint32_t;

// Where the scheduler keeps its record of a task, as given in RunTask and DepLocation. An
// event about the task may echo it (TaskFinished, ObjectReplicated) to spare the scheduler
// a lookup by id: at ten million tasks that lookup is a cache miss, a good share of an
// event's cost. Only a hint: the scheduler checks it against the id, and an event without
// it (kNoHandle), or with a stale one, is looked up by id as usual.
using Handle = std::uint32_t;
inline constexpr Handle kNoHandle = std::numeric_limits<Handle>::max();

// Quantities a task requests and a worker offers, as in Ray. A task is placed only on a
// worker whose offer, minus what the tasks already assigned there requested, covers the
// whole request; the request is held until the task finishes, fails or moves.
//  - cpus: thread slots. A task's request defaults to 1 (fractions allowed: 0.5 lets two
//    mostly-waiting tasks share a thread; 0 or less counts as 1, so every task takes a
//    slot). A worker's offer of 0 means "nthreads".
//  - memory: bytes. A worker's offer of 0 means its memory limit, or unlimited if none.
//  - custom: named quantities ("gpu", "licence"). Keep the set of distinct requests small:
//    each distinct request is one queue and one set of ready workers (see Scheduler).
struct Resources {
  double cpus = 1;
  std::uint64_t memory = 0;
  std::vector<std::pair<std::string, double>> custom;
  bool operator==(const Resources&) const = default;
};

// Dask's task states. kForgotten: the scheduler has no record of the task (never
// submitted, or released and no longer part of anything's lineage).
enum class TaskState : std::uint8_t {
  kWaiting,     // some dependency is not in memory yet
  kQueued,      // ready, waiting in the scheduler for a free worker slot
  kProcessing,  // assigned to a worker (running, or next in its queue)
  kMemory,      // finished; its object lives on one or more workers
  kReleased,    // not in memory, not wanted now; kept as lineage for its dependents
  kErred,       // failed for good (or a dependency did)
  kCancelled,   // cancelled by the client (or a dependency was)
  kForgotten,
};
const char* to_string(TaskState state);

// ---- Events: what the scheduler is told ------------------------------------------------

// The client wants a task run. Dependencies must be submitted first (so a graph arrives
// in topological order, and cannot have cycles); an unknown dependency makes the task
// erred at once. A task whose dependency is erred or cancelled is erred or cancelled too.
struct ClientSubmit {
  TaskId task = kNoTask;
  std::vector<TaskId> deps;
  Resources resources;
  // The function's name: tasks with one prefix share a duration estimate.
  std::string prefix;
  // Expected run time in seconds, used until a task of this prefix has finished; <= 0:
  // none (then Config::default_duration).
  double duration_hint = 0;
  // A failing task is run again this many times before it is erred.
  std::uint32_t retries = 0;
  // Higher runs first; equal priorities run in submission order, so submit a graph in
  // depth-first order (each task right after its dependencies) for the least memory.
  std::int32_t priority = 0;
  // The client holds the result: it is told when the task is done and the object is kept
  // until ClientRelease. false for the inner tasks of a graph, whose results are freed as
  // soon as their dependents have run. Such a task's dependents must be submitted in the
  // same batch of events, before it can finish.
  bool wanted = true;
  bool operator==(const ClientSubmit&) const = default;
};

// The client stored an object with put() on `worker` (which acknowledged it): it is in
// memory there, wanted by the client, and has no lineage, so it cannot be recomputed if lost.
struct ClientPut {
  TaskId object = kNoTask;
  WorkerId worker = 0;
  std::uint64_t nbytes = 0;
  bool operator==(const ClientPut&) const = default;
};

// The client drops its reference: the result is freed, and so is anything that was kept
// only for it. Work still needed by other tasks goes on.
struct ClientRelease {
  TaskId task = kNoTask;
  bool operator==(const ClientRelease&) const = default;
};

// The client gives up on a task: unless it is already in memory (then this is a release),
// it and every dependent not yet computed are cancelled and stopped where they run.
struct ClientCancel {
  TaskId task = kNoTask;
  bool operator==(const ClientCancel&) const = default;
};

struct WorkerJoined {
  WorkerId worker = 0;
  std::uint32_t nthreads = 1;
  Resources resources{.cpus = 0};
  std::uint64_t memory_limit = 0;  // bytes; 0: none
  bool operator==(const WorkerJoined&) const = default;
};

// The worker is gone (exited, crashed, or declared dead by the caller's heartbeats).
struct WorkerLeft {
  WorkerId worker = 0;
  bool operator==(const WorkerLeft&) const = default;
};

struct TaskFinished {
  TaskId task = kNoTask;
  WorkerId worker = 0;
  std::uint64_t nbytes = 0;   // size of the output object
  double duration = 0;        // seconds of compute, for the prefix's estimate
  Handle handle = kNoHandle;  // RunTask::handle, echoed
  bool operator==(const TaskFinished&) const = default;
};

struct TaskFailed {
  TaskId task = kNoTask;
  WorkerId worker = 0;
  std::string error;
  bool operator==(const TaskFailed&) const = default;
};

// A worker fetched a copy of an object (to run a task): one more place to read it from,
// and one more place to free it.
struct ObjectReplicated {
  TaskId object = kNoTask;
  WorkerId worker = 0;
  Handle handle = kNoHandle;  // DepLocation::handle, echoed
  bool operator==(const ObjectReplicated&) const = default;
};

// A worker lost or evicted its copy without being told to.
struct ObjectDropped {
  TaskId object = kNoTask;
  WorkerId worker = 0;
  bool operator==(const ObjectDropped&) const = default;
};

// Answers to StealRequest: the victim gave the task up (it had not started it), or kept
// it (already started, or finished).
struct StealConfirmed {
  TaskId task = kNoTask;
  WorkerId victim = 0;
  bool operator==(const StealConfirmed&) const = default;
};
struct StealRejected {
  TaskId task = kNoTask;
  WorkerId victim = 0;
  bool operator==(const StealRejected&) const = default;
};

// Time passes (seconds, any origin): a chance to rebalance by stealing when no other
// event would trigger it.
struct Tick {
  double now = 0;
  bool operator==(const Tick&) const = default;
};

using Event = std::variant<ClientSubmit, ClientPut, ClientRelease, ClientCancel, WorkerJoined,
                           WorkerLeft, TaskFinished, TaskFailed, ObjectReplicated, ObjectDropped,
                           StealConfirmed, StealRejected, Tick>;

// ---- Actions: what the caller must do -------------------------------------------------

// Up to kMaxHolders workers, inline: a RunTask allocates nothing per dependency (one
// allocation each was a tenth of the scheduler simulation's instructions).
class HolderList {
 public:
  static constexpr std::uint32_t kMaxHolders = 8;
  HolderList() = default;
  // REQUIRES: at most kMaxHolders ids.
  HolderList(std::initializer_list<WorkerId> ids) {
    for (WorkerId id : ids) push_back(id);
  }
  // REQUIRES: size() < kMaxHolders.
  void push_back(WorkerId id) {
    assert(n_ < kMaxHolders);
    ids_[n_++] = id;
  }
  std::uint32_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const WorkerId* begin() const { return ids_.data(); }
  const WorkerId* end() const { return ids_.data() + n_; }
  WorkerId operator[](std::uint32_t i) const { return ids_[i]; }
  bool operator==(const HolderList& o) const {
    return std::equal(begin(), end(), o.begin(), o.end());
  }

 private:
  std::array<WorkerId, kMaxHolders> ids_{};
  std::uint32_t n_ = 0;
};

// Where a dependency can be read from: some of the workers holding it (at most
// Config::max_holders_listed, producer first).
struct DepLocation {
  TaskId object = kNoTask;
  std::uint64_t nbytes = 0;
  HolderList holders;
  Handle handle = kNoHandle;  // a hint, not compared by ==
  bool operator==(const DepLocation& o) const {
    return object == o.object && nbytes == o.nbytes && holders == o.holders;
  }
};

// Run `task` on `worker`, after fetching the dependencies it does not hold. The scheduler
// hands tasks out in priority order, so a worker should start them in arrival order.
struct RunTask {
  TaskId task = kNoTask;
  WorkerId worker = 0;
  std::vector<DepLocation> deps;
  Handle handle = kNoHandle;  // a hint, not compared by ==
  bool operator==(const RunTask& o) const {
    return task == o.task && worker == o.worker && deps == o.deps;
  }
};

// Stop (or never start) `task` on `worker`, and discard its result.
struct CancelOnWorker {
  TaskId task = kNoTask;
  WorkerId worker = 0;
  bool operator==(const CancelOnWorker&) const = default;
};

// Delete the worker's copy of the object.
struct FreeObject {
  TaskId object = kNoTask;
  WorkerId worker = 0;
  bool operator==(const FreeObject&) const = default;
};

// Ask `victim` to give up `task` if it has not started it; it answers StealConfirmed or
// StealRejected. On confirmation the task is sent to `thief` with a RunTask.
struct StealRequest {
  TaskId task = kNoTask;
  WorkerId victim = 0;
  WorkerId thief = 0;
  bool operator==(const StealRequest&) const = default;
};

// To the client, for tasks it wants. TaskDone may come again with a new worker if the
// object was lost and recomputed.
struct TaskDone {
  TaskId task = kNoTask;
  WorkerId worker = 0;  // where to read the result
  std::uint64_t nbytes = 0;
  bool operator==(const TaskDone&) const = default;
};

// `origin` is the task whose failure this is (the task itself, or a dependency).
struct TaskErred {
  TaskId task = kNoTask;
  TaskId origin = kNoTask;
  std::string error;
  // The workers that died while `origin` ran on them, when that is why it erred (Dask's
  // KilledWorker); empty otherwise.
  std::vector<WorkerId> died_on = {};
  bool operator==(const TaskErred&) const = default;
};

struct TaskCancelled {
  TaskId task = kNoTask;
  bool operator==(const TaskCancelled&) const = default;
};

// The scheduler dropped its last record of `task` (only with Config::report_forgotten):
// whoever keeps data per task beside the scheduler (the task's payload) can drop it too.
struct TaskForgotten {
  TaskId task = kNoTask;
  bool operator==(const TaskForgotten&) const = default;
};

using Action = std::variant<RunTask, CancelOnWorker, FreeObject, StealRequest, TaskDone, TaskErred,
                            TaskCancelled, TaskForgotten>;

// One line each, e.g. "RunTask{task=3 worker=1 deps=[1:100@{0}]}", for logs and test
// failure messages.
std::string to_string(const Action& action);
std::string to_string(const Event& event);
std::ostream& operator<<(std::ostream& os, const RunTask& a);
std::ostream& operator<<(std::ostream& os, const CancelOnWorker& a);
std::ostream& operator<<(std::ostream& os, const FreeObject& a);
std::ostream& operator<<(std::ostream& os, const StealRequest& a);
std::ostream& operator<<(std::ostream& os, const TaskDone& a);
std::ostream& operator<<(std::ostream& os, const TaskErred& a);
std::ostream& operator<<(std::ostream& os, const TaskCancelled& a);
std::ostream& operator<<(std::ostream& os, const TaskForgotten& a);
std::ostream& operator<<(std::ostream& os, const Action& a);

}  // namespace weft::sched
