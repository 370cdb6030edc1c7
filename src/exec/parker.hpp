// Parker: lets one thread sleep until another wakes it, without lost wake-ups.
#pragma once

#include <atomic>
#include <cstdint>

namespace weft::exec {

// A binary token. unpark() before park() makes the next park() return at once, so a waker
// never needs to know whether the sleeper got to sleep yet. Spurious returns are allowed;
// callers re-check their condition in a loop.
class Parker {
 public:
  // Owner only: blocks until a token is available, then consumes it.
  void park() noexcept {
    while (token_.exchange(0, std::memory_order_acquire) == 0) {
      token_.wait(0, std::memory_order_relaxed);
    }
  }
  // Owner only: drops a stale token before registering for a new wake-up.
  void reset() noexcept { token_.store(0, std::memory_order_relaxed); }
  // Any thread.
  void unpark() noexcept {
    token_.store(1, std::memory_order_release);
    token_.notify_one();
  }

 private:
  std::atomic<std::uint32_t> token_{0};
};

}  // namespace weft::exec
