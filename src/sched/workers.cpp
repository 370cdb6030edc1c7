// Workers joining and leaving, copies of objects appearing and disappearing, and the
// recovery of what a lost worker took with it.
#include <cmath>
#include <limits>
#include <string>

#include "sched/scheduler.hpp"

namespace weft::sched {

using detail::kNone;

void Scheduler::on(const WorkerJoined& e) {
  if (find_worker(e.worker) != kNone) {
    ++stats_.ignored_events;
    return;
  }
  std::uint32_t w;
  if (!free_workers_.empty()) {
    w = free_workers_.back();
    free_workers_.pop_back();
    workers_[w] = WorkerRec{};
  } else {
    w = static_cast<std::uint32_t>(workers_.size());
    workers_.emplace_back();
  }
  WorkerRec& W = workers_[w];
  W.id = e.worker;
  W.alive = true;
  W.nthreads = std::max<std::uint32_t>(e.nthreads, 1);
  const double cpus = e.resources.cpus > 0 ? e.resources.cpus : W.nthreads;
  W.cpus = static_cast<std::uint32_t>(std::llround(cpus * 1000));
  // Whole slots: ceil(cpus * saturation), at least one.
  const double slots = std::ceil(cpus * config_.saturation - 1e-9);
  W.slots = static_cast<std::uint32_t>(std::max(slots, 1.0)) * 1000;
  W.memory = e.resources.memory != 0 ? e.resources.memory
             : e.memory_limit != 0   ? e.memory_limit
                                     : std::numeric_limits<std::uint64_t>::max();
  for (const auto& [name, qty] : e.resources.custom) {
    const std::uint32_t n = intern_name(name);
    if (n >= W.custom.size()) W.custom.resize(n + 1, 0);
    if (qty > 0) W.custom[n] += std::llround(qty * 1000);
  }
  W.custom_used.assign(W.custom.size(), 0);
  for (std::size_t c = 0; c < classes_.size(); ++c) {
    if (eligible(W, static_cast<std::uint16_t>(c))) {
      W.classes.push_back(static_cast<std::uint16_t>(c));
    }
  }
  index_worker(e.worker, w);
  ++alive_workers_;
  refresh(w);
  mark_dirty(w);
}

void Scheduler::on(const WorkerLeft& e) {
  const std::uint32_t w = find_worker(e.worker);
  if (w == kNone) {
    ++stats_.ignored_events;
    return;
  }
  worker_left(w);
}

// In order: the worker stops being a candidate; its tasks are taken back (counting a loss
// each); its copies are dropped, and objects left with no copy are lost (lose_objects:
// their dependents wait again and the needed ones are recomputed); then its tasks are
// placed again, or erred if they have now been on allowed_losses dead workers. Steals it
// was the thief of stay pending: if the victim confirms, the task is placed anew.
void Scheduler::worker_left(std::uint32_t w) {
  WorkerRec& W = workers_[w];
  W.alive = false;
  --alive_workers_;
  ++stats_.workers_lost;
  for (std::uint16_t c : W.classes) ready_workers_[c].erase(w);
  backlogged_.erase(w);
  for (auto& [x, thief] : steals_) {
    if (thief == w) thief = kNone;
  }

  const std::vector<std::uint32_t> orphans(W.processing.begin(), W.processing.end());
  for (std::uint32_t x : orphans) {
    unassign(x);
    TaskRec& t = task(x);
    if (t.losses < 0xff) ++t.losses;
    died_on_[x].push_back(W.id);
  }

  lost_.clear();
  while (!W.objects.empty()) {
    const detail::ObjRef o = W.objects.back();
    if (o.task == kNone) {
      W.objects.pop_back();
      continue;
    }
    remove_holder(o.task, o.replica);
    if (task(o.task).holders.empty()) lost_.push_back(o.task);
  }
  W.dead_objects = 0;
  W.bytes_held = 0;
  lose_objects(lost_);

  for (std::uint32_t x : orphans) {
    TaskRec& t = task(x);
    if (t.state != TaskState::kWaiting) continue;  // erred or cancelled by a cascade
    if (t.losses >= config_.allowed_losses + t.retries_left) {
      fail(x, std::make_shared<const detail::ErrorInfo>(detail::ErrorInfo{
                  t.id,
                  "worker died while running the task (" + std::to_string(t.losses) +
                      " times); it may be what kills them",
                  died_on_[x]}));
    } else {
      ++stats_.reassigned;
      if (t.missing == 0) make_ready(x);
    }
  }

  unindex_worker(W.id);
  workers_[w] = WorkerRec{};
  free_workers_.push_back(w);
}

// Objects in `lost` have no copy left. First every one of them leaves kMemory, and the
// dependents that counted on it wait again (queued ones leave the queue; processing ones
// are cancelled on their worker, which could not fetch it); only then are the needed ones
// recomputed, so that no placement sees a lost object as available.
void Scheduler::lose_objects(const std::vector<std::uint32_t>& lost) {
  for (std::uint32_t x : lost) {
    TaskRec& t = task(x);
    t.state = TaskState::kReleased;
    --stats_.objects;
    stats_.bytes -= t.nbytes;
    for (const detail::Edge e : t.dependents) {
      if (!valid(e)) continue;
      TaskRec& y = task(e.task);
      if (y.state == TaskState::kQueued) {
        --queued_[y.cls];
        --stats_.queued;
        y.state = TaskState::kWaiting;
        y.missing = 0;
      } else if (y.state == TaskState::kProcessing) {
        emit(CancelOnWorker{y.id, workers_[y.worker].id});
        unassign(e.task);
      }
      if (y.state == TaskState::kWaiting) ++y.missing;
    }
  }
  for (std::uint32_t x : lost) {
    TaskRec& t = task(x);
    if (t.state != TaskState::kReleased) continue;  // brought back by an earlier one's lineage
    if (needed(t)) {
      ++stats_.recomputations;
      activate(x);
    } else {
      maybe_forget(x);
    }
  }
}

void Scheduler::on(const ObjectReplicated& e) {
  const std::uint32_t w = find_worker(e.worker);
  if (w == kNone) {
    ++stats_.ignored_events;
    return;
  }
  const std::uint32_t x = find_task(e.object, e.handle);
  if (x != kNone && task(x).state == TaskState::kMemory) {
    if (!holds(x, w)) add_holder(x, w);
    return;
  }
  // A copy of something no longer kept (freed, or being recomputed): not worth tracking.
  ++stats_.ignored_events;
  emit(FreeObject{e.object, e.worker});
}

void Scheduler::on(const ObjectDropped& e) {
  const std::uint32_t w = find_worker(e.worker);
  const std::uint32_t x = find_task(e.object);
  if (w != kNone && x != kNone && task(x).state == TaskState::kMemory) {
    const std::uint32_t i = replica_of(x, w);
    if (i != kNone) {
      remove_holder(x, i);
      if (task(x).holders.empty()) {
        lost_.assign(1, x);
        lose_objects(lost_);
      }
      return;
    }
  }
  ++stats_.ignored_events;
}

}  // namespace weft::sched
