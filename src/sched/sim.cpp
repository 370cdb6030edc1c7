// Simulator: carrying out a scheduler's actions with virtual workers.
#include "sched/sim.hpp"

#include <algorithm>
#include <bit>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif
#include <utility>

namespace weft::sched {

namespace {
constexpr WorkerId kSmallIds = 1u << 20;
constexpr std::uint32_t kAbsent = ~0u;

// The time-stamp counter: a few cycles to read, where a clock call costs tens of
// nanoseconds, a good share of a scheduler event.
std::uint64_t ticks() {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return 0;
#endif
}
}  // namespace

Simulator::Simulator(Scheduler& scheduler, Model model, SimConfig config)
    : scheduler_(scheduler), model_(std::move(model)), config_(config) {}

std::uint32_t Simulator::index_of(WorkerId id) const {
  if (id < kSmallIds) return id < small_ids_.size() ? small_ids_[id] : kAbsent;
  const auto it = worker_index_.find(id);
  return it == worker_index_.end() ? kAbsent : it->second;
}

Simulator::VWorker* Simulator::find(WorkerId id) {
  const std::uint32_t i = index_of(id);
  return i == kAbsent ? nullptr : &workers_[i];
}

std::uint32_t Simulator::new_list() {
  if (free_lists_.empty()) {
    lists_.emplace_back();
    return static_cast<std::uint32_t>(lists_.size() - 1);
  }
  const std::uint32_t list = free_lists_.back();
  free_lists_.pop_back();
  lists_[list].truncate(0);
  return list;
}

void Simulator::free_list(std::uint32_t list) {
  if (list != kNoList) free_lists_.push_back(list);
}

bool Simulator::running_here(const Completion& c) const {
  const Running& r = running_[c.slot];
  return r.epoch == workers_[r.worker].epoch && cancelled_.count(c.seq) == 0;
}

// The scheduler's records of the next completions start loading while this one is
// handled: the furthest only its task's record, the nearer ones (whose records were asked
// for in earlier steps) what that record points to.
void Simulator::prefetch_next() const {
  int ahead = 0;  // the next completion's records were requested a step or two ago
  completions_.peek_some(4, [&](const Completion& c) {
    scheduler_.prefetch(c.handle, std::max(0, 2 - ahead++));
    __builtin_prefetch(&running_[c.slot]);
    __builtin_prefetch(&workers_[c.worker]);
  });
}

void Simulator::add_worker(WorkerId id, std::uint32_t nthreads, Resources resources,
                           std::uint64_t memory_limit) {
  const std::uint32_t i = index_of(id);
  if (i != kAbsent) {
    VWorker& w = workers_[i];
    w.nthreads = nthreads;
    w.alive = true;
    if (config_.check) objects_[i].clear();
  } else {
    const auto index = static_cast<std::uint32_t>(workers_.size());
    if (id < kSmallIds) {
      if (id >= small_ids_.size()) small_ids_.resize(id + 1, kAbsent);
      small_ids_[id] = index;
    } else {
      worker_index_.emplace(id, index);
    }
    workers_.push_back(VWorker{id, nthreads, 0, 0, true, {}});
    objects_.emplace_back();
  }
  deliver(WorkerJoined{id, nthreads, std::move(resources), memory_limit});
}

void Simulator::kill_worker(WorkerId id) {
  const std::uint32_t i = index_of(id);
  if (i == kAbsent || !workers_[i].alive) return;
  VWorker& w = workers_[i];
  completions_.for_each([&](const Completion& c) {  // rare: a scan is fine
    if (running_[c.slot].worker == i && running_here(c)) --in_flight_;
  });
  in_flight_ -= w.queue.size();
  for (const Assigned& a : w.queue) free_list(a.fetched);
  w.queue.reset();
  w.alive = false;
  w.running = 0;
  ++w.epoch;  // what it runs never completes
  objects_[i].clear();
  deliver(WorkerLeft{id});
}

template <class E>
void Simulator::deliver(const E& e) {
  if (delivering_) {
    pending_.emplace_back(e);
    return;
  }
  delivering_ = true;
  dispatch(e);
  while (!pending_.empty()) {
    const Event next = std::move(pending_.front());
    pending_.pop_front();
    std::visit([&](const auto& ev) { dispatch(ev); }, next);
  }
  delivering_ = false;
}

template <class E>
void Simulator::dispatch(const E& e) {
  ++events_;
  if (config_.time_scheduler) {
    const std::uint64_t start = ticks();
    if (first_tick_ == 0) {
      first_tick_ = start;
      first_time_ = std::chrono::steady_clock::now();
    }
    scheduler_.handle(e, actions_);
    scheduler_ticks_ += ticks() - start;
  } else {
    scheduler_.handle(e, actions_);
  }
  if (config_.check) {
    std::string broken = scheduler_.check_invariants();
    if (!broken.empty()) violations_.push_back(to_string(Event{e}) + ": " + broken);
  }
  for (const Action& a : actions_) {
    if (config_.log_actions) log_.push_back(a);
    apply(a);
  }
  actions_.clear();
}

void Simulator::submit(const ClientSubmit& e) { deliver(e); }
void Simulator::release(TaskId task) { deliver(ClientRelease{task}); }
void Simulator::cancel(TaskId task) { deliver(ClientCancel{task}); }
void Simulator::send(const Event& e) {
  std::visit([&](const auto& ev) { deliver(ev); }, e);
}

void Simulator::apply(const Action& a) {
  if (const auto* run = std::get_if<RunTask>(&a)) {
    apply_run(*run);
  } else if (const auto* c = std::get_if<CancelOnWorker>(&a)) {
    const std::uint32_t i = index_of(c->worker);
    if (i == kAbsent || !workers_[i].alive) return;
    auto& queue = workers_[i].queue;
    const auto q = std::find_if(queue.begin(), queue.end(),
                                [&](const Assigned& x) { return x.task == c->task; });
    if (q != queue.end()) {
      free_list(q->fetched);
      queue.erase(static_cast<std::uint32_t>(q - queue.begin()));
      --in_flight_;
      return;
    }
    // Started: it runs on, and its result is dropped.
    std::uint64_t seq = 0;
    bool found = false;
    completions_.for_each([&](const Completion& r) {
      if (!found && running_[r.slot].task == c->task && running_[r.slot].worker == i &&
          running_here(r)) {
        seq = r.seq;
        found = true;
      }
    });
    if (found) {
      cancelled_.insert(seq);
      --in_flight_;
    }
  } else if (const auto* f = std::get_if<FreeObject>(&a)) {
    const std::uint32_t i = index_of(f->worker);
    if (config_.check && i != kAbsent && workers_[i].alive && objects_[i].erase(f->object) == 0) {
      violations_.push_back("FreeObject of an object the worker does not hold: " + to_string(a));
    }
  } else if (const auto* s = std::get_if<StealRequest>(&a)) {
    VWorker* w = find(s->victim);
    if (w == nullptr || !w->alive) return;
    const auto q = std::find_if(w->queue.begin(), w->queue.end(),
                                [&](const Assigned& x) { return x.task == s->task; });
    if (q != w->queue.end()) {
      free_list(q->fetched);
      w->queue.erase(static_cast<std::uint32_t>(q - w->queue.begin()));
      --in_flight_;
      deliver(StealConfirmed{s->task, s->victim});
    } else {
      deliver(StealRejected{s->task, s->victim});
    }
  } else if (const auto* d = std::get_if<TaskDone>(&a)) {
    done_.push_back(d->task);
    if (config_.release_on_done) deliver(ClientRelease{d->task});
  } else if (const auto* e = std::get_if<TaskErred>(&a)) {
    erred_.push_back(*e);
  } else if (const auto* k = std::get_if<TaskCancelled>(&a)) {
    cancelled_tasks_.push_back(k->task);
  }
}

void Simulator::apply_run(const RunTask& a) {
  const std::uint32_t index = index_of(a.worker);
  if (index == kAbsent || !workers_[index].alive) {
    violations_.push_back("RunTask to a worker that is not alive: " + to_string(Action{a}));
    return;
  }
  Assigned job{a.task, 0, kNoList, a.handle};
  for (const DepLocation& dep : a.deps) {
    if (std::find(dep.holders.begin(), dep.holders.end(), a.worker) != dep.holders.end()) continue;
    if (config_.check) {
      bool found = false;
      for (WorkerId h : dep.holders) {
        const std::uint32_t hi = index_of(h);
        found |= hi != kAbsent && workers_[hi].alive && objects_[hi].count(dep.object) != 0;
      }
      if (!found) {
        violations_.push_back("RunTask lists no live holder of dependency " +
                              std::to_string(dep.object) + ": " + to_string(Action{a}));
      }
    }
    job.transfer += static_cast<double>(dep.nbytes) / config_.bandwidth;
    if (config_.report_replicas || config_.check) {
      if (job.fetched == kNoList) job.fetched = new_list();
      lists_[job.fetched].push_back({dep.object, dep.handle});
    }
  }
  workers_[index].queue.push_back(job);
  peak_in_flight_ = std::max(peak_in_flight_, ++in_flight_);
  try_start(index);
}

void Simulator::try_start(std::uint32_t index) {
  VWorker& w = workers_[index];
  while (w.alive && w.running < w.nthreads && !w.queue.empty()) {
    const Assigned job = w.queue[0];
    w.queue.erase(0);
    const SimTask outcome = model_(job.task);
    std::uint32_t slot;
    if (free_running_.empty()) {
      slot = static_cast<std::uint32_t>(running_.size());
      running_.emplace_back();
    } else {
      slot = free_running_.back();
      free_running_.pop_back();
    }
    running_[slot] = Running{job.task, index, w.epoch, job.fetched, job.handle, outcome};
    const double end = std::max(0.0, now_ + job.transfer + outcome.duration);
    completions_.push(
        Completion{std::bit_cast<std::uint64_t>(end), seq_++, slot, index, job.handle});
    ++w.running;
    if (config_.log_starts) starts_.push_back(job.task);
  }
}

bool Simulator::step() {
  while (!completions_.empty()) {
    const Completion c = completions_.pop();
    const Running r = running_[c.slot];
    free_running_.push_back(c.slot);
    VWorker& w = workers_[r.worker];
    if (r.epoch != w.epoch) {  // the worker died meanwhile
      if (!cancelled_.empty()) cancelled_.erase(c.seq);
      free_list(r.fetched);
      continue;
    }
    prefetch_next();
    now_ = std::bit_cast<double>(c.when);
    --w.running;
    const bool cancelled = !cancelled_.empty() && cancelled_.erase(c.seq) != 0;
    const WorkerId id = w.id;
    try_start(r.worker);
    if (cancelled) {
      free_list(r.fetched);
      return true;
    }
    --in_flight_;
    if (r.fetched != kNoList) {
      for (const Fetched& f : lists_[r.fetched]) {
        if (config_.check) objects_[r.worker].insert(f.object);
        if (config_.report_replicas) deliver(ObjectReplicated{f.object, id, f.handle});
      }
      free_list(r.fetched);
    }
    if (r.outcome.fail) {
      deliver(TaskFailed{r.task, id, "simulated failure of task " + std::to_string(r.task)});
    } else {
      if (config_.check) objects_[r.worker].insert(r.task);
      deliver(TaskFinished{r.task, id, r.outcome.nbytes, r.outcome.duration, r.handle});
    }
    return true;
  }
  return false;
}

double Simulator::scheduler_seconds() const {
  const std::uint64_t elapsed = ticks() - first_tick_;
  if (first_tick_ == 0 || elapsed == 0) return 0;
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - first_time_;
  return static_cast<double>(scheduler_ticks_) * seconds.count() / static_cast<double>(elapsed);
}

void Simulator::run() {
  while (step()) {
  }
}

void Simulator::run_until(double t) {
  while (!completions_.empty() && std::bit_cast<double>(completions_.min_key()) <= t) step();
  now_ = std::max(now_, t);
}

}  // namespace weft::sched
