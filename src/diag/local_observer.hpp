// LocalObserver: records the threads runtime's task executions into a Recorder, and serves
// its dashboard when asked.
//
// Pool threads gather their records in a batch of their own and hand it to the recorder
// when it is full, a tenth of a second old, or the thread goes idle: the recorder's mutex
// is taken once per batch, not per task, so recording costs pool threads little.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "diag/recorder.hpp"
#include "exec/thread_pool.hpp"

namespace weft::diag {

class DashboardServer;

// Turns exec::ticks() into wall-clock seconds. The rate is measured against the wall clock
// over a few milliseconds at start, then again from the same origin at every sample, so its
// error shrinks as the run goes on.
class TickClock {
 public:
  TickClock();
  double seconds(std::uint64_t ticks) const noexcept {
    const auto elapsed = static_cast<double>(static_cast<std::int64_t>(ticks - tick0_));
    return wall0_ + elapsed * per_tick_.load(std::memory_order_relaxed);
  }
  void refine() noexcept;

 private:
  std::uint64_t tick0_;
  double wall0_;
  std::atomic<double> per_tick_;
};

class LocalObserver final : public exec::RunObserver {
 public:
  // For a pool of `threads` threads. Serves the dashboard on 127.0.0.1:port when port >= 0
  // (0: a free port); throws ConfigError when it cannot bind.
  LocalObserver(std::string label, int threads, int port);
  ~LocalObserver() override;

  void ran(const weft::detail::TaskState& task, std::uint64_t start, std::uint64_t end,
           int thread) noexcept override;
  void idle() noexcept override;

  const Recorder& recorder() const { return recorder_; }
  // Hands every gathered record to the recorder, so that a report made now is complete.
  void publish();
  std::string dashboard_url() const;

 private:
  struct Lane {
    std::mutex mu;  // its thread's, except when publish() or a helping thread takes it
    std::vector<TaskRecord> batch;
    double first = 0;                               // start of the batch's oldest record
    std::unordered_map<const void*, NameId> names;  // of unnamed tasks, by name_key()
  };
  void flush(Lane& lane);  // REQUIRES: lane.mu held
  void record_error(const weft::detail::TaskState& task, double time);
  void sample();                                         // the workers table, every half second
  void sample_workers(double cpu_used, double elapsed);  // CPU % over `elapsed` seconds

  Recorder recorder_;
  TickClock clock_;
  NameId worker_;
  std::uint32_t threads_;
  std::vector<std::unique_ptr<Lane>> lanes_;  // one per pool thread, then one for helpers
  std::unique_ptr<DashboardServer> dashboard_;
  std::mutex sampler_mu_;
  std::condition_variable sampler_cv_;
  bool stopping_ = false;  // guarded by sampler_mu_
  std::thread sampler_;
};

}  // namespace weft::diag
