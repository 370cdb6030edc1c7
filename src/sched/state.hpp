// The scheduler's records: one per task, one per worker, one per distinct resource request,
// and the queue of ready tasks. Internal to src/sched; the invariants that tie them
// together are written next to each field and checked by Scheduler::check_invariants().
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sched/containers.hpp"
#include "sched/types.hpp"

namespace weft::sched::detail {

inline constexpr std::uint32_t kNone = ~0u;

// An edge to a dependent, valid while the dependent's record still has generation `gen`
// (records are recycled; a forgotten dependent leaves a stale edge behind, which is
// skipped, and pruned when an edge is added while stale edges outnumber live ones).
struct Edge {
  std::uint32_t task;
  std::uint32_t gen;
};

// A copy of an object on a worker, at index `pos` of that worker's `objects`; that entry
// points back at the replica's index in the object's `holders`. Adding or dropping one copy
// is O(1) however many copies exist (a broadcast input may sit on every worker): a replica
// is swap-removed from `holders` (fixing the moved one's entry), and a worker's entry is
// only marked dead (task = kNone) and swept later, so freeing the ten thousand inputs a
// fan-in fetched does not touch ten thousand other records to fix their positions.
struct Replica {
  std::uint32_t worker;
  std::uint32_t pos;
};
struct ObjRef {
  std::uint32_t task;
  std::uint32_t replica;
};

enum TaskFlags : std::uint8_t {
  kWanted = 1,        // the client holds the result
  kStealPending = 2,  // a StealRequest is out; see Scheduler::steals_
  kStealBlocked = 4,  // the victim refused a steal: it has started the task
  kVisiting = 8,      // scratch mark of the lineage walk in activate()
};

// Fields below `gen` are meaningful in the states their comments name.
struct TaskRec {
  TaskId id = kNoTask;
  std::uint64_t key = 0;            // queue order: priority, then submission sequence (lower first)
  std::uint64_t nbytes = 0;         // output size, once finished
  SmallVec<std::uint32_t, 2> deps;  // dependency records, in submission order
  SmallVec<Edge, 1> dependents;     // records that list this one in deps (maybe stale)
  // Non-empty iff kMemory; the producer first, until removals. Two inline: an output and
  // the one copy its reader fetched (a fan-in's inputs, a tree's) allocate nothing.
  SmallVec<Replica, 2> holders;
  std::uint32_t gen = 0;
  std::uint32_t prefix = 0;
  // Dependents in waiting/queued/processing: they need this object (or its recomputation).
  // An object is kept iff it is wanted or needers > 0.
  std::uint32_t needers = 0;
  std::uint32_t alive_dependents = 0;  // dependents not forgotten: they may need lineage
  // One field by state, so that the record keeps to 112 bytes.
  union {
    // kWaiting: dependencies not in memory. Each is computing (waiting, queued, processing).
    std::uint32_t missing = 0;
    std::uint32_t worker;  // kProcessing: the worker it is assigned to
  };
  float est = 0;          // kProcessing: seconds added to the worker's occupancy
  std::uint16_t cls = 0;  // resource class (interned request)
  std::uint16_t retries_left = 0;
  TaskState state = TaskState::kForgotten;
  std::uint8_t flags = 0;
  std::uint8_t losses = 0;  // workers that died while it was assigned to them
};
static_assert(sizeof(TaskRec) == 112, "ten million of them: mind the size");

// The fields placement and every finish touch come first, together.
struct WorkerRec {
  std::uint32_t used = 0;      // milli-cpus assigned, plus reserved by steals in flight
  std::uint32_t slots = 1000;  // milli-cpus of tasks it may be assigned: ceil(cpus*saturation)
  std::uint32_t cpus = 1000;   // offered, milli-cpus
  std::uint32_t nthreads = 1;
  double occupancy = 0;  // estimated seconds of work assigned (and reserved)
  WorkerId id = 0;
  bool alive = false;
  bool dirty = false;                     // queued for pull/steal at the end of the event
  bool holds = false;                     // placement scratch, see stamp
  SmallVec<std::uint32_t, 8> processing;  // tasks assigned here
  // Scratch for placement, valid while stamp is the scheduler's current stamp: whether it
  // holds some of the current task's dependencies (holds), and how many bytes of them.
  std::uint64_t stamp = 0;
  std::uint64_t local_bytes = 0;
  SmallVec<std::uint16_t, 4> classes;  // resource classes its offer can ever satisfy
  SmallVec<ObjRef, 4> objects;         // objects held here, and dead entries
  std::uint32_t dead_objects = 0;
  std::uint64_t bytes_held = 0;
  std::uint64_t memory = 0;  // offered bytes (~0: unlimited)
  std::uint64_t memory_used = 0;
  std::vector<std::int64_t> custom;  // offered milli-units, by resource name index
  std::vector<std::int64_t> custom_used;
};

// An interned resource request. Class 0 is the default request (1 cpu, nothing else).
struct ResourceClass {
  std::uint32_t cpus = 1000;  // milli-cpus
  std::uint64_t memory = 0;
  std::vector<std::pair<std::uint32_t, std::int64_t>> custom;  // (name index, milli-units)
  bool operator<(const ResourceClass& o) const {
    if (cpus != o.cpus) return cpus < o.cpus;
    if (memory != o.memory) return memory < o.memory;
    return custom < o.custom;
  }
};

struct QueueEntry {
  std::uint64_t key;
  std::uint32_t task;
};

// Ready tasks of one resource class, lowest key first. Tasks arrive in runs of increasing
// keys: the roots at submission, then each group of dependents a finished task releases
// (the thousand readers of one input, say), many groups at once and in any order. Each
// run is kept as a FIFO; a push extends the run whose last key is the highest below its
// own (a binary search over the runs, ordered by last key: extending one keeps that
// order), and a pop takes the front of the run with the lowest first key (a heap over
// the runs). So a push and a pop cost O(log runs), over a few kilobytes, where one binary
// heap of ten million tasks cost a cache miss per level. Past kMaxRuns runs (keys in no
// order), tasks go to a binary heap.
// Entries are not removed when a task leaves the queue another way (cancelled, or a
// dependency was lost): the owner skips entries whose task is no longer queued with that
// key.
class ReadyQueue {
 public:
  bool empty() const noexcept { return size_ == 0; }
  void push(QueueEntry e);
  // REQUIRES: !empty().
  const QueueEntry& top() const noexcept {
    return from_heap() ? heap_.front() : runs_[fronts_.front().run].front();
  }
  void pop();
  std::size_t entries() const noexcept { return size_; }

 private:
  static constexpr std::size_t kMaxRuns = 4096;
  struct RunKey {
    std::uint64_t key;  // the run's last key (in backs_) or first key (in fronts_)
    std::uint32_t run;  // index in runs_
  };
  void sift_down_front();
  bool from_heap() const noexcept {
    return fronts_.empty() || (!heap_.empty() && heap_.front().key < fronts_.front().key);
  }

  std::vector<std::deque<QueueEntry>> runs_;  // empty ones are listed in spare_
  std::vector<std::uint32_t> spare_;
  std::vector<RunKey> backs_;   // the non-empty runs, by last key
  std::vector<RunKey> fronts_;  // the same runs, a min-heap by first key
  std::vector<QueueEntry> heap_;
  std::size_t size_ = 0;
};

struct PrefixStat {
  double average = 0;
  bool known = false;  // measured, or hinted
  bool measured = false;
};

struct ErrorInfo {
  TaskId origin;
  std::string error;
  std::vector<WorkerId> died_on = {};  // set when workers dying while it ran erred it
};

}  // namespace weft::sched::detail
