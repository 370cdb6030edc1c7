// TaskErrorLog: the log lines of failed tasks, rate-limited.
//
// A failing map of a million tasks must not flood the log: at most kPerSecond lines a
// second, then one line that counts the rest. The scheduler keeps one for the cluster's
// tasks; in-process runtimes share local_task_errors().
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace weft::diag {

class TaskErrorLog {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kPerSecond = 20;

  // Task `task` failed on `worker` by raising `type`: `message`. Logged as a warning, or
  // counted when this second's lines are used up. Safe from any thread.
  void failed(std::string_view task, std::string_view worker, std::string_view type,
              std::string_view message) noexcept;
  // Ends the window once it is over (`final`: now), so the count comes out even when
  // errors stop.
  void report(Clock::time_point now, bool final = false) noexcept;

 private:
  void report_locked(Clock::time_point now, bool final) noexcept;  // REQUIRES: mu_ held

  std::mutex mu_;
  Clock::time_point window_;  // guarded by mu_, as are the counts
  int logged_ = 0;
  std::uint64_t suppressed_ = 0;
};

// The log of tasks that fail in this process (threads and inline runtimes, a client's own
// tasks): the scheduler never sees them. Its count comes out at the next error after the
// second or when the runtime stops.
TaskErrorLog& local_task_errors() noexcept;

}  // namespace weft::diag
