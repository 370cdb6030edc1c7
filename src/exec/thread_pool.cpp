#include "exec/thread_pool.hpp"

#include "exec/ticks.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace weft::exec {
namespace {

// Which pool slot the calling thread owns. `generation` ties it to one pool instance, so a
// thread that outlives a pool never touches the next pool's slots by mistake.
struct ThreadContext {
  std::uint64_t generation = 0;
  void* slot = nullptr;  // ThreadPool::Slot*
  int worker_index = -1;
  std::atomic<bool>* claim = nullptr;  // external slots only: released at thread exit
  Parker parker;                       // for waits by threads without a slot

  ~ThreadContext();
};

std::atomic<std::uint64_t> g_next_generation{1};
std::atomic<std::uint64_t> g_live_generation{0};

ThreadContext::~ThreadContext() {
  if (claim != nullptr && generation == g_live_generation.load(std::memory_order_acquire)) {
    claim->store(false, std::memory_order_release);
  }
}

thread_local ThreadContext t_ctx;

// Attempts at finding work before a thread parks: long enough to catch a burst, short
// enough that an idle pool costs no CPU.
constexpr int kSpins = 64;

std::uint32_t next_random() noexcept {
  thread_local std::uint32_t x =
      0x9E3779B9u ^ static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&x));
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

}  // namespace

// Wakes a waiting thread when the awaited state completes. Lives on the waiter's stack; the
// waiter returns only after `fired`, the completer's last touch of this object.
struct ThreadPool::ParkWaiter final : detail::Waiter {
  explicit ParkWaiter(Parker* p) : parker(p) {}
  void on_complete(detail::TaskState&) noexcept override {
    Parker* p = parker;
    p->unpark();
    fired.store(true, std::memory_order_release);
  }
  Parker* parker;
  std::atomic<bool> fired{false};
};

ThreadPool::ThreadPool(int workers, RunObserver* observer)
    : workers_(std::max(workers, 1)),
      observer_(observer),
      generation_(g_next_generation.fetch_add(1, std::memory_order_relaxed)),
      slots_(new Slot[static_cast<std::size_t>(workers_ + kExternalSlots)]) {
  g_live_generation.store(generation_, std::memory_order_release);
  sleepers_.reserve(static_cast<std::size_t>(workers_ + kExternalSlots));
  threads_.reserve(static_cast<std::size_t>(workers_));
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true, std::memory_order_seq_cst);
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    for (Parker* p : sleepers_) p->unpark();
    sleepers_.clear();
    num_sleepers_.store(0, std::memory_order_seq_cst);
  }
  for (std::thread& t : threads_) t.join();
  // Workers leave once they see no work; anything an outside thread queued after that (or
  // a steal that lost a race) runs here, so shutdown never drops a task.
  while (detail::TaskState* t = find_work(nullptr)) run(t);
  g_live_generation.store(0, std::memory_order_release);
}

void ThreadPool::worker_loop(int index) {
  Slot* own = &slots_[static_cast<std::size_t>(index)];
  t_ctx.generation = generation_;
  t_ctx.slot = own;
  t_ctx.worker_index = index;
  for (;;) {
    detail::TaskState* task = find_work(own);
    for (int spin = 0; task == nullptr && spin < kSpins; ++spin) {
      std::this_thread::yield();
      task = find_work(own);
    }
    if (task != nullptr) {
      run(task);
      continue;
    }
    if (stopping_.load(std::memory_order_seq_cst) && !has_work()) break;
    if (observer_ != nullptr) observer_->idle();
    sleep(*own, nullptr);
  }
  t_ctx.generation = 0;
  t_ctx.slot = nullptr;
  t_ctx.worker_index = -1;
}

ThreadPool::Slot* ThreadPool::own_slot() noexcept {
  if (t_ctx.generation == generation_ && t_ctx.slot != nullptr) {
    return static_cast<Slot*>(t_ctx.slot);
  }
  for (int i = workers_; i < workers_ + kExternalSlots; ++i) {
    Slot& s = slots_[static_cast<std::size_t>(i)];
    bool expected = false;
    if (s.claimed.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
      t_ctx.generation = generation_;
      t_ctx.slot = &s;
      t_ctx.worker_index = -1;
      t_ctx.claim = &s.claimed;
      return &s;
    }
  }
  return nullptr;
}

void ThreadPool::schedule(detail::TaskState* task) noexcept {
  if (Slot* s = own_slot()) {
    s->deque.push(task);
  } else {
    std::lock_guard<std::mutex> lock(inject_mu_);
    inject_.push_back(task);
    inject_size_.fetch_add(1, std::memory_order_seq_cst);
  }
  if (num_sleepers_.load(std::memory_order_seq_cst) > 0) wake_one();
}

detail::TaskState* ThreadPool::find_work(Slot* own) noexcept {
  if (own != nullptr) {
    if (detail::TaskState* t = own->deque.pop()) return t;
  }
  if (inject_size_.load(std::memory_order_relaxed) > 0) {
    std::lock_guard<std::mutex> lock(inject_mu_);
    if (!inject_.empty()) {
      detail::TaskState* t = inject_.front();
      inject_.pop_front();
      inject_size_.fetch_sub(1, std::memory_order_relaxed);
      return t;
    }
  }
  const auto total = static_cast<std::uint32_t>(workers_ + kExternalSlots);
  const std::uint32_t start = next_random() % total;
  for (std::uint32_t i = 0; i < total; ++i) {
    Slot& victim = slots_[(start + i) % total];
    if (&victim == own) continue;
    if (detail::TaskState* t = victim.deque.steal()) return t;
  }
  return nullptr;
}

bool ThreadPool::has_work() const noexcept {
  if (inject_size_.load(std::memory_order_seq_cst) > 0) return true;
  for (int i = 0; i < workers_ + kExternalSlots; ++i) {
    if (!slots_[static_cast<std::size_t>(i)].deque.empty()) return true;
  }
  return false;
}

int current_thread_index() noexcept { return t_ctx.worker_index; }

void ThreadPool::run(detail::TaskState* task) noexcept {
  if (observer_ == nullptr) {
    task->run();
  } else {
    const std::uint64_t start = ticks();
    task->run();
    observer_->ran(*task, start, ticks(), t_ctx.worker_index);
  }
  task->release();
}

void ThreadPool::sleep(Slot& slot, const detail::TaskState* awaited) noexcept {
  const Parker::Ticket ticket = slot.parker.prepare();
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    sleepers_.push_back(&slot.parker);
    num_sleepers_.fetch_add(1, std::memory_order_seq_cst);
  }
  // Re-check after registering: a schedule() that raced with registration either sees us
  // in num_sleepers_ and wakes us, or pushed before our check and we see its work here.
  const bool skip = has_work() || stopping_.load(std::memory_order_seq_cst) ||
                    (awaited != nullptr && awaited->done());
  if (!skip) slot.parker.park(ticket);
  std::lock_guard<std::mutex> lock(sleep_mu_);
  auto it = std::find(sleepers_.begin(), sleepers_.end(), &slot.parker);
  if (it != sleepers_.end()) {
    sleepers_.erase(it);
    num_sleepers_.fetch_sub(1, std::memory_order_seq_cst);
  }
}

void ThreadPool::wake_one() noexcept {
  Parker* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    if (sleepers_.empty()) return;
    p = sleepers_.back();
    sleepers_.pop_back();
    num_sleepers_.fetch_sub(1, std::memory_order_seq_cst);
  }
  p->unpark();
}

bool ThreadPool::help_one() noexcept {
  if (t_ctx.generation != generation_ || t_ctx.worker_index < 0) return false;
  detail::TaskState* task = find_work(static_cast<Slot*>(t_ctx.slot));
  if (task == nullptr) return false;
  run(task);
  return true;
}

void ThreadPool::wait(detail::TaskState& state) noexcept {
  Slot* own = t_ctx.generation == generation_ ? static_cast<Slot*>(t_ctx.slot) : nullptr;
  // Only pool threads help. A thread outside the pool (the program's main thread) could
  // otherwise pick up an unrelated long task and return late, or never, if that task waits
  // for something the caller does next.
  const bool is_worker = own != nullptr && t_ctx.worker_index >= 0;
  for (int idle = 0; is_worker && !state.done() && idle < kSpins;) {
    if (detail::TaskState* t = find_work(own)) {
      run(t);
      idle = 0;
    } else {
      ++idle;
      std::this_thread::yield();
    }
  }
  if (state.done()) return;

  Parker& parker = own != nullptr ? own->parker : t_ctx.parker;
  ParkWaiter waiter(&parker);
  if (!state.add_waiter(&waiter)) return;
  while (!waiter.fired.load(std::memory_order_acquire)) {
    detail::TaskState* t = is_worker ? find_work(own) : nullptr;
    if (t != nullptr) {
      run(t);
    } else if (state.done()) {
      std::this_thread::yield();  // the completer is firing waiters; ours is next
    } else if (is_worker) {
      sleep(*own, &state);  // as a pool sleeper, so new work still finds this thread
    } else {
      const Parker::Ticket ticket = parker.prepare();
      if (!state.done()) parker.park(ticket);
    }
  }
}

std::string ThreadPool::worker_name() const {
  if (t_ctx.generation == generation_ && t_ctx.worker_index >= 0) {
    return "thread-" + std::to_string(t_ctx.worker_index);
  }
  return "caller";
}

}  // namespace weft::exec
