// Work stealing: moving tasks assigned but not started from loaded workers to idle ones.
//
// Rule: a thief is a worker with an idle thread (assigned fewer cpus than it has) after
// taking what the queue had for it, at the end of any event that freed capacity on it, or
// on a Tick. It steals only to fill its threads, not its saturation slots, so that several
// idle workers share a backlog instead of the first one taking it all. Victims are the
// "backlogged" workers, assigned more tasks than they have threads; all of them when few,
// else a seeded sample. A victim is presumed to have started its nthreads highest-priority
// tasks (the scheduler hands tasks out in priority order and workers start them in arrival
// order), so the candidate is its lowest-priority task that is not among those nor already
// refused. It is stolen when it would start sooner on the thief:
//   (victim occupancy - tasks being stolen from it - the task's estimate) / victim threads
//     > thief occupancy / thief threads + bytes of its dependencies the thief lacks / bandwidth
// taking the victim with the largest gain. The steal is a request, since only the victim
// knows whether it has started the task: the thief's slot is reserved meanwhile; on
// StealConfirmed the task moves (RunTask to the thief), on StealRejected it stays and is
// never asked for again.
#include <algorithm>

#include "sched/scheduler.hpp"

namespace weft::sched {

using detail::kNone;
using detail::kStealBlocked;
using detail::kStealPending;

bool Scheduler::has_idle_thread(const WorkerRec& w) { return w.used + 1000 <= w.cpus; }

void Scheduler::try_steal(std::uint32_t thief) {
  constexpr int kMaxStealsPerCall = 4;
  for (int n = 0; n < kMaxStealsPerCall && !backlogged_.empty(); ++n) {
    WorkerRec& T = workers_[thief];
    if (!has_idle_thread(T)) return;
    std::uint32_t best = kNone;
    double best_gain = 0;
    auto consider = [&](std::uint32_t v) {
      if (v == thief) return;
      const WorkerRec& V = workers_[v];
      std::uint32_t pick = kNone;
      for (std::uint32_t x : V.processing) {
        const TaskRec& t = task(x);
        if ((t.flags & (kStealPending | kStealBlocked)) != 0) continue;
        if (pick == kNone || t.key > task(pick).key) pick = x;
      }
      if (pick == kNone) return;
      std::uint32_t ahead = 0;  // presumed started: the nthreads first in priority order
      double leaving = 0;       // estimates of tasks already being stolen from V
      for (std::uint32_t x : V.processing) {
        ahead += task(x).key < task(pick).key ? 1 : 0;
        if ((task(x).flags & kStealPending) != 0) leaving += task(x).est;
      }
      if (ahead < V.nthreads) return;
      const TaskRec& t = task(pick);
      if (!can_take(T, t.cls, 0)) return;
      std::uint64_t lacking = 0;
      for (std::uint32_t d : t.deps) {
        if (!holds(d, thief)) lacking += task(d).nbytes;
      }
      const double on_victim = std::max(0.0, V.occupancy - leaving - t.est) / V.nthreads;
      const double on_thief =
          T.occupancy / T.nthreads + static_cast<double>(lacking) / config_.bandwidth;
      const double gain = on_victim - on_thief;
      if (gain > best_gain) {
        best = pick;
        best_gain = gain;
      }
    };
    const std::uint32_t victims = backlogged_.size();
    if (victims <= config_.consider_all_below) {
      for (std::uint32_t i = 0; i < victims; ++i) consider(backlogged_[i]);
    } else {
      for (std::uint32_t i = 0; i < config_.sample_size; ++i) {
        consider(backlogged_[rng_.below(victims)]);
      }
    }
    if (best == kNone) return;
    TaskRec& t = task(best);
    t.flags |= kStealPending;
    steals_.emplace(best, thief);
    hold(T, t.cls, t.est);
    refresh(thief);
    ++stats_.steal_requests;
    emit(StealRequest{t.id, workers_[t.worker].id, T.id});
  }
}

// Drops x's steal in flight, giving back the thief's reserved slot.
void Scheduler::cancel_steal(std::uint32_t x) {
  TaskRec& t = task(x);
  t.flags &= ~kStealPending;
  const auto it = steals_.find(x);
  if (it == steals_.end()) return;
  const std::uint32_t thief = it->second;
  steals_.erase(it);
  if (thief != kNone && workers_[thief].alive) {
    unhold(workers_[thief], t.cls, t.est);
    refresh(thief);
    mark_dirty(thief);
  }
}

// The task of a steal answer, if that steal is still pending on that victim; stale answers
// (the task finished, moved or was released meanwhile) are counted and ignored.
std::uint32_t Scheduler::pending_steal(WorkerId victim, TaskId id) {
  const std::uint32_t v = find_worker(victim);
  const std::uint32_t x = find_task(id);
  if (v == kNone || x == kNone || task(x).state != TaskState::kProcessing || task(x).worker != v ||
      (task(x).flags & kStealPending) == 0) {
    ++stats_.ignored_events;
    return kNone;
  }
  return x;
}

void Scheduler::on(const StealConfirmed& e) {
  const std::uint32_t x = pending_steal(e.victim, e.task);
  if (x == kNone) return;
  const std::uint32_t thief = steals_.at(x);
  cancel_steal(x);
  unassign(x);  // the victim has dropped it already: no CancelOnWorker
  ++stats_.steals_confirmed;
  if (thief != kNone && can_take(workers_[thief], task(x).cls, config_.locality_slack)) {
    assign(x, thief);
  } else {
    make_ready(x);  // the thief left meanwhile
  }
}

void Scheduler::on(const StealRejected& e) {
  const std::uint32_t x = pending_steal(e.victim, e.task);
  if (x == kNone) return;
  cancel_steal(x);
  task(x).flags |= kStealBlocked;
}

// Lets up to steals_per_tick workers with a free slot look for work to steal: events
// that free a slot already do this; a Tick catches load that built up without any.
void Scheduler::on(const Tick&) {
  if (!config_.stealing || backlogged_.empty()) return;
  const detail::IndexedSet& ready = ready_workers_[0];
  const std::uint32_t n = std::min(config_.steals_per_tick, ready.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    mark_dirty(ready.size() <= config_.steals_per_tick ? ready[i]
                                                       : ready[rng_.below(ready.size())]);
  }
}

}  // namespace weft::sched
