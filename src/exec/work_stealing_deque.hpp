// A Chase-Lev work-stealing deque of pointers (Le, Pop, Cohen, Zappa Nardelli, PPoPP 2013).
//
// Invariants:
//  - Exactly one thread, the owner, calls push() and pop(); any thread may call steal().
//  - Elements live in [top, bottom). The owner works at the bottom (LIFO, cache-warm,
//    depth first); thieves take from the top (FIFO, the oldest and usually largest work).
//  - Buffers only grow. A replaced buffer is kept until the deque dies, since a thief may
//    still be reading from it; growth doubles, so the retired buffers total less than the
//    live one.
// The paper's standalone fences are written as seq_cst operations on top and bottom, which
// ThreadSanitizer understands, at the same cost on x86.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace weft::exec {

template <class T>
class WorkStealingDeque {
  static_assert(std::is_pointer_v<T>, "elements are pointers; null means empty");

 public:
  explicit WorkStealingDeque(std::size_t capacity = 256) : buffer_(new Buffer(capacity)) {}
  WorkStealingDeque(const WorkStealingDeque&) = delete;
  WorkStealingDeque& operator=(const WorkStealingDeque&) = delete;
  ~WorkStealingDeque() { delete buffer_.load(std::memory_order_relaxed); }

  // Owner only.
  void push(T item) {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed);
    const std::int64_t t = top_.load(std::memory_order_acquire);
    Buffer* buf = buffer_.load(std::memory_order_relaxed);
    if (b - t >= static_cast<std::int64_t>(buf->capacity)) buf = grow(buf, t, b);
    buf->at(b).store(item, std::memory_order_relaxed);
    bottom_.store(b + 1, std::memory_order_seq_cst);
  }

  // Owner only. Returns null when empty.
  T pop() {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
    Buffer* buf = buffer_.load(std::memory_order_relaxed);
    bottom_.store(b, std::memory_order_seq_cst);
    std::int64_t t = top_.load(std::memory_order_seq_cst);
    if (t > b) {  // was empty
      bottom_.store(b + 1, std::memory_order_relaxed);
      return nullptr;
    }
    T item = buf->at(b).load(std::memory_order_relaxed);
    if (t == b) {  // last element: race the thieves for it
      if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
        item = nullptr;
      }
      bottom_.store(b + 1, std::memory_order_relaxed);
    }
    return item;
  }

  // Any thread. Returns null when empty or when it lost a race (callers just try elsewhere).
  T steal() {
    std::int64_t t = top_.load(std::memory_order_seq_cst);
    const std::int64_t b = bottom_.load(std::memory_order_seq_cst);
    if (t >= b) return nullptr;
    Buffer* buf = buffer_.load(std::memory_order_acquire);
    T item = buf->at(t).load(std::memory_order_relaxed);
    if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
      return nullptr;
    }
    return item;
  }

  // Any thread; a snapshot.
  bool empty() const {
    return top_.load(std::memory_order_seq_cst) >= bottom_.load(std::memory_order_seq_cst);
  }

 private:
  struct Buffer {
    explicit Buffer(std::size_t cap) : capacity(cap), slots(new std::atomic<T>[cap]) {}
    std::atomic<T>& at(std::int64_t i) {
      return slots[static_cast<std::size_t>(i) & (capacity - 1)];
    }
    const std::size_t capacity;  // a power of two
    std::unique_ptr<std::atomic<T>[]> slots;
  };

  Buffer* grow(Buffer* old, std::int64_t t, std::int64_t b) {
    auto* bigger = new Buffer(old->capacity * 2);
    for (std::int64_t i = t; i < b; ++i) {
      bigger->at(i).store(old->at(i).load(std::memory_order_relaxed), std::memory_order_relaxed);
    }
    retired_.emplace_back(old);
    buffer_.store(bigger, std::memory_order_release);
    return bigger;
  }

  alignas(64) std::atomic<std::int64_t> top_{0};
  alignas(64) std::atomic<std::int64_t> bottom_{0};
  alignas(64) std::atomic<Buffer*> buffer_;
  std::vector<std::unique_ptr<Buffer>> retired_;  // owner only
};

}  // namespace weft::exec
