// Task state transitions: bringing tasks (and their lost lineage) to compute, finishing,
// stopping, erring, cancelling, freeing objects and forgetting records.
//
// Reference counts that decide what lives (see TaskRec):
//  - needers: dependents in waiting/queued/processing. A task is "needed" while the client
//    wants it or needers > 0; an unneeded object is freed, an unneeded computation stopped.
//  - alive_dependents: dependents not yet forgotten. A record stays while it is wanted or
//    has alive dependents (they may need it to recompute: lineage), then is forgotten.
// Cascades (stop, fail, cancel, forget) run on worklists, never recursion.
#include <cassert>

#include "sched/scheduler.hpp"

namespace weft::sched {

using detail::kNone;
using detail::kVisiting;
using detail::kWanted;

bool Scheduler::computing(TaskState s) {
  return s == TaskState::kWaiting || s == TaskState::kQueued || s == TaskState::kProcessing;
}

bool Scheduler::needed(const TaskRec& t) { return (t.flags & kWanted) != 0 || t.needers > 0; }

bool Scheduler::forgettable(const TaskRec& t) const {
  return (t.flags & kWanted) == 0 && t.alive_dependents == 0 &&
         (t.state == TaskState::kReleased || t.state == TaskState::kErred ||
          t.state == TaskState::kCancelled);
}

// Brings kReleased task `root` to compute. Its dependencies that are released too (freed
// after use, or lost with a worker) are brought back first, transitively: that is the
// lineage recomputation. The walk counts each visited task as a needer of its
// dependencies as it enters it, so nothing it still needs can be released by a sibling
// failing part-way; tasks are then activated in post-order, dependencies first.
void Scheduler::activate(std::uint32_t root) {
  bool lineage = false;
  for (std::uint32_t d : task(root).deps) {
    TaskRec& dep = task(d);
    ++dep.needers;
    lineage |= dep.state == TaskState::kReleased;
  }
  if (!lineage) {
    activate_one(root);
    return;
  }
  walk_.clear();
  order_.clear();
  task(root).flags |= kVisiting;
  walk_.push_back({root, 0});
  while (!walk_.empty()) {
    const std::uint32_t x = walk_.back().first;
    const std::uint32_t i = walk_.back().second;
    TaskRec& t = task(x);
    if (i == t.deps.size()) {
      order_.push_back(x);
      walk_.pop_back();
      continue;
    }
    ++walk_.back().second;
    const std::uint32_t d = t.deps[i];
    TaskRec& dep = task(d);
    if (dep.state != TaskState::kReleased || (dep.flags & kVisiting) != 0) continue;
    dep.flags |= kVisiting;
    for (std::uint32_t dd : dep.deps) ++task(dd).needers;
    walk_.push_back({d, 0});
  }
  stats_.recomputations += order_.size() - 1;
  for (std::uint32_t x : order_) {
    task(x).flags &= ~kVisiting;
    activate_one(x);
  }
}

// REQUIRES: x was counted as a needer of each dependency, and none is kReleased.
void Scheduler::activate_one(std::uint32_t x) {
  TaskRec& t = task(x);
  t.state = TaskState::kWaiting;
  t.missing = 0;
  std::uint32_t erred = kNone;
  bool cancelled = false;
  for (std::uint32_t d : t.deps) {
    const TaskRec& dep = task(d);
    switch (dep.state) {
      case TaskState::kMemory:
        break;
      case TaskState::kErred:
        if (erred == kNone) erred = d;
        break;
      case TaskState::kCancelled:
        cancelled = true;
        break;
      default:
        assert(computing(dep.state));
        ++t.missing;
    }
  }
  if (erred != kNone) {
    fail(x, errors_.at(erred));
  } else if (cancelled) {
    cancel(x);
  } else if (t.missing == 0) {
    make_ready(x);
  }
}

void Scheduler::make_ready(std::uint32_t x) {
  const std::uint32_t w = decide_worker(x);
  if (w != kNone) {
    assign(x, w);
  } else {
    enqueue(x);
  }
}

// x has just been unassigned from w (kWaiting, limbo) and its object is on w. Dependents
// that become ready are placed now, before end() hands w's free slot to the queue: that
// is what makes execution depth first.
void Scheduler::finish(std::uint32_t x, std::uint32_t w, std::uint64_t nbytes, bool notify) {
  TaskRec& t = task(x);
  t.nbytes = nbytes;
  t.state = TaskState::kMemory;
  add_holder(x, w);
  ++stats_.objects;
  stats_.bytes += nbytes;
  stats_.peak_objects = std::max(stats_.peak_objects, stats_.objects);
  stats_.peak_bytes = std::max(stats_.peak_bytes, stats_.bytes);
  if (notify && (t.flags & kWanted) != 0) emit(TaskDone{t.id, workers_[w].id, nbytes});
  const std::uint32_t n = t.deps.size();
  for (std::uint32_t i = 0; i < n; ++i) {
    if (n > kAhead) prefetch_frees(t.deps, i);
    unneeded(t.deps[i]);
  }
  for (const detail::Edge e : t.dependents) {
    if (!valid(e)) continue;
    TaskRec& y = task(e.task);
    if (y.state == TaskState::kWaiting && --y.missing == 0) make_ready(e.task);
  }
  if (!needed(t)) release_object(x);
}

// Takes computing task x out of computation into state `to` (released, erred or
// cancelled): out of the queue, or cancelled on its worker; then its dependencies lose a
// needer, which may free their objects or stop them in turn.
void Scheduler::stop(std::uint32_t x, TaskState to) {
  stop_stack_.push_back({x, to});
  if (stopping_) return;
  stopping_ = true;
  while (!stop_stack_.empty()) {
    const auto [y, state] = stop_stack_.back();
    stop_stack_.pop_back();
    TaskRec& t = task(y);
    if (!computing(t.state)) continue;
    if (t.state == TaskState::kQueued) {
      --queued_[t.cls];
      --stats_.queued;
    } else if (t.state == TaskState::kProcessing) {
      emit(CancelOnWorker{t.id, workers_[t.worker].id});
      unassign(y);
    }
    t.state = state;
    for (std::uint32_t d : t.deps) unneeded(d);
    maybe_forget(y);
  }
  stopping_ = false;
}

// Dependency d lost a needer.
void Scheduler::unneeded(std::uint32_t d) {
  TaskRec& dep = task(d);
  assert(dep.needers > 0);
  if (--dep.needers > 0 || (dep.flags & kWanted) != 0) return;
  if (dep.state == TaskState::kMemory) {
    release_object(d);
  } else if (computing(dep.state)) {
    stop(d, TaskState::kReleased);
  }
}

// x (computing) failed for good: it and every computing dependent, transitively, become
// erred with the same error; the client is told for those it wants.
void Scheduler::fail(std::uint32_t x, const std::shared_ptr<const detail::ErrorInfo>& error) {
  const std::size_t base = cascade_.size();
  cascade_.push_back(x);
  for (std::size_t i = base; i < cascade_.size(); ++i) {
    const std::uint32_t y = cascade_[i];
    TaskRec& t = task(y);
    if (!computing(t.state)) continue;
    errors_[y] = error;
    if ((t.flags & kWanted) != 0)
      emit(TaskErred{t.id, error->origin, error->error, error->died_on});
    for (const detail::Edge e : t.dependents) {
      if (valid(e) && computing(task(e.task).state)) cascade_.push_back(e.task);
    }
    stop(y, TaskState::kErred);
  }
  cascade_.resize(base);
}

// x (computing) and its computing dependents, transitively, are cancelled. The client is
// told for x and for the dependents it wants, which it then no longer holds.
void Scheduler::cancel(std::uint32_t x) {
  const std::size_t base = cascade_.size();
  cascade_.push_back(x);
  for (std::size_t i = base; i < cascade_.size(); ++i) {
    const std::uint32_t y = cascade_[i];
    TaskRec& t = task(y);
    if (!computing(t.state)) continue;
    if (y == x || (t.flags & kWanted) != 0) emit(TaskCancelled{t.id});
    t.flags &= ~kWanted;
    for (const detail::Edge e : t.dependents) {
      if (valid(e) && computing(task(e.task).state)) cascade_.push_back(e.task);
    }
    stop(y, TaskState::kCancelled);
  }
  cascade_.resize(base);
}

// Frees every copy of x's object.
void Scheduler::release_object(std::uint32_t x) {
  TaskRec& t = task(x);
  assert(t.state == TaskState::kMemory);
  const std::uint32_t n = t.holders.size();
  for (std::uint32_t i = 0; i < n; ++i) {
    if (i + 2 * kAhead < n) prefetch_copy(t.holders[i + 2 * kAhead], 2);
    if (i + kAhead < n) prefetch_copy(t.holders[i + kAhead], 1);
    const detail::Replica r = t.holders[i];
    emit(FreeObject{t.id, workers_[r.worker].id});
    drop_from_worker(r.worker, r.pos);
  }
  if (t.holders.size() > kHolderScan) holder_bits_.erase(x);
  t.holders.reset();
  t.state = TaskState::kReleased;
  --stats_.objects;
  stats_.bytes -= t.nbytes;
  maybe_forget(x);
}

// Dropping a copy touches its worker's record and then that worker's entry for it: two
// cache misses in a row, for each of the thousands of copies of a broadcast input or of a
// fan-in's inputs. Loops that free many load them ahead, in stages: the worker's record
// (stage 2), then the entry (stage 1, once the record has arrived).
void Scheduler::prefetch_copy(detail::Replica r, int stage) const {
  const WorkerRec& W = workers_[r.worker];
  if (stage == 2) {
    __builtin_prefetch(&W.id);
    __builtin_prefetch(&W.objects);
  } else {
    __builtin_prefetch(&W.objects[r.pos]);
  }
}

// For a loop over a finished task's dependencies, each of which may now be freed: their
// records 4 * kAhead ahead, then their copies' holder lists, then prefetch_copy's stages.
void Scheduler::prefetch_frees(const detail::SmallVec<std::uint32_t, 2>& deps,
                               std::uint32_t i) const {
  const std::uint32_t n = deps.size();
  if (i + 4 * kAhead < n) prefetch_record(task(deps[i + 4 * kAhead]));
  if (i + 3 * kAhead < n) __builtin_prefetch(task(deps[i + 3 * kAhead]).holders.data());
  for (const int stage : {2, 1}) {
    if (i + stage * kAhead >= n) continue;
    const TaskRec& d = task(deps[i + stage * kAhead]);
    for (std::uint32_t h = 0; h < d.holders.size() && h < 2; ++h)
      prefetch_copy(d.holders[h], stage);
  }
}

void Scheduler::maybe_forget(std::uint32_t x) {
  if (!forgettable(task(x))) return;
  forget_stack_.push_back(x);
  if (forgetting_) return;
  forgetting_ = true;
  while (!forget_stack_.empty()) {
    const std::uint32_t y = forget_stack_.back();
    forget_stack_.pop_back();
    if (forgettable(task(y))) forget(y);
  }
  forgetting_ = false;
}

void Scheduler::forget(std::uint32_t x) {
  TaskRec& t = task(x);
  if (t.state == TaskState::kErred) errors_.erase(x);
  if (t.losses != 0) died_on_.erase(x);
  task_index_.erase(t.id, [this](std::uint32_t i) { return tasks_[i].id; });
  ++t.gen;  // from here on, edges to x are stale
  t.state = TaskState::kForgotten;
  for (std::uint32_t d : t.deps) {
    TaskRec& dep = task(d);
    --dep.alive_dependents;  // the edge to x stays, stale, until add_dependent prunes it
    if (forgettable(dep)) forget_stack_.push_back(d);
  }
  t.deps.reset();
  t.dependents.reset();
  if (config_.report_forgotten) emit(TaskForgotten{t.id});
  t.id = kNoTask;
  t.flags = 0;
  free_tasks_.push_back(x);
  --stats_.tasks;
}

void Scheduler::add_holder(std::uint32_t x, std::uint32_t w) {
  WorkerRec& W = workers_[w];
  TaskRec& t = task(x);
  W.objects.push_back({x, t.holders.size()});
  t.holders.push_back({w, static_cast<std::uint32_t>(W.objects.size() - 1)});
  W.bytes_held += t.nbytes;
  if (t.holders.size() <= kHolderScan) return;
  std::vector<std::uint64_t>& bits = holder_bits_[x];
  if (bits.size() * 64 < workers_.size()) bits.resize((workers_.size() + 63) / 64);
  if (t.holders.size() == kHolderScan + 1) {
    for (const detail::Replica r : t.holders)
      bits[r.worker / 64] |= std::uint64_t{1} << (r.worker % 64);
  } else {
    bits[w / 64] |= std::uint64_t{1} << (w % 64);
  }
}

bool Scheduler::holds(std::uint32_t x, std::uint32_t w) const {
  const TaskRec& t = task(x);
  if (t.holders.size() <= kHolderScan) {
    for (const detail::Replica r : t.holders) {
      if (r.worker == w) return true;
    }
    return false;
  }
  const std::vector<std::uint64_t>& bits = holder_bits_.at(x);
  return w / 64 < bits.size() && (bits[w / 64] >> (w % 64) & 1) != 0;
}

// The index in x's holders of w's copy, or kNone: O(min(copies of x, objects on w)).
std::uint32_t Scheduler::replica_of(std::uint32_t x, std::uint32_t w) const {
  const TaskRec& t = task(x);
  const WorkerRec& W = workers_[w];
  if (t.holders.size() > kHolderScan && !holds(x, w)) return kNone;
  if (t.holders.size() <= W.objects.size()) {
    for (std::uint32_t i = 0; i < t.holders.size(); ++i) {
      if (t.holders[i].worker == w) return i;
    }
    return kNone;
  }
  for (const detail::ObjRef& o : W.objects) {
    if (o.task == x) return o.replica;
  }
  return kNone;
}

// Removes replica i of x (moving x's last replica into its place).
void Scheduler::remove_holder(std::uint32_t x, std::uint32_t i) {
  TaskRec& t = task(x);
  const std::uint32_t w = t.holders[i].worker;
  if (t.holders.size() > kHolderScan) {
    const auto it = holder_bits_.find(x);
    if (t.holders.size() == kHolderScan + 1) {
      holder_bits_.erase(it);
    } else {
      it->second[w / 64] &= ~(std::uint64_t{1} << (w % 64));
    }
  }
  drop_from_worker(w, t.holders[i].pos);
  const std::uint32_t last = t.holders.size() - 1;
  if (i != last) {
    t.holders[i] = t.holders[last];
    workers_[t.holders[i].worker].objects[t.holders[i].pos].replica = i;
  }
  t.holders.truncate(last);
}

// Marks entry `pos` of w's objects dead (the object's replica list is the caller's
// business). Dead entries at the end are dropped at once; the rest are swept when they
// outnumber the live ones, which moves each live entry at most once per sweep and keeps the
// cost O(1) amortized.
void Scheduler::drop_from_worker(std::uint32_t w, std::uint32_t pos) {
  WorkerRec& W = workers_[w];
  W.bytes_held -= task(W.objects[pos].task).nbytes;
  W.objects[pos].task = kNone;
  ++W.dead_objects;
  while (!W.objects.empty() && W.objects.back().task == kNone) {
    W.objects.pop_back();
    --W.dead_objects;
  }
  if (W.dead_objects <= W.objects.size() - W.dead_objects + 8) return;
  std::uint32_t kept = 0;
  for (std::uint32_t i = 0; i < W.objects.size(); ++i) {
    const detail::ObjRef o = W.objects[i];
    if (o.task == kNone) continue;
    if (i != kept) {
      W.objects[kept] = o;
      task(o.task).holders[o.replica].pos = kept;
    }
    ++kept;
  }
  W.objects.truncate(kept);
  W.dead_objects = 0;
}

}  // namespace weft::sched
