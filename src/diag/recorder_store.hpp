// The recorder's containers: a ring that keeps the newest items and a map from task ids,
// both allocation-free once grown, so that feeding allocates nothing in the steady state.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace weft::diag::detail {

// The newest `capacity` items pushed, oldest first. Grows a chunk at a time up to the
// capacity, then overwrites the oldest. Chunks, not one vector: doubling a vector of a
// million records copies them into fresh memory each time, and on a fresh scheduler that
// first touch of pages (kernel zeroing, host faults) cost more than the recording itself.
template <class T>
class Ring {
 public:
  static constexpr std::size_t kChunk = 4096;

  explicit Ring(std::size_t capacity) : capacity_(capacity) {}

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const T& operator[](std::size_t i) const noexcept {
    std::size_t j = head_ + i;
    if (j >= size_) j -= size_;
    return chunks_[j / kChunk][j % kChunk];
  }
  const T& back() const noexcept { return (*this)[size_ - 1]; }

  void push(const T& item) {
    if (size_ < capacity_) {
      if (size_ % kChunk == 0) {
        chunks_.emplace_back();
        chunks_.back().reserve(std::min(kChunk, capacity_ - size_));
      }
      chunks_.back().push_back(item);
      ++size_;
      return;
    }
    if (capacity_ == 0) return;
    chunks_[head_ / kChunk][head_ % kChunk] = item;
    if (++head_ == capacity_) head_ = 0;
  }

  // Drops everything (tests shrink the bound this way).
  void reset(std::size_t capacity) {
    chunks_.clear();
    size_ = 0;
    head_ = 0;
    capacity_ = capacity;
  }

 private:
  std::vector<std::vector<T>> chunks_;
  std::size_t size_ = 0;
  std::size_t head_ = 0;  // index of the oldest once full
  std::size_t capacity_;
};

// Task id -> V: open addressing with linear probing and backward-shift deletion (no
// tombstones), the load kept under 1/2. Ids come from counters, so they are mixed first.
template <class V>
class IdTable {
 public:
  IdTable() : slots_(16) {}

  std::size_t size() const noexcept { return size_; }

  V* find(std::uint64_t id) noexcept {
    for (std::size_t i = home(id);; i = next(i)) {
      Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.id == id) return &s.value;
    }
  }

  // Inserts or overwrites.
  void put(std::uint64_t id, const V& value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = home(id);
    for (; slots_[i].used; i = next(i)) {
      if (slots_[i].id == id) {
        slots_[i].value = value;
        return;
      }
    }
    slots_[i] = Slot{id, value, true};
    ++size_;
  }

  bool erase(std::uint64_t id) noexcept {
    std::size_t i = home(id);
    for (;; i = next(i)) {
      if (!slots_[i].used) return false;
      if (slots_[i].id == id) break;
    }
    // Pull later members of the probe run into the hole unless their home lies cyclically
    // in (hole, j].
    std::size_t hole = i;
    for (std::size_t j = next(i); slots_[j].used; j = next(j)) {
      const std::size_t h = home(slots_[j].id);
      const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (!stays) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
    return true;
  }

  // Empties the table, keeping its memory.
  void clear() noexcept {
    if (size_ == 0) return;
    for (Slot& s : slots_) s.used = false;
    size_ = 0;
  }

 private:
  struct Slot {
    std::uint64_t id = 0;
    V value{};
    bool used = false;
  };

  std::size_t home(std::uint64_t id) const noexcept {
    std::uint64_t h = id;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return static_cast<std::size_t>(h) & (slots_.size() - 1);
  }
  std::size_t next(std::size_t i) const noexcept { return (i + 1) & (slots_.size() - 1); }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old) {
      if (s.used) put(s.id, s.value);
    }
  }

  std::vector<Slot> slots_;  // size a power of two
  std::size_t size_ = 0;
};

}  // namespace weft::diag::detail
