// Scheduler::check_invariants: every promise the records make, checked by brute force.
#include <algorithm>
#include <bit>
#include <sstream>

#include "sched/scheduler.hpp"

namespace weft::sched {

using detail::kNone;
using detail::kStealPending;
using detail::kWanted;

std::string Scheduler::check_invariants() const {
  std::ostringstream err;
  auto bad = [&](TaskId id, const char* what) {
    if (err.tellp() == 0) err << "task " << id << ": " << what;
  };
  std::vector<std::uint64_t> queued(classes_.size(), 0);
  std::vector<std::uint64_t> used(workers_.size(), 0);
  std::uint64_t processing = 0, objects = 0, alive = 0;

  for (std::uint32_t x = 0; x < tasks_.size(); ++x) {
    const TaskRec& t = task(x);
    if (t.state == TaskState::kForgotten) continue;
    ++alive;
    if (find_task(t.id) != x) bad(t.id, "not found by id");
    std::uint32_t missing = 0;
    bool dep_failed = false;
    for (std::uint32_t d : t.deps) {
      const TaskRec& dep = task(d);
      if (dep.state == TaskState::kForgotten) bad(t.id, "dependency forgotten");
      bool edge = false;
      for (detail::Edge e : dep.dependents) edge |= e.task == x && e.gen == t.gen;
      if (!edge) bad(t.id, "no edge from its dependency");
      if (dep.state != TaskState::kMemory) {
        ++missing;
        if (!computing(dep.state)) dep_failed = true;
      }
    }
    std::uint32_t needers = 0, alive_dependents = 0;
    for (detail::Edge e : t.dependents) {
      if (!valid(e)) continue;
      ++alive_dependents;
      if (computing(task(e.task).state)) ++needers;
    }
    if (needers != t.needers) bad(t.id, "needers count wrong");
    if (alive_dependents != t.alive_dependents) bad(t.id, "alive_dependents count wrong");
    if (t.state != TaskState::kMemory && !t.holders.empty()) bad(t.id, "holders without memory");
    if (((t.flags & kStealPending) != 0) != (steals_.count(x) != 0)) bad(t.id, "steal flag");
    switch (t.state) {
      case TaskState::kWaiting:
        if (missing == 0 || missing != t.missing) bad(t.id, "waiting with wrong missing count");
        if (dep_failed) bad(t.id, "waiting on an erred, cancelled or released dependency");
        break;
      case TaskState::kQueued:
        if (missing != 0) bad(t.id, "queued with a dependency not in memory");
        ++queued[t.cls];
        break;
      case TaskState::kProcessing: {
        ++processing;
        if (missing != 0) bad(t.id, "processing with a dependency not in memory");
        if (t.worker >= workers_.size() || !workers_[t.worker].alive) {
          bad(t.id, "processing on a dead worker");
          break;
        }
        const WorkerRec& W = workers_[t.worker];
        if (std::count(W.processing.begin(), W.processing.end(), x) != 1) {
          bad(t.id, "not listed once by its worker");
        }
        used[t.worker] += classes_[t.cls].cpus;
        break;
      }
      case TaskState::kMemory:
        ++objects;
        if (t.holders.empty()) bad(t.id, "in memory nowhere");
        for (std::uint32_t i = 0; i < t.holders.size(); ++i) {
          const detail::Replica r = t.holders[i];
          if (r.worker >= workers_.size() || !workers_[r.worker].alive ||
              r.pos >= workers_[r.worker].objects.size() ||
              workers_[r.worker].objects[r.pos].task != x ||
              workers_[r.worker].objects[r.pos].replica != i) {
            bad(t.id, "replica and its worker's entry do not point at each other");
          }
          for (std::uint32_t j = 0; j < i; ++j) {
            if (t.holders[j].worker == r.worker) bad(t.id, "two copies on one worker");
          }
        }
        if (holder_bits_.count(x) != (t.holders.size() > kHolderScan ? 1 : 0)) {
          bad(t.id, "holder bitmap kept for the wrong number of copies");
        } else if (t.holders.size() > kHolderScan) {
          std::uint64_t set = 0;
          for (const std::uint64_t word : holder_bits_.at(x)) set += std::popcount(word);
          bool listed = set == t.holders.size();
          for (const detail::Replica r : t.holders) listed = listed && holds(x, r.worker);
          if (!listed) bad(t.id, "holder bitmap differs from the holders");
        }
        if (!needed(t)) bad(t.id, "object kept for nobody");
        break;
      default:
        if (forgettable(t)) bad(t.id, "should have been forgotten");
    }
    // (A computing task may be needed by nobody yet: its dependents arrive in the same batch.)
  }
  for (const auto& [x, thief] : steals_) {
    if (thief != kNone) used[thief] += classes_[task(x).cls].cpus;
  }
  if (alive != stats_.tasks) err << " stats.tasks wrong";
  if (processing != stats_.processing) err << " stats.processing wrong";
  if (objects != stats_.objects) err << " stats.objects wrong";
  std::uint64_t total_queued = 0;
  for (std::size_t c = 0; c < classes_.size(); ++c) {
    total_queued += queued[c];
    if (queued[c] != queued_[c]) err << " class " << c << " queued count wrong";
    if (queued[c] > 0 && !ready_workers_[c].empty()) {
      err << " class " << c << " has queued tasks and a worker ready for them";
    }
  }
  if (total_queued != stats_.queued) err << " stats.queued wrong";
  for (std::uint32_t w = 0; w < workers_.size(); ++w) {
    const WorkerRec& W = workers_[w];
    if (!W.alive) continue;
    if (used[w] != W.used) err << " worker " << W.id << " used slots wrong";
    for (std::uint16_t c : W.classes) {
      if (ready_workers_[c].contains(w) != can_take(W, c, 0)) {
        err << " worker " << W.id << " ready set of class " << c << " wrong";
      }
    }
    std::uint64_t bytes = 0, dead = 0;
    for (const detail::ObjRef& o : W.objects) {
      if (o.task == kNone) {
        ++dead;
        continue;
      }
      if (task(o.task).state != TaskState::kMemory)
        err << " worker " << W.id << " holds a non-object";
      bytes += task(o.task).nbytes;
    }
    if (bytes != W.bytes_held) err << " worker " << W.id << " bytes_held wrong";
    if (dead != W.dead_objects) err << " worker " << W.id << " dead entries miscounted";
  }
  return err.str();
}

}  // namespace weft::sched
