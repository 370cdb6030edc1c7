// parallel_for/map's batching: claims of items by guided self-scheduling, and the
// non-template halves of running batches on a cluster.
#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>

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

namespace {

// ItemFailure's what(): "weft batch item I\nTYPE\nMESSAGE". A type name has no newline;
// the message, last, may.
constexpr std::string_view kItemPrefix = "weft batch item ";

std::string item_what(std::size_t index, const std::string& type, const std::string& message) {
  return std::string(kItemPrefix) + std::to_string(index) + "\n" + type + "\n" + message;
}

}  // namespace

ItemFailure::ItemFailure(std::size_t index, const std::string& type, const std::string& message)
    : std::runtime_error(item_what(index, type, message)) {}

void throw_item_failure(std::size_t index) {
  try {
    throw;
  } catch (const TaskError&) {
    throw;
  } catch (const std::exception& e) {
    throw ItemFailure(index, callable_name(typeid(e)), e.what());
  } catch (...) {
    throw ItemFailure(index, "unknown exception", "(not derived from std::exception)");
  }
}

std::exception_ptr item_error(const std::exception_ptr& error, std::size_t first,
                              const std::string& name, std::size_t& index) {
  index = first;
  try {
    std::rethrow_exception(error);
  } catch (const TaskError& e) {
    static const std::string kType = callable_name(typeid(ItemFailure));
    const std::string_view what = e.message();
    if (e.type_name() != kType || what.substr(0, kItemPrefix.size()) != kItemPrefix) return error;
    const std::string_view rest = what.substr(kItemPrefix.size());
    std::size_t k = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), k);
    const std::size_t type_at = static_cast<std::size_t>(end - rest.data()) + 1;
    const std::size_t message_at = rest.find('\n', type_at);
    if (ec != std::errc() || type_at > rest.size() || rest[type_at - 1] != '\n' ||
        message_at == std::string_view::npos) {
      return error;
    }
    index = first + k;
    return std::make_exception_ptr(
        TaskError(std::string(rest.substr(type_at, message_at - type_at)),
                  std::string(rest.substr(message_at + 1)),
                  name + "[" + std::to_string(index) + "]", e.worker()));
  } catch (...) {
    return error;
  }
}

std::string batch_name(const std::string& name, std::size_t lo, std::size_t hi) {
  return name + "[" + std::to_string(lo) + ":" + std::to_string(hi) + "]";
}

int batch_window(int jobs) {
  // A batch's round trip (submit, schedule, run, report, fetch) costs ~250 us on loopback
  // whatever its size, so the small batches at the end of a job would leave the workers
  // idle between them if few were in flight. The scheduler assigns a worker only as many
  // tasks as it has threads and queues the rest, so more in flight does not oversubscribe.
  // Measured on processes:2 (1000 no-op items, median of 15): 2 per job 5.4 ms, 4: 2.9 ms,
  // 8: 2.8 ms, 16: 1.1 ms.
  constexpr int kPerJob = 16;
  return jobs < backend().concurrency() ? jobs : kPerJob * jobs;
}

void throw_cannot_travel(const char* api, const std::string& callable, const char* why) {
  throw ConfigError(std::string(api) + ": " + callable +
                    " cannot run on this runtime's workers, which are other processes: it " + why +
                    ". (The threads and inline runtimes run any callable.)");
}

// Fires on the thread that completes the state (the cluster's I/O thread), once; owns itself.
struct BatchQueue::Node final : Waiter {
  std::shared_ptr<BatchQueue> queue;
  std::size_t slot = 0;
  void on_complete(TaskState&) noexcept override {
    std::shared_ptr<BatchQueue> q = std::move(queue);
    const std::size_t s = slot;
    delete this;
    q->push(s);
  }
};

void BatchQueue::watch(TaskState& state, std::size_t slot) {
  // A batch's result is wanted as soon as it is done: fetch it then, however large.
  if (RemoteObject* r = state.remote_object()) want_remote(*r);
  auto* w = new Node;
  w->queue = shared_from_this();
  w->slot = slot;
  if (!state.add_waiter(w)) {
    delete w;
    push(slot);
  }
}

std::size_t BatchQueue::pop() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !done_.empty(); });
  const std::size_t slot = done_.front();
  done_.pop_front();
  return slot;
}

void BatchQueue::push(std::size_t slot) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_.push_back(slot);
  }
  cv_.notify_one();
}

}  // namespace weft::detail
