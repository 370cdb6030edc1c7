// Parker: lets one thread sleep until another wakes it, without lost wake-ups.
#pragma once

#include <atomic>
#include <cstdint>

namespace weft::exec {

// An event count. The owner takes a ticket, then checks its wake-up condition, then parks
// with the ticket; any unpark() after the ticket was taken makes park() return. A waker
// that makes the condition true before calling unpark() can therefore never be missed:
// either the owner's check sees the condition, or the ticket is stale by the time it parks.
// Only acquire/release are needed (the ticket load synchronises with the unpark), which
// also keeps the protocol visible to ThreadSanitizer.
class Parker {
 public:
  using Ticket = std::uint32_t;

  // Owner only: call before checking the condition.
  Ticket prepare() const noexcept { return epoch_.load(std::memory_order_acquire); }
  // Owner only: blocks until some unpark() happened after prepare() returned `ticket`.
  void park(Ticket ticket) const noexcept { epoch_.wait(ticket, std::memory_order_acquire); }
  // Any thread.
  void unpark() noexcept {
    epoch_.fetch_add(1, std::memory_order_release);
    epoch_.notify_one();
  }

 private:
  std::atomic<Ticket> epoch_{0};
};

}  // namespace weft::exec
