// ActorMailbox: one hosted actor, its queue of calls, and the task that drains the queue on
// the worker's pool. One drain runs at a time and takes call after call without going back
// to the I/O thread, so a stream of calls costs one hand-off per batch, not per call, and
// the calls never overlap.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "weft/detail/actor_registry.hpp"
#include "worker/actor_table.hpp"
#include "worker/task_runner.hpp"

namespace weft::worker {

class ActorMailbox : public std::enable_shared_from_this<ActorMailbox> {
 public:
  struct Job {
    std::string from;  // the caller's routing id, for the answer
    std::string node;  // the caller's node
    std::uint64_t call = 0;
    const detail::ActorMethod* method = nullptr;
    std::vector<serde::Message> args;
  };

  ActorMailbox(std::uint64_t id, ActorInstance instance, std::string worker, CompletionQueue& done)
      : id_(id), instance_(std::move(instance)), worker_(std::move(worker)), done_(done) {}

  // Queues a call, and a drain on the pool unless one is queued or running. False (not
  // queued) once killed.
  bool post(Job job);
  // Runs the call here and now, on the calling (I/O) thread, when the actor is idle and
  // the method has proved brief (see brief_): it saves two thread hand-offs, most of an
  // actor call's latency. False: post it instead.
  bool try_run_inline(Job& job, Completion& done);
  // The CPU time a call may take and still leave its method brief. Long enough that being
  // preempted (which costs a thread 20-60 us of CPU on a virtual machine) does not count
  // as slow, short enough that the I/O thread is never held up for long.
  static constexpr double kBriefCpuSeconds = 200e-6;

  // Refuses further calls and returns those not started. The actor itself is destroyed
  // with the mailbox: after the running call, if any, returns.
  std::vector<Job> kill();

 private:
  friend class DrainTask;
  void drain() noexcept;
  // The next queued call into `job`; false (and the mailbox idle) when none or killed.
  bool take_next(Job& job);
  void run(Job& job, Completion& c) noexcept;

  const std::uint64_t id_;
  ActorInstance instance_;
  const std::string worker_;
  CompletionQueue& done_;
  std::mutex mu_;
  std::deque<Job> queue_;  // guarded by mu_
  bool running_ = false;   // guarded by mu_
  bool killed_ = false;    // guarded by mu_
  // Per method: true while every call of it so far took under kBriefCpuSeconds of CPU
  // and never waited (on a lock, a get, I/O, a nested actor call); guarded by mu_. A method
  // that ever waited may wait for something only the I/O thread can deliver, so it never
  // runs there: that would deadlock. Methods not yet called are not here: their first call
  // goes to the pool, to be measured.
  std::unordered_map<const detail::ActorMethod*, bool> brief_;
};

}  // namespace weft::worker
