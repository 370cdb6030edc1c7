// RadixQueue: the simulator's queue of task completions, earliest first. A monotone
// priority queue (a radix heap): every key pushed is at least the last key popped, which a
// clock that only moves forward guarantees. It orders entries by (when, seq), exactly as a
// binary heap would, in a few dozen instructions per entry where a 4-ary heap of forty
// thousand running tasks spent about 470 per pop, a cache miss per level.
//
// Bucket 0 holds the entries whose key equals the last popped one, in seq order. Other
// keys are cut in kDigit-bit digits: a key goes by the highest digit where it differs from
// the last key (its level) and its value there. Those buckets, taken in order, hold ever
// larger keys. When bucket 0 runs dry, the lowest non-empty bucket is split around its
// smallest key, which becomes the last key: the bucket's entries share every digit from
// that level up with it, so each lands a level lower at least, and every other entry
// differs from it where it differed from the old last key, so it stays where it is. Completion
// times spread over ten milliseconds at a few microseconds apart differ in ~12 bits: an entry moves
// two or three times before it is popped (about four with 4-bit digits; ten with a plain radix
// heap, by bit: 300 instructions a pop).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace weft::sched::detail {

// T has `std::uint64_t when` (the key) and `std::uint64_t seq` (unique, increasing with
// each push: the order among equal keys).
template <class T>
class RadixQueue {
 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }

  // REQUIRES: e.when >= the key of the last entry popped.
  void push(const T& e) {
    assert(e.when >= last_);
    const std::uint32_t b = bucket_of(e.when);
    buckets_[b].push_back(e);
    mark(b);
    ++size_;
  }

  // Throws std::logic_error when empty.
  T pop() {
    if (head_ == buckets_[0].size()) refill();
    --size_;
    return buckets_[0][head_++];
  }

  // The entries that pop() returns next, without changing anything: the rest of bucket 0
  // (in order), then the lowest other bucket's (in no order). For prefetching.
  template <class F>
  void peek_some(std::size_t n, F&& f) const {
    const std::vector<T>& zero = buckets_[0];
    for (std::size_t i = head_; i < zero.size() && n > 0; ++i, --n) f(zero[i]);
    if (n == 0 || summary_ == 0) return;
    const std::vector<T>& next = buckets_[lowest()];
    for (std::size_t i = 0; i < next.size() && i < n; ++i) f(next[i]);
  }

  // The smallest key. Throws std::logic_error when empty.
  std::uint64_t min_key() const {
    if (head_ < buckets_[0].size()) return last_;
    if (summary_ == 0) throw std::logic_error("RadixQueue::min_key on an empty queue");
    std::uint64_t m = ~std::uint64_t{0};
    for (const T& e : buckets_[lowest()]) m = std::min(m, e.when);
    return m;
  }

  // Every entry, in no order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = head_; i < buckets_[0].size(); ++i) f(buckets_[0][i]);
    for (std::size_t b = 1; b < kBuckets; ++b) {
      for (const T& e : buckets_[b]) f(e);
    }
  }

 private:
  static constexpr std::uint32_t kDigit = 8;
  static constexpr std::uint32_t kLevels = (64 + kDigit - 1) / kDigit;
  static constexpr std::uint32_t kBuckets = 1 + (kLevels << kDigit);
  static constexpr std::uint32_t kWords = (kBuckets + 63) / 64;
  static_assert(kWords <= 64, "the summary is one word");

  // 0 for the last key; else 1 + (level, digit there) of the highest differing digit.
  std::uint32_t bucket_of(std::uint64_t key) const noexcept {
    const std::uint64_t diff = key ^ last_;
    if (diff == 0) return 0;
    const auto level = static_cast<std::uint32_t>(63 - std::countl_zero(diff)) / kDigit;
    const auto digit = static_cast<std::uint32_t>(key >> (level * kDigit)) & ((1u << kDigit) - 1);
    return 1 + (level << kDigit) + digit;
  }
  void mark(std::uint32_t b) noexcept {
    if (b == 0) return;
    words_[b / 64] |= std::uint64_t{1} << (b % 64);
    summary_ |= std::uint64_t{1} << (b / 64);
  }
  void unmark(std::uint32_t b) noexcept {
    words_[b / 64] &= ~(std::uint64_t{1} << (b % 64));
    if (words_[b / 64] == 0) summary_ &= ~(std::uint64_t{1} << (b / 64));
  }
  // The lowest non-empty bucket but 0. REQUIRES: summary_ != 0.
  std::uint32_t lowest() const noexcept {
    const auto w = static_cast<std::uint32_t>(std::countr_zero(summary_));
    return w * 64 + static_cast<std::uint32_t>(std::countr_zero(words_[w]));
  }

  // Bucket 0 is used up: splits the lowest non-empty bucket around its smallest key.
  void refill() {
    buckets_[0].clear();
    head_ = 0;
    if (summary_ == 0) throw std::logic_error("RadixQueue::pop on an empty queue");
    const std::uint32_t from = lowest();
    std::vector<T>& src = buckets_[from];
    unmark(from);
    if (src.size() == 1) {  // the usual case near the front: nothing to split
      last_ = src.front().when;
      std::swap(src, buckets_[0]);
      return;
    }
    std::uint64_t m = src.front().when;
    for (const T& e : src) m = std::min(m, e.when);
    last_ = m;
    for (const T& e : src) {
      const std::uint32_t b = bucket_of(e.when);
      assert(b < from);
      buckets_[b].push_back(e);
      mark(b);
    }
    src.clear();
    // Moves interleave the entries of one key: restore seq order (almost always one).
    std::vector<T>& zero = buckets_[0];
    if (zero.size() > 1) {
      std::sort(zero.begin(), zero.end(), [](const T& a, const T& b) { return a.seq < b.seq; });
    }
  }

  std::array<std::vector<T>, kBuckets> buckets_;
  std::size_t head_ = 0;                       // bucket 0's entries before head_ were popped
  std::array<std::uint64_t, kWords> words_{};  // bit b: bucket b (> 0) has entries
  std::uint64_t summary_ = 0;                  // bit w: words_[w] != 0
  std::uint64_t last_ = 0;
  std::size_t size_ = 0;
};

}  // namespace weft::sched::detail
