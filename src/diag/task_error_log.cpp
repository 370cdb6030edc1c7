#include "diag/task_error_log.hpp"

#include "diag/log.hpp"

namespace weft::diag {

void TaskErrorLog::failed(std::string_view task, std::string_view worker, std::string_view type,
                          std::string_view message) noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  report_locked(Clock::now(), false);
  if (logged_++ >= kPerSecond) {
    ++suppressed_;
    return;
  }
  // Logged under the lock, so that a window's count never precedes its lines.
  log_warn("task '%.*s' failed on %.*s: %.*s: %.*s", static_cast<int>(task.size()), task.data(),
           static_cast<int>(worker.size()), worker.data(), static_cast<int>(type.size()),
           type.data(), static_cast<int>(message.size()), message.data());
}

void TaskErrorLog::report(Clock::time_point now, bool final) noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  report_locked(now, final);
}

void TaskErrorLog::report_locked(Clock::time_point now, bool final) noexcept {
  if (!final && now - window_ < std::chrono::seconds(1)) return;
  if (suppressed_ > 0) {
    log_warn("%llu more task errors", static_cast<unsigned long long>(suppressed_));
  }
  window_ = now;
  logged_ = 0;
  suppressed_ = 0;
}

TaskErrorLog& local_task_errors() noexcept {
  // Never destroyed: a pool thread may still fail a task while the process exits.
  static TaskErrorLog* log = new TaskErrorLog;
  return *log;
}

}  // namespace weft::diag
