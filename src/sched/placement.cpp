// Placement: which worker runs a ready task, the queue of tasks no worker can take yet,
// and handing queued tasks to workers as their slots free up.
#include <algorithm>
#include <cassert>
#include <functional>

#include "sched/scheduler.hpp"

namespace weft::sched {

using detail::kNone;

namespace detail {

namespace {
template <class T>
bool after(const T& a, const T& b) {
  return a.key > b.key;
}
}  // namespace

void ReadyQueue::push(QueueEntry e) {
  ++size_;
  const auto above = std::upper_bound(backs_.begin(), backs_.end(), e.key,
                                      [](std::uint64_t k, const RunKey& r) { return k < r.key; });
  if (above != backs_.begin()) {  // extend the run ending just below e
    RunKey& back = *(above - 1);
    back.key = e.key;
    runs_[back.run].push_back(e);
    return;
  }
  if (backs_.size() >= kMaxRuns) {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), after<QueueEntry>);
    return;
  }
  std::uint32_t run;
  if (spare_.empty()) {
    run = static_cast<std::uint32_t>(runs_.size());
    runs_.emplace_back();
  } else {
    run = spare_.back();
    spare_.pop_back();
  }
  runs_[run].push_back(e);
  backs_.insert(backs_.begin(), RunKey{e.key, run});  // e is below every run's last key
  fronts_.push_back(RunKey{e.key, run});
  std::push_heap(fronts_.begin(), fronts_.end(), after<RunKey>);
}

void ReadyQueue::pop() {
  --size_;
  if (from_heap()) {
    std::pop_heap(heap_.begin(), heap_.end(), after<QueueEntry>);
    heap_.pop_back();
    return;
  }
  const std::uint32_t run = fronts_.front().run;
  std::deque<QueueEntry>& q = runs_[run];
  const std::uint64_t last = q.back().key;
  q.pop_front();
  if (!q.empty()) {
    fronts_.front().key = q.front().key;
    sift_down_front();
    return;
  }
  std::pop_heap(fronts_.begin(), fronts_.end(), after<RunKey>);
  fronts_.pop_back();
  auto at = std::lower_bound(backs_.begin(), backs_.end(), last,
                             [](const RunKey& r, std::uint64_t k) { return r.key < k; });
  while (at->run != run) ++at;  // runs may end on equal keys (a task queued again)
  backs_.erase(at);
  spare_.push_back(run);
}

// The front run's first key grew: moves it down to its place, stopping as soon as it is
// there. Usually at once: a run's keys are consecutive, so the run that was first stays
// first, where pop_heap then push_heap always walked to a leaf and back.
void ReadyQueue::sift_down_front() {
  const std::size_t n = fronts_.size();
  const RunKey moving = fronts_.front();
  std::size_t i = 0;
  for (;;) {
    std::size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && fronts_[c + 1].key < fronts_[c].key) ++c;
    if (fronts_[c].key >= moving.key) break;
    fronts_[i] = fronts_[c];
    i = c;
  }
  fronts_[i] = moving;
}

}  // namespace detail

// Earliest estimated start time, as Dask's decide_worker:
//   start(w) = occupancy(w) / nthreads(w) + bytes of x's dependencies not on w / bandwidth.
// Candidates are the workers holding x's dependencies (at most max_holders_listed per
// dependency), plus the workers that can take x now: all of them up to
// consider_all_below, else sample_size drawn at random. A candidate must have the
// resources free and a slot: a regular one, or one of the locality_slack extra slots if
// it holds some dependency. Ties go to a worker holding some of the data, then more of it,
// then the less loaded, then the lower index. Returns kNone when no candidate qualifies; then, by
// the queue invariant, no worker at all can take x without its slack.
std::uint32_t Scheduler::decide_worker(std::uint32_t x) {
  const TaskRec& t = task(x);
  ++stamp_;
  cands_.clear();
  std::uint64_t total = 0;
  auto add = [&](std::uint32_t w) -> WorkerRec& {
    WorkerRec& W = workers_[w];
    if (W.stamp != stamp_) {
      W.stamp = stamp_;
      W.local_bytes = 0;
      W.holds = false;
      cands_.push_back(w);
    }
    return W;
  };
  for (std::uint32_t d : t.deps) {
    const TaskRec& dep = task(d);
    total += dep.nbytes;
    const std::uint32_t n = std::min(dep.holders.size(), config_.max_holders_listed);
    for (std::uint32_t i = 0; i < n; ++i) {
      WorkerRec& W = add(dep.holders[i].worker);
      W.local_bytes += dep.nbytes;
      W.holds = true;
    }
  }
  std::uint32_t best = kNone;
  double best_score = 0;
  auto consider = [&](std::size_t from) {
    for (std::size_t i = from; i < cands_.size(); ++i) {
      const std::uint32_t w = cands_[i];
      const WorkerRec& W = workers_[w];
      if (!can_take(W, t.cls, W.holds ? config_.locality_slack : 0)) continue;
      const double score =
          W.occupancy / W.nthreads + static_cast<double>(total - W.local_bytes) / config_.bandwidth;
      if (best != kNone) {
        const WorkerRec& B = workers_[best];
        if (score > best_score) continue;
        if (score == best_score) {  // ties: holding data, more of it, less loaded, lower index
          if (W.holds != B.holds) {
            if (!W.holds) continue;
          } else if (W.local_bytes != B.local_bytes) {
            if (W.local_bytes < B.local_bytes) continue;
          } else if (W.used != B.used) {
            if (W.used > B.used) continue;
          } else if (w > best) {
            continue;
          }
        }
      }
      best = w;
      best_score = score;
    }
  };
  consider(0);
  // A worker holding none of the data cannot start before total / bandwidth, and loses
  // ties to one holding some: if a holder does that well, looking further is pointless.
  // (This is what keeps a chain's next task on its worker at the cost of one candidate.)
  if (best != kNone && best_score <= static_cast<double>(total) / config_.bandwidth) return best;
  const std::size_t holders = cands_.size();
  const detail::IndexedSet& ready = ready_workers_[t.cls];
  if (ready.size() <= config_.consider_all_below) {
    for (std::uint32_t i = 0; i < ready.size(); ++i) add(ready[i]);
  } else {
    for (std::uint32_t i = 0; i < config_.sample_size; ++i) add(ready[rng_.below(ready.size())]);
  }
  consider(holders);
  return best;
}

void Scheduler::assign(std::uint32_t x, std::uint32_t w) {
  TaskRec& t = task(x);
  WorkerRec& W = workers_[w];
  t.state = TaskState::kProcessing;
  t.worker = w;
  W.processing.push_back(x);
  t.est = static_cast<float>(estimate(t.prefix));
  hold(W, t.cls, t.est);
  ++stats_.processing;
  ++stats_.placements;
  emit(make_run_task(x, w));
  refresh(w);
}

// Takes processing task x off its worker, leaving it kWaiting with nothing missing: the
// caller decides what it becomes. Frees the worker's slot for end() to fill.
void Scheduler::unassign(std::uint32_t x) {
  TaskRec& t = task(x);
  const std::uint32_t w = t.worker;
  WorkerRec& W = workers_[w];
  if ((t.flags & detail::kStealPending) != 0) cancel_steal(x);
  // A linear search: the list is short (slots plus slack), contiguous, and this way
  // removal touches no other task's record.
  auto& list = W.processing;
  *std::find(list.begin(), list.end(), x) = list.back();
  list.pop_back();
  unhold(W, t.cls, t.est);
  t.worker = kNone;
  t.state = TaskState::kWaiting;
  t.missing = 0;
  --stats_.processing;
  refresh(w);
  mark_dirty(w);
}

void Scheduler::enqueue(std::uint32_t x) {
  TaskRec& t = task(x);
  t.state = TaskState::kQueued;
  queues_[t.cls].push({t.key, x});
  ++queued_[t.cls];
  ++stats_.queued;
}

// Fills w's free slots from the queues of the classes it can take, best key first.
void Scheduler::pull(std::uint32_t w) {
  WorkerRec& W = workers_[w];
  for (;;) {
    std::uint32_t best = kNone;
    std::uint64_t best_key = 0;
    for (std::uint16_t c : W.classes) {
      detail::ReadyQueue& q = queues_[c];
      if (queued_[c] == 0) {
        if (!q.empty()) q = detail::ReadyQueue{};  // only stale entries left
        continue;
      }
      if (!can_take(W, c, 0)) continue;
      while (!q.empty()) {  // skip entries of tasks that left the queue another way
        const TaskRec& t = task(q.top().task);
        if (t.state == TaskState::kQueued && t.key == q.top().key) break;
        q.pop();
      }
      assert(!q.empty());
      if (best == kNone || q.top().key < best_key) {
        best = c;
        best_key = q.top().key;
      }
    }
    if (best == kNone) return;
    const std::uint32_t x = queues_[best].top().task;
    queues_[best].pop();
    --queued_[best];
    --stats_.queued;
    assign(x, w);
  }
}

void Scheduler::mark_dirty(std::uint32_t w) {
  WorkerRec& W = workers_[w];
  if (W.dirty) return;
  W.dirty = true;
  dirty_.push_back(w);
}

// Workers whose load went down during the event take queued work, then, if they still
// have a free slot, look for work to steal.
void Scheduler::drain_dirty() {
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    const std::uint32_t w = dirty_[i];
    workers_[w].dirty = false;
    if (!workers_[w].alive) continue;
    pull(w);
    if (config_.stealing && !backlogged_.empty() && has_idle_thread(workers_[w])) try_steal(w);
  }
  dirty_.clear();
}

double Scheduler::estimate(std::uint32_t prefix) const {
  const detail::PrefixStat& p = prefixes_[prefix];
  return p.known ? p.average : config_.default_duration;
}

RunTask Scheduler::make_run_task(std::uint32_t x, std::uint32_t w) const {
  const TaskRec& t = task(x);
  RunTask run{t.id, workers_[w].id, {}, x};
  run.deps.reserve(t.deps.size());
  for (std::uint32_t d : t.deps) {
    const TaskRec& dep = task(d);
    DepLocation loc{dep.id, dep.nbytes, {}, d};
    const std::uint32_t n =
        std::min({dep.holders.size(), config_.max_holders_listed, HolderList::kMaxHolders});
    for (std::uint32_t i = 0; i < n; ++i) loc.holders.push_back(workers_[dep.holders[i].worker].id);
    run.deps.push_back(std::move(loc));
  }
  return run;
}

}  // namespace weft::sched
