// joblib-style data parallelism: parallel_map, parallel_map_unordered and parallel_for.
//
//   std::vector<double> roots = weft::parallel_map(sqrt_of, inputs, {.n_jobs = 2});
//
// Items are batched automatically (guided self-scheduling: each claim takes a share of what
// is left, so early batches are large and the tail is fine-grained), which makes a million
// one-microsecond calls cost about what a hand-split loop does, while a handful of
// one-second calls still spread one per worker. Runs on the current runtime.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/ref.hpp"
#include "weft/remote.hpp"

namespace weft {

struct ParallelOptions {
  // Workers to use, like joblib: -1 = all the runtime has, -2 = all but one, and so on;
  // N > 0 = at most N (capped by the runtime's concurrency). 0 is a ConfigError.
  int n_jobs = -1;
  // Items per batch; 0 = automatic.
  std::size_t batch_size = 0;
  // Prefix of the task name in errors: "NAME[i]" names the failing item.
  std::string name = "parallel_map";
};

namespace detail {

// Hands out batches of [0, n) to concurrent runners and records the first failure.
class BatchScheduler {
 public:
  BatchScheduler(std::size_t n, int jobs, std::size_t batch_size) noexcept
      : n_(n), jobs_(jobs), batch_size_(batch_size) {}

  // Claims the next batch [lo, hi). Returns false when all are claimed or after a failure.
  bool next(std::size_t& lo, std::size_t& hi) noexcept;
  // Records that item `index` failed with `error` (a TaskError) and stops further claims.
  // The failure with the lowest index wins, so errors are reported deterministically.
  void fail(std::size_t index, std::exception_ptr error) noexcept;
  // Stops further claims without recording a failure.
  void stop() noexcept { stop_.store(true, std::memory_order_relaxed); }
  bool stopped() const noexcept { return stop_.load(std::memory_order_relaxed); }
  std::exception_ptr error() const;
  int jobs() const noexcept { return jobs_; }

 private:
  const std::size_t n_;
  const int jobs_;
  const std::size_t batch_size_;
  std::atomic<std::size_t> cursor_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::exception_ptr error_;  // guarded by mu_
  std::size_t error_index_ = static_cast<std::size_t>(-1);
};

// Resolves ParallelOptions::n_jobs against the current runtime.
int resolve_jobs(int n_jobs);

// Runs `runner` on `jobs` runners at once: jobs - 1 tasks on the runtime plus the calling
// thread, and returns when all have returned. Rethrows the scheduler's first failure.
void run_runners(BatchScheduler& batches, const std::function<void()>& runner);

// Calls body(i) for every i in every batch claimed from `batches`, turning an exception
// into a TaskError named "name[i]".
template <class Body>
void run_items(BatchScheduler& batches, const std::string& name, Body& body) {
  std::size_t lo = 0, hi = 0;
  while (batches.next(lo, hi)) {
    std::size_t i = lo;
    try {
      for (; i < hi && !batches.stopped(); ++i) body(i);
    } catch (...) {
      batches.fail(i,
                   make_task_error(std::current_exception(), name + "[" + std::to_string(i) + "]"));
    }
  }
}

template <class R>
decltype(auto) item_at(R& range, std::size_t i) {
  return std::ranges::begin(range)[static_cast<std::ranges::range_difference_t<R>>(i)];
}

}  // namespace detail

// Calls f(i) for every i in [begin, end) in parallel. Throws the TaskError of the failing
// index with the lowest number after stopping the other batches.
template <class F>
requires std::is_invocable_v<F&, std::int64_t>
void parallel_for(std::int64_t begin, std::int64_t end, F&& f,
                  const ParallelOptions& options = {}) {
  if (end <= begin) return;
  detail::BatchScheduler batches(static_cast<std::size_t>(end - begin),
                                 detail::resolve_jobs(options.n_jobs), options.batch_size);
  auto body = [&](std::size_t i) { f(begin + static_cast<std::int64_t>(i)); };
  detail::run_runners(batches, [&] { detail::run_items(batches, options.name, body); });
}

// Returns f(x) for every x in `inputs`, in input order, like
// joblib.Parallel(n_jobs)(delayed(f)(x) for x in inputs). `inputs` is any random-access
// sized range (vector, array, span, iota view). The first failure (by input position)
// stops the remaining batches and is thrown as a TaskError.
template <class F, std::ranges::random_access_range Inputs>
requires std::ranges::sized_range<Inputs> &&
    std::is_invocable_v<F&, std::ranges::range_reference_t<const Inputs>>
auto parallel_map(F&& f, const Inputs& inputs, const ParallelOptions& options = {}) {
  using R = std::decay_t<std::invoke_result_t<F&, std::ranges::range_reference_t<const Inputs>>>;
  static_assert(!std::is_void_v<R>,
                "parallel_map needs a result; use parallel_for for side effects");
  const std::size_t n = std::ranges::size(inputs);
  detail::BatchScheduler batches(n, detail::resolve_jobs(options.n_jobs), options.batch_size);
  // Each slot is written by exactly one runner. vector<bool> packs bits, so it (and types
  // that cannot be default-constructed) go through optional slots instead.
  if constexpr (std::is_default_constructible_v<R> && !std::is_same_v<R, bool>) {
    std::vector<R> out(n);
    auto body = [&](std::size_t i) { out[i] = f(detail::item_at(inputs, i)); };
    detail::run_runners(batches, [&] { detail::run_items(batches, options.name, body); });
    return out;
  } else {
    std::vector<std::optional<R>> slots(n);
    auto body = [&](std::size_t i) { slots[i].emplace(f(detail::item_at(inputs, i))); };
    detail::run_runners(batches, [&] { detail::run_items(batches, options.name, body); });
    std::vector<R> out;
    out.reserve(n);
    for (auto& s : slots) out.push_back(std::move(*s));
    return out;
  }
}

// A stream of (index, result) pairs in completion order; see parallel_map_unordered.
template <class R>
class ResultStream {
 public:
  using value_type = std::pair<std::size_t, R>;

  // Blocks until the next result is available. Returns nullopt when all were delivered.
  // After a failure, delivers the results that were already finished, then throws the
  // failed item's TaskError.
  std::optional<value_type> next() {
    std::unique_lock<std::mutex> lock(shared_->mu);
    shared_->cv.wait(lock, [&] { return !shared_->ready.empty() || shared_->finished; });
    if (!shared_->ready.empty()) {
      value_type v = std::move(shared_->ready.front());
      shared_->ready.pop_front();
      return v;
    }
    if (auto e = shared_->batches.error()) std::rethrow_exception(e);
    return std::nullopt;
  }

  class iterator {
   public:
    using value_type = ResultStream::value_type;
    using difference_type = std::ptrdiff_t;
    value_type& operator*() { return *current_; }
    iterator& operator++() {
      current_ = stream_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return !current_.has_value(); }

   private:
    friend class ResultStream;
    explicit iterator(ResultStream* s) : stream_(s), current_(s->next()) {}
    ResultStream* stream_;
    std::optional<value_type> current_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

  // Stops handing out batches and waits for the runners, so nothing outlives the inputs.
  ~ResultStream() {
    if (!shared_) return;
    shared_->batches.stop();
    for (auto& r : runners_) r.state()->wait();
  }
  ResultStream(ResultStream&&) noexcept = default;

  // For parallel_map_unordered.
  struct Shared {
    Shared(std::size_t n, int jobs, std::size_t batch) : batches(n, jobs, batch) {}
    detail::BatchScheduler batches;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<value_type> ready;  // guarded by mu
    int running = 0;               // guarded by mu
    bool finished = false;         // guarded by mu
  };
  ResultStream(std::shared_ptr<Shared> shared, std::vector<Ref<void>> runners)
      : shared_(std::move(shared)), runners_(std::move(runners)) {}

 private:
  std::shared_ptr<Shared> shared_;
  std::vector<Ref<void>> runners_;
};

// Like parallel_map, but yields (index, result) pairs as they finish, so the caller can
// consume results while others are still computing (joblib's return_as="generator_unordered"):
//   for (auto& [i, r] : weft::parallel_map_unordered(f, inputs)) use(i, r);
// `f` and `inputs` must outlive the stream. The calling thread only consumes.
template <class F, std::ranges::random_access_range Inputs>
requires std::ranges::sized_range<Inputs> &&
    std::is_invocable_v<F&, std::ranges::range_reference_t<const Inputs>>
auto parallel_map_unordered(F& f, const Inputs& inputs, const ParallelOptions& options = {}) {
  using R = std::decay_t<std::invoke_result_t<F&, std::ranges::range_reference_t<const Inputs>>>;
  using Stream = ResultStream<R>;
  const int jobs = detail::resolve_jobs(options.n_jobs);
  auto shared = std::make_shared<typename Stream::Shared>(std::ranges::size(inputs), jobs,
                                                          options.batch_size);
  shared->running = jobs;
  std::vector<Ref<void>> runners;
  for (int j = 0; j < jobs; ++j) {
    auto runner = [shared, &f, &inputs, name = options.name] {
      // Results are handed over in small groups: one lock per item would dominate short
      // items, one per batch would hold back the large early batches.
      constexpr std::size_t kFlushEvery = 256;
      std::vector<typename Stream::value_type> local;
      auto flush = [&] {
        if (local.empty()) return;
        {
          std::lock_guard<std::mutex> lock(shared->mu);
          for (auto& v : local) shared->ready.push_back(std::move(v));
        }
        local.clear();
        shared->cv.notify_one();
      };
      auto body = [&](std::size_t i) {
        local.emplace_back(i, f(detail::item_at(inputs, i)));
        if (local.size() >= kFlushEvery) flush();
      };
      detail::run_items(shared->batches, name, body);
      flush();
      {
        std::lock_guard<std::mutex> lock(shared->mu);
        shared->finished = --shared->running == 0;
      }
      shared->cv.notify_all();
    };
    runners.push_back(remote(TaskOptions{.name = options.name}, std::move(runner)));
  }
  return Stream(std::move(shared), std::move(runners));
}

}  // namespace weft
