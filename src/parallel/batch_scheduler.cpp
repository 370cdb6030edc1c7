#include <algorithm>
#include <string>

#include "weft/detail/backend.hpp"
#include "weft/error.hpp"
#include "weft/parallel.hpp"

namespace weft::detail {

bool BatchScheduler::next(std::size_t& lo, std::size_t& hi) noexcept {
  std::size_t start = cursor_.load(std::memory_order_relaxed);
  std::size_t end = 0;
  do {
    if (stopped() || start >= n_) return false;
    const std::size_t remaining = n_ - start;
    // Guided self-scheduling: a share of what is left, so the number of claims grows with
    // log(n) while the last batches are single items that even out the finish.
    const std::size_t size =
        batch_size_ > 0
            ? batch_size_
            : std::max<std::size_t>(1, remaining / (2 * static_cast<std::size_t>(jobs_)));
    end = start + std::min(size, remaining);
  } while (!cursor_.compare_exchange_weak(start, end, std::memory_order_relaxed));
  lo = start;
  hi = end;
  return true;
}

void BatchScheduler::fail(std::size_t index, std::exception_ptr error) noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (index < error_index_) {
      error_index_ = index;
      error_ = std::move(error);
    }
  }
  stop();
}

std::exception_ptr BatchScheduler::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

int resolve_jobs(int n_jobs) {
  const int available = backend().concurrency();
  if (n_jobs == 0) {
    throw ConfigError("n_jobs = 0 is not valid: use -1 for all workers or N > 0 for at most N");
  }
  if (n_jobs < 0) return std::max(1, available + 1 + n_jobs);
  return std::min(n_jobs, available);
}

void run_runners(BatchScheduler& batches, const std::function<void()>& runner) {
  std::vector<Ref<void>> helpers;
  helpers.reserve(static_cast<std::size_t>(batches.jobs() - 1));
  for (int j = 1; j < batches.jobs(); ++j) {
    helpers.push_back(remote(TaskOptions{.name = "parallel runner"}, [&runner] { runner(); }));
  }
  runner();
  // Helpers that never got a thread have nothing left to do; cancel them instead of waiting
  // for a thread to come free just to let them exit.
  for (Ref<void>& h : helpers) {
    h.cancel();
    h.state()->wait();
  }
  if (std::exception_ptr e = batches.error()) std::rethrow_exception(e);
}

}  // namespace weft::detail
