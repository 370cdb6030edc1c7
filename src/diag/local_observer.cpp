#include "diag/local_observer.hpp"

#include <sys/resource.h>

#include <chrono>
#include <utility>

#include "diag/dashboard.hpp"
#include "exec/ticks.hpp"
#include "net/wire.hpp"
#include "store/spill.hpp"
#include "weft/detail/task_state.hpp"
#include "weft/error.hpp"

namespace weft::diag {
namespace {

constexpr std::size_t kBatch = 256;
constexpr double kMaxBatchAge = 0.1;  // seconds a record may wait to be seen

double cpu_seconds() {
  rusage u{};
  if (::getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

}  // namespace

TickClock::TickClock() : tick0_(exec::ticks()), wall0_(wall_time()), per_tick_(1e-9) {
  if (!exec::kTicksAreTsc) return;  // steady_clock nanoseconds
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  refine();
}

void TickClock::refine() noexcept {
  if (!exec::kTicksAreTsc) return;
  const std::uint64_t t = exec::ticks();
  const double w = wall_time();
  if (t > tick0_ && w > wall0_) {
    per_tick_.store((w - wall0_) / static_cast<double>(t - tick0_), std::memory_order_relaxed);
  }
}

LocalObserver::LocalObserver(std::string label, int threads, int port)
    : recorder_(std::move(label)),
      worker_(recorder_.intern("threads@" + net::host_name())),
      threads_(static_cast<std::uint32_t>(threads)) {
  for (int i = 0; i <= threads; ++i) lanes_.push_back(std::make_unique<Lane>());
  if (port >= 0) dashboard_ = std::make_unique<DashboardServer>(recorder_, "127.0.0.1", port);
  // The workers table has its row before the first page or snapshot can be read.
  sample_workers(0, 0);
  sampler_ = std::thread([this] { sample(); });
}

LocalObserver::~LocalObserver() {
  {
    std::lock_guard<std::mutex> lock(sampler_mu_);
    stopping_ = true;
  }
  sampler_cv_.notify_all();
  sampler_.join();
  dashboard_.reset();  // its threads read recorder_
}

void LocalObserver::ran(const weft::detail::TaskState& task, std::uint64_t start_ticks,
                        std::uint64_t end_ticks, int thread) noexcept {
  const double start = clock_.seconds(start_ticks);
  const double end = clock_.seconds(end_ticks);
  Lane& lane = *lanes_[thread >= 0 && static_cast<std::uint32_t>(thread) < threads_
                           ? static_cast<std::size_t>(thread)
                           : threads_];
  try {
    std::lock_guard<std::mutex> lock(lane.mu);
    NameId name;
    const void* key = task.has_name() ? nullptr : task.name_key();
    if (key == nullptr) {
      name = recorder_.intern(task.name());
    } else {
      auto [it, added] = lane.names.try_emplace(key, 0);
      if (added) it->second = recorder_.intern(task.default_name());
      name = it->second;
    }
    const bool ok = task.status() == weft::detail::Status::kDone;
    if (lane.batch.empty()) lane.first = start;
    lane.batch.push_back(TaskRecord{task.id(), name, worker_,
                                    thread >= 0 ? static_cast<std::uint32_t>(thread) : threads_,
                                    start, end, ok});
    if (!ok && task.status() == weft::detail::Status::kFailed) record_error(task, end);
    if (lane.batch.size() >= kBatch || end - lane.first > kMaxBatchAge) flush(lane);
  } catch (...) {
    // Out of memory: this record is lost, the run goes on.
  }
}

// Lists the error of a task that threw; one that failed because an input did carries its
// input's error (same task name in it), listed when that input ran.
void LocalObserver::record_error(const weft::detail::TaskState& task, double time) {
  ErrorRecord r;
  r.time = time;
  try {
    std::rethrow_exception(task.error());
  } catch (const TaskError& e) {
    if (e.task_name() != task.name()) return;
    r = ErrorRecord{e.task_name(), e.type_name(), e.message(), e.worker(), time};
  } catch (const std::exception& e) {
    r = ErrorRecord{task.name(), "std::exception", e.what(), "", time};
  } catch (...) {
    r = ErrorRecord{task.name(), "unknown exception", "", "", time};
  }
  recorder_.failed(task.id(), std::move(r));
}

void LocalObserver::idle() noexcept {
  const int index = exec::current_thread_index();
  if (index < 0 || static_cast<std::uint32_t>(index) >= threads_) return;
  Lane& lane = *lanes_[static_cast<std::size_t>(index)];
  try {
    std::lock_guard<std::mutex> lock(lane.mu);
    flush(lane);
  } catch (...) {
  }
}

void LocalObserver::flush(Lane& lane) {
  if (lane.batch.empty()) return;
  recorder_.finished(lane.batch);
  lane.batch.clear();
}

void LocalObserver::publish() {
  for (auto& lane : lanes_) {
    std::lock_guard<std::mutex> lock(lane->mu);
    flush(*lane);
  }
}

std::string LocalObserver::dashboard_url() const { return dashboard_ ? dashboard_->url() : ""; }

void LocalObserver::sample_workers(double cpu_used, double elapsed) {
  WorkerSample s;
  s.name = "threads@" + net::host_name();
  s.host = net::host_name();
  s.threads = threads_;
  s.cpu = elapsed > 0 ? 100 * cpu_used / elapsed : 0;
  s.memory = store::resident_bytes();
  recorder_.workers({std::move(s)});
}

void LocalObserver::sample() {
  double last_cpu = cpu_seconds();
  auto last = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(sampler_mu_);
  while (!stopping_) {
    lock.unlock();
    const double cpu = cpu_seconds();
    const auto now = std::chrono::steady_clock::now();
    sample_workers(cpu - last_cpu, std::chrono::duration<double>(now - last).count());
    clock_.refine();
    last_cpu = cpu;
    last = now;
    publish();  // a thread busy with one long task still shows what it finished before
    lock.lock();
    sampler_cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; });
  }
}

}  // namespace weft::diag
