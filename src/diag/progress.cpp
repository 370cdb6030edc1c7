// Progress bars on stderr: the drawing, and the waits that drive it.
//
// One thread draws at a time (a try-lock: a thread that finds another drawing skips), at
// most every kRedraw; tasks never draw, they only bump counters. A bar writes each line
// with one write(2), so concurrent bars interleave by whole lines.
#include "weft/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "diag/progress_format.hpp"
#include "weft/detail/backend.hpp"
#include "weft/detail/remote_submit.hpp"
#include "weft/detail/task_state.hpp"

namespace weft {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRedraw = std::chrono::milliseconds(100);

diag::EnvProgress env_progress() {
  static const diag::EnvProgress env = [] {
    const char* v = std::getenv("WEFT_PROGRESS");
    return diag::parse_progress_env(v ? std::optional<std::string_view>(v) : std::nullopt);
  }();
  return env;
}

void write_stderr(const std::string& text) noexcept {
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed stderr loses the bar, never the computation
    off += static_cast<std::size_t>(n);
  }
}

int terminal_width() noexcept {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

bool progress_enabled(Progress mode) {
  const diag::EnvProgress env = env_progress();
  switch (mode) {
    case Progress::kOff:
      return false;
    case Progress::kOn:
      return env != diag::EnvProgress::kNever;
    case Progress::kDefault:
      return env == diag::EnvProgress::kOn ||
             (env == diag::EnvProgress::kAuto && ::isatty(STDERR_FILENO) == 1);
  }
  return false;
}

struct ProgressBar::State {
  State(std::size_t t, std::string l) : label(std::move(l)), total(t) {}

  const std::string label;
  const std::size_t total;
  const Clock::time_point start = Clock::now();
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  std::atomic<std::size_t> done{0};
  std::atomic<bool> finished{false};
  // When the next redraw is due, read without the lock so that add() stays cheap.
  std::atomic<Clock::rep> next_draw{0};

  std::mutex mu;               // held while drawing
  std::size_t tty_len = 0;     // guarded by mu: length of the line on screen
  bool plain_started = false;  // guarded by mu
  std::size_t plain_done = 0;  // guarded by mu: done at the last plain line
  double plain_time = 0;       // guarded by mu: elapsed at the last plain line
};

ProgressBar::ProgressBar(std::size_t total, std::string label, Progress mode) {
  if (!progress_enabled(mode)) return;
  state_ = std::make_unique<State>(total, std::move(label));
  draw(false);
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::add(std::size_t n) noexcept {
  if (!state_) return;
  state_->done.fetch_add(n, std::memory_order_relaxed);
  draw(false);
}

void ProgressBar::update(std::size_t done) noexcept {
  if (!state_) return;
  state_->done.store(done, std::memory_order_relaxed);
  draw(false);
}

void ProgressBar::finish() noexcept {
  if (!state_ || state_->finished.exchange(true)) return;
  draw(true);
}

void ProgressBar::draw(bool final) noexcept {
  State& s = *state_;
  const Clock::time_point now = Clock::now();
  std::unique_lock<std::mutex> lock(s.mu, std::defer_lock);
  if (final) {
    lock.lock();
  } else {
    if (now.time_since_epoch().count() < s.next_draw.load(std::memory_order_relaxed)) return;
    if (!lock.try_lock() || s.finished.load()) return;
    s.next_draw.store((now + kRedraw).time_since_epoch().count(), std::memory_order_relaxed);
  }
  const diag::ProgressSnapshot snap{s.label, s.done.load(std::memory_order_relaxed), s.total,
                                    std::chrono::duration<double>(now - s.start).count()};
  try {
    if (s.tty) {
      std::string line = diag::format_tty_line(snap, terminal_width());
      const std::size_t len = line.size();
      // Spaces over what is left of a longer previous line; no escape codes needed.
      if (len < s.tty_len) line.append(s.tty_len - len, ' ');
      s.tty_len = len;
      write_stderr("\r" + line + (final ? "\n" : ""));
    } else if (final || !s.plain_started ||
               diag::plain_line_due(s.plain_done, s.plain_time, snap.done, snap.elapsed,
                                    snap.total)) {
      s.plain_started = true;
      s.plain_done = snap.done;
      s.plain_time = snap.elapsed;
      write_stderr(diag::format_plain_line(snap, final) + "\n");
    }
  } catch (...) {  // out of memory for a line of text: skip this redraw
  }
}

namespace detail {

// Counts completions of a set of states. Each waiter keeps the counter alive until it
// fires, so that a wait may end (on a failure) while other states are still pending.
struct ProgressCounter {
  struct Node final : Waiter {
    std::shared_ptr<ProgressCounter> counter;
    void on_complete(TaskState& state) noexcept override {
      std::shared_ptr<ProgressCounter> keep = std::move(counter);
      keep->record(state.status() != Status::kDone);
    }
  };

  explicit ProgressCounter(std::size_t n) : total(n), nodes(n) {}

  // An atomic add per completion; the lock and the wake-up (a syscall when the waiter
  // sleeps) only for the completion that ends the wait.
  void record(bool failed_now) noexcept {
    if (failed_now) failed.store(true, std::memory_order_relaxed);
    if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == total || failed_now) {
      std::lock_guard<std::mutex> lock(mu);
      cv.notify_all();
    }
  }
  bool over() const noexcept {
    return done.load(std::memory_order_acquire) == total || failed.load(std::memory_order_relaxed);
  }

  const std::size_t total;
  std::atomic<std::size_t> done{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Node> nodes;
};

ProgressWait::ProgressWait(const std::vector<TaskState*>& states, const char* label)
    : counter_(std::make_shared<ProgressCounter>(states.size())),
      bar_(states.size(), label, Progress::kOn) {
  for (std::size_t i = 0; i < states.size(); ++i) {
    ProgressCounter::Node& node = counter_->nodes[i];
    node.counter = counter_;
    // As watch_states: a large value in a cluster travels only when someone waits for it.
    if (RemoteObject* r = states[i]->remote_object(); r != nullptr && !states[i]->done()) {
      want_remote(*r);
    }
    if (!states[i]->add_waiter(&node)) {
      node.counter.reset();
      counter_->record(states[i]->status() != Status::kDone);
    }
  }
}

void ProgressWait::wait() {
  ProgressCounter& c = *counter_;
  auto count = [&] { return c.done.load(std::memory_order_relaxed); };
  // A pool thread keeps running tasks while it waits (what it waits for may be queued
  // behind it), so it sleeps in short slices between attempts to help, as wait() does.
  auto slice = std::chrono::microseconds(50);
  while (!c.over()) {
    if (backend().help_one()) {
      bar_.update(count());
      continue;
    }
    std::unique_lock<std::mutex> lock(c.mu);
    c.cv.wait_for(lock, slice, [&] { return c.over(); });
    lock.unlock();
    slice = std::min<std::chrono::microseconds>(slice * 2, std::chrono::milliseconds(5));
    bar_.update(count());
  }
  bar_.update(count());
  bar_.finish();
}

}  // namespace detail
}  // namespace weft
