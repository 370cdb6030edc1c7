// IdMap: from the client's 64-bit ids to the scheduler's dense record indices.
//
// Open addressing with linear probing and backward-shift deletion (no tombstones). A slot
// holds only the record index and 32 bits of the key's hash (8 bytes); the key itself is
// read back from the record, through the `key_of(index)` callable each lookup is given.
// With the load kept under 1/2 that is 8 to 16 bytes per id, against about 60 for a
// std::unordered_map node and bucket. The hash bits pick the home slot (so growing needs no
// key) and filter out almost every non-matching slot without touching its record.
//
// Ids are hashed in blocks of eight: ids that differ only in their low three bits share a
// 64-byte line of slots, at their offset in the block. Clients number tasks with a counter,
// and a graph's tasks are submitted, finished and forgotten in runs of nearby ids, so one
// cache miss then serves eight lookups instead of one (a third of the scheduler's time at
// ten million tasks went to these misses). Blocks land on random lines; a full line spills
// into the next, as linear probing does.
#pragma once

#include <cstdint>
#include <utility>

#include "sched/huge_pages.hpp"

namespace weft::sched::detail {

class IdMap {
 public:
  static constexpr std::uint32_t kNotFound = ~0u;

  IdMap() : slots_(std::size_t{1} << bits_, Slot{kNotFound, 0}) {}

  std::uint32_t size() const noexcept { return size_; }
  std::size_t capacity_bytes() const noexcept { return slots_.size() * sizeof(Slot); }

  // The index stored for `key`, or kNotFound.
  template <class KeyOf>
  std::uint32_t find(std::uint64_t key, const KeyOf& key_of) const noexcept {
    const std::uint32_t fp = fingerprint(key);
    for (std::size_t i = home(fp);; i = next(i)) {
      const Slot& s = slots_[i];
      if (s.index == kNotFound) return kNotFound;
      if (s.fp == fp && key_of(s.index) == key) return s.index;
    }
  }

  // REQUIRES: `key` is absent.
  void insert(std::uint64_t key, std::uint32_t index) {
    if (std::size_t{size_ + 1} * 2 > slots_.size()) grow();
    place(Slot{index, fingerprint(key)});
    ++size_;
  }

  // Removes `key`; returns false when it was absent.
  template <class KeyOf>
  bool erase(std::uint64_t key, const KeyOf& key_of) noexcept {
    const std::uint32_t fp = fingerprint(key);
    std::size_t i = home(fp);
    for (;; i = next(i)) {
      const Slot& s = slots_[i];
      if (s.index == kNotFound) return false;
      if (s.fp == fp && key_of(s.index) == key) break;
    }
    // Backward shift: pull later members of the probe run into the hole when their home
    // slot is not between the hole and where they sit.
    std::size_t hole = i;
    for (std::size_t j = next(i);; j = next(j)) {
      Slot& s = slots_[j];
      if (s.index == kNotFound) break;
      const std::size_t h = home(s.fp);
      const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (!stays) {
        slots_[hole] = s;
        hole = j;
      }
    }
    slots_[hole] = Slot{kNotFound, 0};
    --size_;
    return true;
  }

 private:
  struct Slot {
    std::uint32_t index;
    std::uint32_t fp;
  };

  // The top 29 bits hash the id's block (key >> 3); the low 3 bits are its offset in it.
  static std::uint32_t fingerprint(std::uint64_t key) noexcept {
    std::uint64_t h = key >> 3;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (static_cast<std::uint32_t>(h >> 32) & ~7u) | static_cast<std::uint32_t>(key & 7);
  }
  // Line (top bits_ - 3 bits of the block hash) times eight, plus the offset.
  std::size_t home(std::uint32_t fp) const noexcept {
    return (std::size_t{fp >> (35 - bits_)} << 3) | (fp & 7);
  }
  std::size_t next(std::size_t i) const noexcept { return (i + 1) & (slots_.size() - 1); }
  void place(Slot slot) noexcept {
    std::size_t i = home(slot.fp);
    while (slots_[i].index != kNotFound) i = next(i);
    slots_[i] = slot;
  }
  void grow() {
    HugeArray<Slot> old(std::size_t{1} << (bits_ + 1), Slot{kNotFound, 0});
    std::swap(old, slots_);
    ++bits_;
    for (const Slot& s : old) {
      if (s.index != kNotFound) place(s);
    }
  }

  std::uint32_t bits_ = 4;  // slots_.size() == 1 << bits_; at most 32
  std::uint32_t size_ = 0;
  HugeArray<Slot> slots_;
};

}  // namespace weft::sched::detail
