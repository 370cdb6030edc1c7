// Running tasks: starting them (or holding them while memory is short), timeouts, and
// their completions.
#include "worker/worker_process.hpp"

namespace weft::worker {

void Worker::on_run(net::Run& run) {
  for (net::RunItem& item : run.tasks) {
    Pending p;
    for (const net::Location& dep : item.deps) {
      if (objects_.contains(dep.id)) continue;
      ++p.missing;
      needed_by_[dep.id].push_back(item.id);
      if (fetching_.count(dep.id) == 0) {
        fetching_[dep.id] = Fetching{dep.holders, 0, wall_time()};
        if (dep.holders.empty()) {
          ask_next_holder(dep.id);  // fails the tasks: nowhere to fetch from
        } else {
          fetches_[dep.holders[0]].push_back(dep.id);
        }
      }
    }
    if (p.missing == 0) {
      start(std::move(item));
    } else {
      const std::uint64_t id = item.id;
      p.item = std::move(item);
      waiting_.emplace(id, std::move(p));
    }
  }
}

// Launches the task, or queues it while the worker is paused (or others queued before it).
void Worker::start(net::RunItem item) {
  if (objects_.managed() && (paused_ || !ready_.empty())) {
    const std::uint64_t id = item.id;
    ready_.push_back(id);
    waiting_.emplace(id, Pending{std::move(item), 0});
    return;
  }
  launch(std::move(item));
}

void Worker::launch(net::RunItem item) {
  const std::string& fname = item.call.function;
  const detail::RemoteFunction* fn = detail::find_function(fname);
  if (fn == nullptr || fn->invoke == nullptr) {
    fail(item.id, "weft::ConfigError",
         "function '" + fname + "' is not registered with WEFT_REMOTE in this worker's " +
             "program; start workers from the program's own binary, or load the library " +
             "that registers it (weft worker --load LIB)",
         item.call.name);
    return;
  }
  if (fn->signature != item.call.signature) {
    fail(item.id, "weft::SerdeError",
         "the caller's declaration of '" + fname +
             "' has other argument or result types than this worker's (built from other " +
             "code?)",
         item.call.name);
    return;
  }
  if (objects_.limit() > 0) {  // before reloading spilled inputs that cannot fit anyway
    std::uint64_t inputs = 0;
    for (const net::Arg& a : item.call.args) {
      if (a.ref != 0) inputs += objects_.size_of(a.ref);
      inputs += a.body.size();
      for (const Buffer& f : a.frames) inputs += f.size();
    }
    if (inputs > objects_.limit()) {
      fail(item.id, "weft::MemoryLimitError",
           over_limit_message("inputs", inputs, objects_.limit()), item.call.name);
      return;
    }
  }
  std::vector<serde::Message> args;
  args.reserve(item.call.args.size());
  for (net::Arg& a : item.call.args) {
    if (a.ref == 0) {
      args.push_back(serde::Message{std::move(a.body), std::move(a.frames)});
      continue;
    }
    const Stored* dep = nullptr;
    std::string why = "it is no longer on " + label_;  // freed between its fetch and now
    try {
      dep = objects_.get(a.ref);
    } catch (const Error& e) {
      why = e.what();
    }
    if (dep == nullptr) {  // the task fails alone
      fail(item.id, "weft::Error", "dependency " + std::to_string(a.ref) + ": " + why,
           item.call.name);
      return;
    }
    args.push_back(dep->message);
  }
  if (item.call.timeout > 0) {
    deadlines_.push_back(
        Deadline{Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(item.call.timeout)),
                 item.id, item.call.timeout, item.call.name});
  }
  auto* task = new TaskRunner(item.id, fn, std::move(item.call.name), label_, std::move(args),
                              completions_, objects_.limit());
  task->retain();  // running_'s reference; the pool owns the first
  running_.emplace(item.id, detail::StatePtr<TaskRunner>(task));
  detail::backend().schedule(task);
}

// Spills and pauses per ObjectStore's thresholds, then starts queued tasks as memory allows.
// Resident memory is read every loop turn (a read of /proc/self/statm costs microseconds,
// paid only with a limit), and again after a spill, which frees segments at once. A
// paused worker with no task running still starts one at a time: waiting could not lower
// its memory, so a limit below its idle footprint slows it down but never stops it.
void Worker::manage_memory() {
  if (!objects_.managed()) return;
  resident_ = store::resident_bytes();
  if (objects_.relieve(resident_) > 0) resident_ = store::resident_bytes();
  paused_ = objects_.over_pause(resident_);
  while (!ready_.empty() && (!paused_ || running_.empty())) {
    const std::uint64_t id = ready_.front();
    ready_.pop_front();
    auto it = waiting_.find(id);
    if (it == waiting_.end() || it->second.missing > 0) continue;  // stolen or cancelled
    net::RunItem item = std::move(it->second.item);
    waiting_.erase(it);
    launch(std::move(item));
  }
}

// A task past its timeout is reported failed now and its eventual completion dropped: the
// thread cannot be stopped, but the caller (and the scheduler's retry) need not wait.
void Worker::expire_deadlines() {
  const auto now = Clock::now();
  std::erase_if(deadlines_, [&](const Deadline& d) {
    if (running_.count(d.task) == 0 || discard_.count(d.task) > 0) return true;  // finished
    if (now < d.at) return false;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", d.seconds);
    fail(d.task, "weft::TimeoutError",
         std::string("ran longer than its timeout of ") + seconds + " s; " + label_ +
             " stopped waiting for it (its thread stays busy until it returns)",
         d.name);
    discard_.insert(d.task);
    return true;
  });
}

void Worker::fail(std::uint64_t task, std::string type, std::string message,
                  const std::string& name) {
  failed_.failures.push_back(
      net::Failure{task, net::RemoteError{std::move(type), std::move(message), name, label_}});
}

void Worker::drain_completions() {
  std::vector<Completion> done = completions_.take();
  // Before the factories' results are reported: a caller can only learn where an actor is
  // from that result, so the actor is in the table before any call for it can arrive.
  for (auto& [id, instance] : take_adopted()) {
    actors_[id] = std::make_shared<ActorMailbox>(id, std::move(instance), label_, completions_);
  }
  for (Completion& c : done) {
    running_.erase(c.id);
    if (c.actor != 0) {
      finish_actor_call(c);
      continue;
    }
    if (discard_.erase(c.id) > 0) continue;
    if (c.ok) {
      const std::uint64_t nbytes = c.value.total_bytes();
      objects_.put(c.id, Stored{std::move(c.value), std::move(c.shm), std::move(c.layout)});
      finished_.results.push_back(net::Result{c.id, nbytes, c.run});
    } else {
      failed_.failures.push_back(net::Failure{c.id, std::move(c.error), c.run});
    }
  }
}

}  // namespace weft::worker
