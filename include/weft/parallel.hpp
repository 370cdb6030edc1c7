// joblib-style data parallelism: parallel_map, parallel_map_unordered and parallel_for.
//
//   std::vector<double> roots = weft::parallel_map(sqrt_of, inputs, {.n_jobs = 2});
//
// Items are batched automatically (guided self-scheduling: each claim takes a share of what
// is left, so early batches are large and the tail is fine-grained), which makes a million
// one-microsecond calls cost about what a hand-split loop does, while a handful of
// one-second calls still spread one per worker. Runs on the current runtime.
//
// On a cluster runtime (processes, connect) the items run on the workers, a batch per
// cluster task: the function must then be a free function registered with WEFT_REMOTE
// whose argument and result are serializable (a lambda is a ConfigError naming the fix),
//   double sqrt_of(double x) { return std::sqrt(x); }
//   WEFT_REMOTE(sqrt_of);
//   auto roots = weft::parallel_map(sqrt_of, inputs);
// and a batch's items are encoded together, so an item costs its bytes, not a message.
#pragma once

#include <algorithm>
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
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "weft/detail/remote_call.hpp"
#include "weft/detail/remote_submit.hpp"
#include "weft/progress.hpp"
#include "weft/ref.hpp"
#include "weft/remote.hpp"
#include "weft/serde.hpp"

namespace weft {

struct ParallelOptions {
  // Workers to use, like joblib: -1 = all the runtime has, -2 = all but one, and so on;
  // N > 0 = at most N (capped by the runtime's concurrency). 0 is a ConfigError.
  int n_jobs = -1;
  // Items per batch; 0 = automatic.
  std::size_t batch_size = 0;
  // Prefix of the task name in errors: "NAME[i]" names the failing item.
  std::string name = "parallel_map";
  // Draw a progress bar of the items on stderr (see progress.hpp), for parallel_map and
  // parallel_for (not parallel_map_unordered, whose caller sees each result anyway). On
  // threads the runners tell it every 1% of the items; on a cluster it moves as batches
  // arrive.
  Progress progress = Progress::kDefault;
};

namespace detail {

// Hands out batches of [0, n) to concurrent runners and records the first failure.
class BatchScheduler {
 public:
  // With a `progress_label`, draws a progress bar of the n items so labelled until destroyed.
  BatchScheduler(std::size_t n, int jobs, std::size_t batch_size,
                 const char* progress_label = nullptr)
      : n_(n), jobs_(jobs), batch_size_(batch_size) {
    if (progress_label != nullptr) bar_.emplace(n, progress_label);
  }

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
  // How many items a runner runs between count_done() calls: 1% of them with a bar, so
  // that it moves during a large batch, at the cost of ~100 atomic adds and clock reads.
  std::size_t report_every() const noexcept {
    return bar_ ? std::max<std::size_t>(1, n_ / 100) : n_;
  }
  // Counts `k` more items done, for the bar.
  void count_done(std::size_t k) noexcept {
    if (bar_) bar_->add(k);
  }

 private:
  const std::size_t n_;
  const int jobs_;
  const std::size_t batch_size_;
  std::atomic<std::size_t> cursor_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::exception_ptr error_;  // guarded by mu_
  std::size_t error_index_ = static_cast<std::size_t>(-1);
  std::optional<ProgressBar> bar_;
};

// Resolves ParallelOptions::n_jobs against the current runtime.
int resolve_jobs(int n_jobs);

// `label` when options ask for a progress bar, else null (no bar).
inline const char* bar_label(const ParallelOptions& options, const char* label) {
  return progress_enabled(options.progress) ? label : nullptr;
}

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
      while (i < hi && !batches.stopped()) {
        const std::size_t from = i;
        const std::size_t until = hi - i > batches.report_every() ? i + batches.report_every() : hi;
        for (; i < until && !batches.stopped(); ++i) body(i);
        batches.count_done(i - from);
      }
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

// --- On a cluster runtime ----------------------------------------------------------------
//
// A batch of items is one cluster task: a batch invoker, registered under a name made from
// the function's type (weft::parallel_map<TYPE>), receives the registered function's name
// and the batch's items as one encoded std::vector, finds the function by name on the
// worker and calls it on each item. Invokers register at static initialisation for every
// function type that the program passes to parallel_map or parallel_for, so the workers,
// which run the same binary, have them too.

// Thrown on a worker by a batch for the item that failed, so that the client can report
// the item as on threads: what() carries the item's position in its batch, the original
// exception's type and its message (see item_error).
class ItemFailure : public std::runtime_error {
 public:
  ItemFailure(std::size_t index, const std::string& type, const std::string& message);
};

// Rethrows the exception in flight as the ItemFailure of item `index` of a batch. A
// weft::TaskError (a failed get() inside the item) passes unchanged, as on threads.
[[noreturn]] void throw_item_failure(std::size_t index);

// Translates the error of a batch whose first item is `first`: an ItemFailure becomes the
// TaskError "name[i]" with the item's type, message and worker, and `index` is set to i.
// Any other error (the worker was lost, say) is returned as it is, with `index` = first.
std::exception_ptr item_error(const std::exception_ptr& error, std::size_t first,
                              const std::string& name, std::size_t& index);

// "name[lo:hi]": the cluster task name of a batch, for errors that are not an item's.
std::string batch_name(const std::string& name, std::size_t lo, std::size_t hi);

// Batches in flight on a cluster at once: enough to hide the round trips of small batches
// when the job may use the whole cluster; else `jobs`, so that n_jobs caps the workers used.
int batch_window(int jobs);

[[noreturn]] void throw_cannot_travel(const char* api, const std::string& callable,
                                      const char* why);

// The registered function f is, checked to run on a cluster's workers for `api`.
template <class Fp>
const RemoteFunction& remote_target(const Fp& f, const char* api) {
  using Traits = FunctionTraits<Fp>;
  if constexpr (!Traits::kFunction) {
    throw_cannot_travel(api, callable_name(typeid(Fp)),
                        "is a lambda or function object, and code cannot be sent to another "
                        "process. Pass a free function registered with WEFT_REMOTE(fn)");
  } else {
    const RemoteFunction* fn = find_function(reinterpret_cast<const void*>(f));
    if (fn == nullptr) {
      throw_cannot_travel(api, "the function",
                          "is not registered, so other processes cannot find it. Register it "
                          "with WEFT_REMOTE(fn) at namespace scope");
    }
    if (!Traits::kRemotable) {
      throw_cannot_travel(api, fn->name,
                          "has an argument or result type that is not serializable. Give the "
                          "type WEFT_SERIALIZE(...) or a serialize(Archive&) member");
    }
    return *fn;
  }
}

// True when Fp is a function of one parameter whose argument and result are serializable.
template <class Fp>
consteval bool batchable() {
  if constexpr (FunctionTraits<Fp>::kFunction) {
    return FunctionTraits<Fp>::kRemotable && FunctionTraits<Fp>::kArity == 1;
  } else {
    return false;
  }
}

// On a worker: the function registered as `name`, which must have type Fp.
template <class Fp>
Fp local_function(const std::string& name) {
  const RemoteFunction* fn = find_function(name);
  if (fn == nullptr || fn->address == nullptr) {
    throw ConfigError("function '" + name + "' is not registered with WEFT_REMOTE in this " +
                      "worker's program");
  }
  if (fn->signature != signature_of<FunctionTraits<Fp>>()) {
    throw SerdeError("the caller's declaration of '" + name +
                     "' has other argument or result types than this worker's");
  }
  return reinterpret_cast<Fp>(const_cast<void*>(fn->address));
}

template <class Fp>
struct MapBatch {
  using Traits = FunctionTraits<Fp>;
  using P = std::tuple_element_t<0, typename Traits::Params>;
  using R = typename Traits::Result;

  static std::vector<R> run(const std::string& function, std::vector<P> items) {
    const Fp f = local_function<Fp>(function);
    std::vector<R> out;
    out.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      try {
        if constexpr (std::is_invocable_v<Fp, P&&>) {
          out.push_back(f(std::move(items[i])));
        } else {
          out.push_back(f(items[i]));
        }
      } catch (...) {
        throw_item_failure(i);
      }
    }
    return out;
  }
  static const char* name() {
    static const std::string n = std::string("weft::parallel_map<") + typeid(Fp).name() + ">";
    return n.c_str();
  }
  static inline const bool registered =
      register_function(reinterpret_cast<const void*>(&run), describe_remote<&run>(name()));
};

template <class Fp>
struct ForBatch {
  using P = std::tuple_element_t<0, typename FunctionTraits<Fp>::Params>;

  static std::monostate run(const std::string& function, std::int64_t lo, std::int64_t hi) {
    const Fp f = local_function<Fp>(function);
    for (std::int64_t i = lo; i < hi; ++i) {
      try {
        f(static_cast<P>(i));
      } catch (...) {
        throw_item_failure(static_cast<std::size_t>(i - lo));
      }
    }
    return {};
  }
  static const char* name() {
    static const std::string n = std::string("weft::parallel_for<") + typeid(Fp).name() + ">";
    return n.c_str();
  }
  static inline const bool registered =
      register_function(reinterpret_cast<const void*>(&run), describe_remote<&run>(name()));
};

// The order in which cluster batches finish. The cluster's I/O thread completes their
// states; a waiter per batch, which keeps the queue alive, records the batch here.
class BatchQueue : public std::enable_shared_from_this<BatchQueue> {
 public:
  // Records `slot` once `state` completes, and asks for the result to be fetched then.
  void watch(TaskState& state, std::size_t slot);
  // Blocks until a watched state has completed; returns its slot.
  std::size_t pop();

 private:
  struct Node;
  void push(std::size_t slot);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::size_t> done_;  // guarded by mu_
};

// Runs the batches of a job on a cluster and hands back their results in the order they
// finish. Claims batches from a BatchScheduler (the same guided sizes as on threads) and
// keeps at most `window` in flight. `submit(lo, hi)` starts the batch of items [lo, hi).
template <class B>
class RemoteBatches {
 public:
  using Submit = std::function<Ref<B>(std::size_t lo, std::size_t hi)>;

  // With a `progress_label`, draws a progress bar of the items that moves as batches arrive.
  RemoteBatches(std::size_t n, int jobs, std::size_t batch_size, std::string name, Submit submit,
                const char* progress_label = nullptr)
      : claims_(n, jobs, batch_size, progress_label),
        window_(static_cast<std::size_t>(batch_window(jobs))),
        name_(std::move(name)),
        submit_(std::move(submit)) {
    top_up();
  }
  RemoteBatches(const RemoteBatches&) = delete;
  RemoteBatches& operator=(const RemoteBatches&) = delete;
  // Batches still queued are cancelled; running ones finish and their results are dropped.
  ~RemoteBatches() {
    for (auto& [slot, batch] : in_flight_) batch.ref.cancel();
  }

  // Waits for the next batch to finish; moves its results into `out` and its first item's
  // index into `first`. Returns false once every batch has been delivered. After an item
  // failed, no batch starts; those before the item still deliver, and then this throws the
  // TaskError of the failed item with the lowest index.
  bool next(std::size_t& first, B& out) {
    for (;;) {
      if (in_flight_.empty()) {
        if (std::exception_ptr e = claims_.error()) std::rethrow_exception(e);
        return false;
      }
      auto it = in_flight_.find(queue_->pop());
      if (it == in_flight_.end()) continue;  // given up after a failure
      Batch batch = std::move(it->second);
      in_flight_.erase(it);
      if (batch.ref.failed()) {
        fail(batch);
        continue;
      }
      first = batch.lo;
      out = std::move(batch.ref.state()->value());
      claims_.count_done(batch.hi - batch.lo);
      top_up();
      return true;
    }
  }

 private:
  struct Batch {
    std::size_t lo = 0;
    std::size_t hi = 0;
    Ref<B> ref;
  };

  void top_up() {
    std::size_t lo = 0, hi = 0;
    while (in_flight_.size() < window_ && claims_.next(lo, hi)) {
      Ref<B> ref = submit_(lo, hi);
      queue_->watch(*ref.state(), next_slot_);
      in_flight_.emplace(next_slot_++, Batch{lo, hi, std::move(ref)});
    }
  }

  // Batches that start after the failed item cannot report an earlier one: they are not
  // waited for.
  void fail(const Batch& batch) {
    std::size_t index = batch.lo;
    claims_.fail(index, item_error(batch.ref.state()->error(), batch.lo, name_, index));
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      if (it->second.lo > index) {
        it->second.ref.cancel();
        it = in_flight_.erase(it);
      } else {
        ++it;
      }
    }
  }

  BatchScheduler claims_;
  std::size_t window_;
  std::string name_;
  Submit submit_;
  std::shared_ptr<BatchQueue> queue_ = std::make_shared<BatchQueue>();
  std::unordered_map<std::size_t, Batch> in_flight_;
  std::size_t next_slot_ = 0;
};

// parallel_map's batches on a cluster: the results of f over `inputs`, a batch at a time,
// with a progress bar so labelled if `progress_label` is not null. Throws ConfigError
// (naming `api` and the fix) when f cannot run on the workers.
template <class R, class F, class Inputs>
std::unique_ptr<RemoteBatches<std::vector<R>>> remote_map(Cluster& cluster, const F& f,
                                                          const Inputs& inputs,
                                                          const ParallelOptions& options,
                                                          const char* api,
                                                          const char* progress_label) {
  using Fp = std::decay_t<F>;
  const RemoteFunction& target = remote_target<Fp>(f, api);
  if constexpr (batchable<Fp>()) {
    using Batch = MapBatch<Fp>;
    static_assert(std::is_same_v<typename Batch::R, R>);
    static_cast<void>(Batch::registered);
    auto submit = [&cluster, &inputs, function = std::string(target.name), name = options.name](
                      std::size_t lo, std::size_t hi) {
      std::vector<typename Batch::P> items;
      items.reserve(hi - lo);
      for (std::size_t i = lo; i < hi; ++i) {
        items.push_back(static_cast<typename Batch::P>(item_at(inputs, i)));
      }
      return submit_remote<std::vector<R>>(cluster, TaskOptions{.name = batch_name(name, lo, hi)},
                                           &Batch::run, function, std::move(items));
    };
    return std::make_unique<RemoteBatches<std::vector<R>>>(
        std::ranges::size(inputs), resolve_jobs(options.n_jobs), options.batch_size, options.name,
        std::move(submit), progress_label);
  } else {
    return nullptr;  // remote_target threw
  }
}

// parallel_for on a cluster: batches of indices, sent as their bounds.
template <class F>
void remote_for(Cluster& cluster, std::int64_t begin, std::int64_t end, const F& f,
                const ParallelOptions& options) {
  using Fp = std::decay_t<F>;
  const RemoteFunction& target = remote_target<Fp>(f, "weft::parallel_for");
  if constexpr (batchable<Fp>()) {
    using Batch = ForBatch<Fp>;
    static_cast<void>(Batch::registered);
    auto submit = [&cluster, begin, function = std::string(target.name), name = options.name](
                      std::size_t lo, std::size_t hi) {
      return submit_remote<std::monostate>(
          cluster, TaskOptions{.name = batch_name(name, lo, hi)}, &Batch::run, function,
          begin + static_cast<std::int64_t>(lo), begin + static_cast<std::int64_t>(hi));
    };
    RemoteBatches<std::monostate> batches(
        static_cast<std::size_t>(end - begin), resolve_jobs(options.n_jobs), options.batch_size,
        options.name, std::move(submit), bar_label(options, "weft parallel_for"));
    std::size_t first = 0;
    std::monostate done;
    while (batches.next(first, done)) {
    }
  }
}

}  // namespace detail

// Calls f(i) for every i in [begin, end) in parallel. Throws the TaskError of the failing
// index with the lowest number after stopping the other batches; the error names the item
// "NAME[k]", k counted from `begin`. On a cluster runtime, f must be a registered function
// (see the top of this file): a batch travels as its bounds only.
template <class F>
requires std::is_invocable_v<F&, std::int64_t>
void parallel_for(std::int64_t begin, std::int64_t end, F&& f,
                  const ParallelOptions& options = {}) {
  if (end <= begin) return;
  if (detail::Cluster* cluster = detail::active_cluster()) {
    detail::remote_for(*cluster, begin, end, f, options);
    return;
  }
  detail::BatchScheduler batches(static_cast<std::size_t>(end - begin),
                                 detail::resolve_jobs(options.n_jobs), options.batch_size,
                                 detail::bar_label(options, "weft parallel_for"));
  auto body = [&](std::size_t i) { f(begin + static_cast<std::int64_t>(i)); };
  detail::run_runners(batches, [&] { detail::run_items(batches, options.name, body); });
}

// Returns f(x) for every x in `inputs`, in input order, like
// joblib.Parallel(n_jobs)(delayed(f)(x) for x in inputs). `inputs` is any random-access
// sized range (vector, array, span, iota view). The first failure (by input position)
// stops the remaining batches and is thrown as a TaskError naming the item "NAME[i]". On a
// cluster runtime, f must be a registered function (see the top of this file); each item
// is converted to f's parameter type here and travels in its batch.
template <class F, std::ranges::random_access_range Inputs>
requires std::ranges::sized_range<Inputs> &&
    std::is_invocable_v<F&, std::ranges::range_reference_t<const Inputs>>
auto parallel_map(F&& f, const Inputs& inputs, const ParallelOptions& options = {}) {
  using R = std::decay_t<std::invoke_result_t<F&, std::ranges::range_reference_t<const Inputs>>>;
  static_assert(!std::is_void_v<R>,
                "parallel_map needs a result; use parallel_for for side effects");
  const std::size_t n = std::ranges::size(inputs);
  if (detail::Cluster* cluster = detail::active_cluster()) {
    auto batches = detail::remote_map<R>(*cluster, f, inputs, options, "weft::parallel_map",
                                         detail::bar_label(options, "weft parallel_map"));
    std::vector<R> out;
    if constexpr (std::is_default_constructible_v<R>) {  // else not serializable: threw
      out.resize(n);
      std::size_t first = 0;
      std::vector<R> batch;
      while (batches->next(first, batch)) {
        for (std::size_t k = 0; k < batch.size(); ++k) out[first + k] = std::move(batch[k]);
      }
    }
    return out;
  }
  detail::BatchScheduler batches(n, detail::resolve_jobs(options.n_jobs), options.batch_size,
                                 detail::bar_label(options, "weft parallel_map"));
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
    if (remote_) return next_remote();
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
  // On a cluster runtime: results arrive a batch at a time.
  explicit ResultStream(std::unique_ptr<detail::RemoteBatches<std::vector<R>>> remote)
      : remote_(std::move(remote)) {}

 private:
  std::optional<value_type> next_remote() {
    while (batch_next_ == batch_.size()) {
      batch_.clear();
      batch_next_ = 0;
      if (!remote_->next(batch_first_, batch_)) return std::nullopt;
    }
    const std::size_t k = batch_next_++;
    return value_type(batch_first_ + k, std::move(batch_[k]));
  }

  std::shared_ptr<Shared> shared_;
  std::vector<Ref<void>> runners_;
  std::unique_ptr<detail::RemoteBatches<std::vector<R>>> remote_;
  std::vector<R> batch_;  // the batch being delivered
  std::size_t batch_first_ = 0;
  std::size_t batch_next_ = 0;
};

// Like parallel_map, but yields (index, result) pairs as they finish, so the caller can
// consume results while others are still computing (joblib's return_as="generator_unordered"):
//   for (auto& [i, r] : weft::parallel_map_unordered(f, inputs)) use(i, r);
// `f` and `inputs` must outlive the stream. The calling thread only consumes. On a cluster
// runtime, f must be a registered function (see the top of this file), and the stream
// delivers each batch's results as the batch arrives.
template <class F, std::ranges::random_access_range Inputs>
requires std::ranges::sized_range<Inputs> &&
    std::is_invocable_v<F&, std::ranges::range_reference_t<const Inputs>>
auto parallel_map_unordered(F& f, const Inputs& inputs, const ParallelOptions& options = {}) {
  using R = std::decay_t<std::invoke_result_t<F&, std::ranges::range_reference_t<const Inputs>>>;
  using Stream = ResultStream<R>;
  if (detail::Cluster* cluster = detail::active_cluster()) {
    return Stream(detail::remote_map<R>(*cluster, f, inputs, options,
                                        "weft::parallel_map_unordered", nullptr));
  }
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
