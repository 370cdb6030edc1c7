// ThreadPool: the threads runtime, a work-stealing pool of worker threads.
//
// Scheduling:
//  - Each worker owns a deque. Work a worker schedules goes to its own deque, so a task's
//    children and newly ready dependents run next on the same thread (depth first: results
//    are consumed while hot, and freed early).
//  - Threads outside the pool (the program's main thread, say) each claim one of a few
//    external slots, which are deques too; past that they share a locked injection queue.
//  - An idle worker pops its own deque, then the injection queue, then steals from a random
//    victim. After a short spin it parks; schedule() wakes one parked worker. No CPU is used
//    while nothing is queued.
//  - A pool thread that waits for a task (get inside a task) runs other tasks meanwhile
//    instead of blocking, so nested waits cannot exhaust the pool; when it finds nothing it
//    parks as a sleeper, so new work still wakes it. Threads outside the pool just block:
//    helping there could make get() return only after some unrelated long task.
//  - External slots are only pushed by their owner and stolen from by workers, so the
//    program's own submissions run oldest first.
// Shutdown drains: every queued task and every task that becomes ready runs before the
// destructor returns.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "exec/parker.hpp"
#include "exec/work_stealing_deque.hpp"
#include "weft/detail/backend.hpp"

namespace weft::exec {

// The calling thread's index in the pool it works for (0..workers-1), or -1 when it is not
// a pool thread: names the lane of a task stream.
int current_thread_index() noexcept;

// Told about every task a pool runs, while a run is recorded (weft/observe.hpp).
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // `task` ran from `start` to `end` (exec::ticks()) on pool thread `thread` (-1: a
  // thread outside the pool that helped). Called on that thread; `task` is still alive.
  virtual void ran(const detail::TaskState& task, std::uint64_t start, std::uint64_t end,
                   int thread) noexcept = 0;
  // The calling pool thread found no work and is about to sleep.
  virtual void idle() noexcept = 0;
};

class ThreadPool final : public detail::Backend {
 public:
  // Starts `workers` threads, telling `observer` (when not null; it must outlive the pool)
  // about each task run. REQUIRES: workers >= 1.
  explicit ThreadPool(int workers, RunObserver* observer = nullptr);
  ~ThreadPool() override;

  void schedule(detail::TaskState* task) noexcept override;
  void wait(detail::TaskState& state) noexcept override;
  bool help_one() noexcept override;
  int concurrency() const noexcept override { return workers_; }
  std::string worker_name() const override;

 private:
  struct alignas(64) Slot {
    WorkStealingDeque<detail::TaskState*> deque;
    Parker parker;
    std::atomic<bool> claimed{false};
  };
  struct ParkWaiter;

  void worker_loop(int index);
  Slot* own_slot() noexcept;  // the calling thread's slot, claiming one if needed
  detail::TaskState* find_work(Slot* own) noexcept;
  bool has_work() const noexcept;
  void run(detail::TaskState* task) noexcept;
  void sleep(Slot& slot, const detail::TaskState* awaited) noexcept;
  void wake_one() noexcept;

  static constexpr int kExternalSlots = 4;

  const int workers_;
  RunObserver* const observer_;
  const std::uint64_t generation_;
  std::unique_ptr<Slot[]> slots_;  // workers_ worker slots, then kExternalSlots
  std::vector<std::thread> threads_;

  std::mutex inject_mu_;
  std::deque<detail::TaskState*> inject_;  // guarded by inject_mu_
  std::atomic<std::size_t> inject_size_{0};

  std::mutex sleep_mu_;
  std::vector<Parker*> sleepers_;  // guarded by sleep_mu_
  std::atomic<int> num_sleepers_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace weft::exec
