// Flat containers for the scheduler's hot paths. Ten million live tasks must fit in a few
// hundred bytes each and be touched with as few cache misses as possible, so the usual
// node-based standard containers are avoided where one exists per task.
//  - SmallVec: a vector of trivially copyable items that holds N of them inline, so a
//    task's one or two dependencies, one dependent and one replica allocate nothing, nor do
//    a worker's few running tasks (and reaching them costs no extra cache miss).
//  - ChunkedVec: a growable array of records in fixed pages (on huge pages): references
//    stay valid while it grows, and growing never copies (no 2x peak while ten million
//    records move).
//  - IndexedSet: a set of dense indices with O(1) insert, erase and uniform sampling.
//  - Rng: splitmix64, seeded, so sampled decisions are reproducible.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "sched/huge_pages.hpp"

namespace weft::sched::detail {

template <class T, std::uint32_t N>
class SmallVec {
  static_assert(std::is_trivially_copyable_v<T>);
  static_assert(N >= 1);

 public:
  SmallVec() noexcept {}
  SmallVec(const SmallVec&) = delete;
  SmallVec& operator=(const SmallVec&) = delete;
  SmallVec(SmallVec&& other) noexcept { take(other); }
  SmallVec& operator=(SmallVec&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  ~SmallVec() { reset(); }

  std::uint32_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T* data() noexcept { return on_heap() ? u_.heap : u_.items; }
  const T* data() const noexcept { return on_heap() ? u_.heap : u_.items; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size_; }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + size_; }
  T& back() noexcept { return data()[size_ - 1]; }
  const T& back() const noexcept { return data()[size_ - 1]; }
  void pop_back() noexcept { --size_; }
  T& operator[](std::uint32_t i) noexcept { return data()[i]; }
  const T& operator[](std::uint32_t i) const noexcept { return data()[i]; }

  void push_back(T value) {
    if (size_ == cap_) grow(cap_ * 2);
    data()[size_++] = value;
  }
  void assign(const T* items, std::uint32_t n) {
    reset();
    if (n > N) grow(n);
    if (n > 0) std::memcpy(static_cast<void*>(data()), items, sizeof(T) * n);
    size_ = n;
  }
  // Removes item i keeping the order of the rest.
  void erase(std::uint32_t i) noexcept {
    T* d = data();
    std::memmove(static_cast<void*>(d + i), d + i + 1, sizeof(T) * (size_ - i - 1));
    --size_;
  }
  void truncate(std::uint32_t n) noexcept { size_ = n; }
  // Empties the vector and gives back its heap block.
  void reset() noexcept {
    if (on_heap()) std::free(u_.heap);
    size_ = 0;
    cap_ = N;
  }
  std::size_t heap_bytes() const noexcept { return on_heap() ? sizeof(T) * cap_ : 0; }

 private:
  bool on_heap() const noexcept { return cap_ > N; }
  void grow(std::uint32_t cap) {
    T* block = static_cast<T*>(std::malloc(sizeof(T) * cap));
    if (block == nullptr) throw std::bad_alloc();
    if (size_ > 0) std::memcpy(static_cast<void*>(block), data(), sizeof(T) * size_);
    if (on_heap()) std::free(u_.heap);
    u_.heap = block;
    cap_ = cap;
  }
  void take(SmallVec& other) noexcept {
    std::memcpy(static_cast<void*>(&u_), &other.u_, sizeof(u_));
    size_ = other.size_;
    cap_ = other.cap_;
    other.size_ = 0;
    other.cap_ = N;
  }

  std::uint32_t size_ = 0;
  std::uint32_t cap_ = N;
  union U {
    U() noexcept : heap(nullptr) {}
    T items[N];
    T* heap;
  } u_;
};

// Records live in pages of kPage, on huge pages; index i is in page i / kPage. Records are
// constructed when the vector grows to them, so untouched capacity stays virtual. Only
// grows (freed records are recycled by the owner through a free list). With the scheduler's
// 112-byte task records a page is exactly seven 2 MiB huge pages.
template <class T>
class ChunkedVec {
 public:
  static constexpr std::uint32_t kShift = 17;
  static constexpr std::uint32_t kPage = 1u << kShift;

  ChunkedVec() = default;
  ChunkedVec(const ChunkedVec&) = delete;
  ChunkedVec& operator=(const ChunkedVec&) = delete;
  ~ChunkedVec() {
    for (std::uint32_t i = 0; i < size_; ++i) (*this)[i].~T();
    for (T* page : pages_) free_huge(page, kPage * sizeof(T));
  }

  T& operator[](std::uint32_t i) noexcept { return pages_[i >> kShift][i & (kPage - 1)]; }
  const T& operator[](std::uint32_t i) const noexcept {
    return pages_[i >> kShift][i & (kPage - 1)];
  }
  std::uint32_t size() const noexcept { return size_; }
  // Appends a default-constructed record and returns its index.
  std::uint32_t grow() {
    if ((size_ >> kShift) == pages_.size()) {
      pages_.push_back(static_cast<T*>(alloc_huge(kPage * sizeof(T))));
    }
    new (&(*this)[size_]) T();
    return size_++;
  }
  std::size_t bytes() const noexcept { return std::size_t{size_} * sizeof(T); }

 private:
  std::vector<T*> pages_;
  std::uint32_t size_ = 0;
};

class IndexedSet {
 public:
  bool contains(std::uint32_t x) const noexcept { return x < pos_.size() && pos_[x] != 0; }
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(items_.size()); }
  bool empty() const noexcept { return items_.empty(); }
  std::uint32_t operator[](std::uint32_t i) const noexcept { return items_[i]; }
  void insert(std::uint32_t x) {
    if (x >= pos_.size()) pos_.resize(x + 1, 0);
    if (pos_[x] != 0) return;
    items_.push_back(x);
    pos_[x] = static_cast<std::uint32_t>(items_.size());
  }
  void erase(std::uint32_t x) noexcept {
    if (!contains(x)) return;
    std::uint32_t i = pos_[x] - 1;
    std::uint32_t last = items_.back();
    items_[i] = last;
    pos_[last] = i + 1;
    items_.pop_back();
    pos_[x] = 0;
  }
  void set(std::uint32_t x, bool member) {
    if (member) {
      insert(x);
    } else {
      erase(x);
    }
  }

 private:
  std::vector<std::uint32_t> items_;
  std::vector<std::uint32_t> pos_;  // index in items_ plus one; 0 when absent
};

class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  std::uint32_t below(std::uint32_t n) noexcept {
    return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32);
  }

 private:
  std::uint64_t state_;
};

}  // namespace weft::sched::detail
