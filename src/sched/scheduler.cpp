// Scheduler: event dispatch, the client's and the tasks' events, records and queries.
// Transitions are in transitions.cpp, placement in placement.cpp, workers in workers.cpp.
#include "sched/scheduler.hpp"

#include <algorithm>
#include <cassert>
#include <new>

namespace weft::sched {

using detail::kNone;
using detail::kStealPending;
using detail::kWanted;

namespace {

// Queue order: higher priority first, then submission order. Priority is clamped to 24
// bits and the sequence uses 40 (a trillion submissions).
std::uint64_t make_key(std::int32_t priority, std::uint64_t seq) {
  constexpr std::int64_t kMax = (std::int64_t{1} << 23) - 1;
  const std::int64_t p = std::clamp<std::int64_t>(priority, -kMax - 1, kMax);
  const auto biased = static_cast<std::uint64_t>(kMax - p);
  return (biased << 40) | (seq & ((std::uint64_t{1} << 40) - 1));
}

}  // namespace

Scheduler::Scheduler(Config config) : config_(config), rng_(config.seed) {
  classes_.emplace_back();  // class 0: the default request
  class_index_.emplace(classes_[0], 0);
  queues_.emplace_back();
  queued_.push_back(0);
  ready_workers_.emplace_back();
}

Scheduler::~Scheduler() = default;

// ---- Dispatch -------------------------------------------------------------------------

void Scheduler::handle(const Event& event, std::vector<Action>& out) {
  std::visit([&](const auto& e) { handle(e, out); }, event);
}

#define WEFT_SCHED_HANDLE(Type)                                     \
  void Scheduler::handle(const Type& e, std::vector<Action>& out) { \
    begin(out);                                                     \
    on(e);                                                          \
    end();                                                          \
  }
WEFT_SCHED_HANDLE(ClientSubmit)
WEFT_SCHED_HANDLE(ClientPut)
WEFT_SCHED_HANDLE(ClientRelease)
WEFT_SCHED_HANDLE(ClientCancel)
WEFT_SCHED_HANDLE(WorkerJoined)
WEFT_SCHED_HANDLE(WorkerLeft)
WEFT_SCHED_HANDLE(TaskFinished)
WEFT_SCHED_HANDLE(TaskFailed)
WEFT_SCHED_HANDLE(ObjectReplicated)
WEFT_SCHED_HANDLE(ObjectDropped)
WEFT_SCHED_HANDLE(StealConfirmed)
WEFT_SCHED_HANDLE(StealRejected)
WEFT_SCHED_HANDLE(Tick)
#undef WEFT_SCHED_HANDLE

void Scheduler::begin(std::vector<Action>& out) {
  out_ = &out;
  actions_before_ = out.size();
  ++stats_.events;
}

void Scheduler::end() {
  drain_dirty();
  stats_.actions += out_->size() - actions_before_;
  out_ = nullptr;
}

// ---- Records --------------------------------------------------------------------------

std::uint32_t Scheduler::find_task(TaskId id) const {
  return task_index_.find(id, [this](std::uint32_t x) { return tasks_[x].id; });
}

std::uint32_t Scheduler::find_task(TaskId id, Handle hint) const {
  if (hint < tasks_.size() && tasks_[hint].id == id) return hint;
  return find_task(id);
}

std::uint32_t Scheduler::find_worker(WorkerId id) const {
  if (id < kWorkerTable) return id < worker_table_.size() ? worker_table_[id] : kNone;
  return worker_index_.find(id, [this](std::uint32_t w) { return std::uint64_t{workers_[w].id}; });
}

void Scheduler::index_worker(WorkerId id, std::uint32_t w) {
  if (id >= kWorkerTable) {
    worker_index_.insert(id, w);
    return;
  }
  if (id >= worker_table_.size()) worker_table_.resize(id + 1, kNone);
  worker_table_[id] = w;
}

void Scheduler::unindex_worker(WorkerId id) {
  if (id >= kWorkerTable) {
    worker_index_.erase(id, [this](std::uint32_t i) { return std::uint64_t{workers_[i].id}; });
  } else if (id < worker_table_.size()) {
    worker_table_[id] = kNone;
  }
}

// Edges to forgotten dependents are pruned here, where the list grows, once they outnumber
// the live ones: so it stays within twice the live dependents (plus a few), and forgetting
// a dependent never scans its siblings (forgetting a fan-out's ten thousand readers of one
// input one by one rescanned that input's list each time the count halved).
void Scheduler::add_dependent(std::uint32_t d, std::uint32_t x) {
  TaskRec& dep = task(d);
  auto& list = dep.dependents;
  if (list.size() >= 2 * dep.alive_dependents + 8) {
    std::uint32_t kept = 0;
    for (std::uint32_t i = 0; i < list.size(); ++i) {
      if (valid(list[i])) list[kept++] = list[i];
    }
    list.truncate(kept);
  }
  ++dep.alive_dependents;
  list.push_back({x, task(x).gen});
}

bool Scheduler::valid(detail::Edge e) const {
  const TaskRec& t = task(e.task);
  return t.gen == e.gen && t.state != TaskState::kForgotten;
}

std::uint32_t Scheduler::new_task(TaskId id) {
  std::uint32_t x;
  if (!free_tasks_.empty()) {
    x = free_tasks_.back();
    free_tasks_.pop_back();
  } else {
    x = tasks_.grow();
  }
  // Rebuilt in place: assigning a TaskRec{} built a temporary and moved it in, field by
  // field (a tenth of a submission's instructions).
  TaskRec& t = tasks_[x];
  const std::uint32_t gen = t.gen;
  t.~TaskRec();
  new (&t) TaskRec{};
  t.gen = gen;
  t.id = id;
  task_index_.insert(id, x);
  ++stats_.tasks;
  return x;
}

// ---- Client events --------------------------------------------------------------------

void Scheduler::on(const ClientSubmit& e) {
  if (e.task == kNoTask || find_task(e.task) != kNone) {
    ++stats_.ignored_events;
    return;
  }
  deps_scratch_.clear();
  for (TaskId d : e.deps) {
    const std::uint32_t di = find_task(d);
    if (di == kNone) {
      emit(TaskErred{e.task, d, "unknown dependency " + std::to_string(d)});
      return;
    }
    deps_scratch_.push_back(di);
  }
  const std::uint32_t x = new_task(e.task);
  TaskRec& t = task(x);
  t.key = make_key(e.priority, next_seq_++);
  t.cls = intern_class(e.resources);
  t.prefix = intern_prefix(e.prefix, e.duration_hint);
  t.retries_left = static_cast<std::uint16_t>(std::min<std::uint32_t>(e.retries, 0xffff));
  t.flags = e.wanted ? kWanted : 0;
  t.deps.assign(deps_scratch_.data(), static_cast<std::uint32_t>(deps_scratch_.size()));
  for (std::uint32_t d : deps_scratch_) add_dependent(d, x);
  t.state = TaskState::kReleased;
  activate(x);
}

void Scheduler::on(const ClientPut& e) {
  const std::uint32_t w = find_worker(e.worker);
  if (e.object == kNoTask || w == kNone || find_task(e.object) != kNone) {
    ++stats_.ignored_events;
    return;
  }
  const std::uint32_t x = new_task(e.object);
  TaskRec& t = task(x);
  t.key = make_key(0, next_seq_++);
  t.cls = intern_class(Resources{});
  t.prefix = intern_prefix("put", 0);
  t.flags = kWanted;
  t.state = TaskState::kReleased;
  finish(x, w, e.nbytes, /*notify=*/false);  // the client put the object: it knows
}

void Scheduler::on(const ClientRelease& e) {
  const std::uint32_t x = find_task(e.task);
  if (x == kNone) {
    ++stats_.ignored_events;
    return;
  }
  TaskRec& t = task(x);
  t.flags &= ~kWanted;
  if (t.needers > 0) return;  // dependents still need it; freed after them
  if (t.state == TaskState::kMemory) {
    release_object(x);
  } else if (computing(t.state)) {
    stop(x, TaskState::kReleased);
  } else {
    maybe_forget(x);
  }
}

// Cancelling a finished task is releasing it: there is nothing left to stop.
void Scheduler::on(const ClientCancel& e) {
  const std::uint32_t x = find_task(e.task);
  if (x == kNone) {
    ++stats_.ignored_events;
    return;
  }
  TaskRec& t = task(x);
  if (computing(t.state)) {
    cancel(x);
    return;
  }
  t.flags &= ~kWanted;
  if (t.state == TaskState::kMemory && t.needers == 0) {
    release_object(x);
  } else {
    maybe_forget(x);
  }
}

// ---- Task events ----------------------------------------------------------------------

// A finish the scheduler did not ask for (the task was cancelled, stolen, or re-placed
// after its worker was presumed dead) is discarded: the worker is told to free the copy,
// unless it is already a known holder.
void Scheduler::on(const TaskFinished& e) {
  const std::uint32_t x = find_task(e.task, e.handle);
  // Usually the worker the task is assigned to reports it: then its record is known
  // without a lookup by id.
  const bool expected = x != kNone && task(x).state == TaskState::kProcessing &&
                        workers_[task(x).worker].id == e.worker;
  const std::uint32_t w = expected ? task(x).worker : find_worker(e.worker);
  if (w == kNone) {
    ++stats_.ignored_events;
    return;
  }
  if (!expected) {
    ++stats_.ignored_events;
    if (x != kNone && task(x).state == TaskState::kMemory && holds(x, w)) return;
    emit(FreeObject{e.task, e.worker});
    return;
  }
  TaskRec& t = task(x);
  detail::PrefixStat& p = prefixes_[t.prefix];
  if (!p.measured) {
    p.average = e.duration;
  } else {
    p.average += config_.duration_alpha * (e.duration - p.average);
  }
  p.measured = p.known = true;
  unassign(x);
  finish(x, w, e.nbytes);
}

void Scheduler::on(const TaskFailed& e) {
  const std::uint32_t w = find_worker(e.worker);
  const std::uint32_t x = find_task(e.task);
  if (w == kNone || x == kNone || task(x).state != TaskState::kProcessing || task(x).worker != w) {
    ++stats_.ignored_events;
    return;
  }
  TaskRec& t = task(x);
  unassign(x);
  if (t.retries_left > 0) {
    --t.retries_left;
    ++stats_.retries;
    make_ready(x);
  } else {
    fail(x, std::make_shared<const detail::ErrorInfo>(detail::ErrorInfo{t.id, e.error}));
  }
}

// ---- Queries --------------------------------------------------------------------------

void Scheduler::prefetch(Handle handle, int depth) const noexcept {
  if (handle >= tasks_.size()) return;
  const TaskRec& t = tasks_[handle];
  if (depth == 0) {
    prefetch_record(t);
    return;
  }
  // The record itself has arrived (an earlier call at depth 0): what a finish touches next
  // is reachable from it. Bounded: a fan-in's thousands of inputs have their own loop.
  if (t.state != TaskState::kProcessing) return;
  if (depth == 1) {
    __builtin_prefetch(&workers_[t.worker]);  // the fields placement and finish touch
    for (std::uint32_t i = 0; i < t.deps.size() && i < 4; ++i) prefetch_record(tasks_[t.deps[i]]);
    for (std::uint32_t i = 0; i < t.dependents.size() && i < 2; ++i)
      prefetch_record(tasks_[t.dependents[i].task]);
    return;
  }
  for (std::uint32_t i = 0; i < t.deps.size() && i < 4; ++i) {
    const TaskRec& d = tasks_[t.deps[i]];
    if (d.needers == 1 && d.holders.size() <= 2) {  // about to be freed by this finish
      for (const detail::Replica r : d.holders) {
        __builtin_prefetch(&workers_[r.worker].id);
        __builtin_prefetch(&workers_[r.worker].objects);
      }
    }
  }
}

TaskState Scheduler::state(TaskId id) const {
  const std::uint32_t x = find_task(id);
  return x == kNone ? TaskState::kForgotten : task(x).state;
}

std::optional<WorkerId> Scheduler::assigned_to(TaskId id) const {
  const std::uint32_t x = find_task(id);
  if (x == kNone || task(x).state != TaskState::kProcessing) return std::nullopt;
  return workers_[task(x).worker].id;
}

std::vector<WorkerId> Scheduler::holders(TaskId id) const {
  std::vector<WorkerId> out;
  const std::uint32_t x = find_task(id);
  if (x == kNone) return out;
  for (const detail::Replica& r : task(x).holders) out.push_back(workers_[r.worker].id);
  return out;
}

std::optional<WorkerView> Scheduler::worker(WorkerId id) const {
  const std::uint32_t w = find_worker(id);
  if (w == kNone) return std::nullopt;
  const WorkerRec& W = workers_[w];
  return WorkerView{W.nthreads,
                    W.used / 1000.0,
                    static_cast<std::uint32_t>(W.processing.size()),
                    W.occupancy,
                    W.objects.size() - W.dead_objects,
                    W.bytes_held};
}

double Scheduler::estimated_duration(std::string_view prefix) const {
  const auto it = prefix_index_.find(std::string(prefix));
  return it == prefix_index_.end() ? config_.default_duration : estimate(it->second);
}

std::size_t Scheduler::memory_bytes() const {
  std::size_t bytes = tasks_.bytes() + task_index_.capacity_bytes() +
                      worker_index_.capacity_bytes() + worker_table_.capacity() * 4 +
                      free_tasks_.capacity() * 4;
  for (const detail::ReadyQueue& q : queues_) bytes += q.entries() * sizeof(detail::QueueEntry);
  for (const WorkerRec& w : workers_) {
    bytes += sizeof(WorkerRec) + w.processing.heap_bytes() + w.objects.heap_bytes() +
             w.classes.heap_bytes();
  }
  return bytes;
}

}  // namespace weft::sched
