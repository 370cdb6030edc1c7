// IdIndex: from the client's 64-bit task ids to the scheduler's dense record indices.
//
// Clients number their tasks with a counter under their client number (client << 48 | n),
// so live ids come in dense runs. An index of runs beats any hash table on them: ids are
// grouped by their high bits into groups of 2^19, and a group in the index is a direct
// array of record indices (2 MiB, one huge page). A lookup is a directory search (one
// compare in a small direct-mapped cache of it, where a client's consecutive groups land in
// distinct entries) and one load: no probe run, and no key to read back from the record to
// confirm a match. At ten million tasks that was a tenth of the simulation's instructions
// and most of the id map's cache misses.
//
// Ids that would not fill a group go to an IdMap instead, so memory follows density:
//  - a group is made only for an id that follows the one inserted before it closely (a
//    counter's next value), so random ids never make one;
//  - and only while the groups in use are at least a sixteenth full on average (at most 64
//    bytes an id beyond the first two groups), so many small clients share the map;
//  - a group drained to its last 1,024 ids after it had been filled to a sixteenth (or
//    drained empty), other than the one being filled, hands its ids to the map and is
//    dropped, so a few long-lived ids do not pin 2 MiB each. Not sooner: the tasks still
//    running when a group drains are the ones looked up most.
// One dropped group's slots are kept for the next group, so a client that drains its group
// between small graphs does not pay for 2 MiB of fresh slots each time.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sched/huge_pages.hpp"
#include "sched/id_map.hpp"

namespace weft::sched::detail {

class IdIndex {
 public:
  static constexpr std::uint32_t kNotFound = IdMap::kNotFound;

  std::uint32_t size() const noexcept { return grouped_ + sparse_.size(); }
  std::size_t capacity_bytes() const noexcept {
    return (live_groups() + spare_slots_) * kGroupIds * sizeof(std::uint32_t) +
           groups_.capacity() * sizeof(Group) + directory_.capacity_bytes() +
           sparse_.capacity_bytes();
  }

  // The index stored for `key`, or kNotFound. `key_of(index)` is the key of a record, read
  // only for ids kept in the map.
  template <class KeyOf>
  std::uint32_t find(std::uint64_t key, const KeyOf& key_of) const noexcept {
    const std::uint32_t g = group_of(key);
    if (g != kNotFound) {
      const std::uint32_t x = groups_[g].slots[key & kOffsetMask];
      if (x != kNotFound) return x;
    }
    return sparse_.size() == 0 ? kNotFound : sparse_.find(key, key_of);
  }

  // REQUIRES: `key` is absent, and no other key has `index` (indices name records).
  void insert(std::uint64_t key, std::uint32_t index) {
    std::uint32_t g = group_of(key);
    if (g == kNotFound && worth_new_group(key)) {
      g = add_group(key >> kGroupBits);
      adopt_last(g);
    }
    // The group being filled may have drained while it was: it is judged once left.
    if (key >> kGroupBits != last_key_ >> kGroupBits) maybe_retire(last_key_ >> kGroupBits);
    last_key_ = key;
    last_index_ = index;
    if (g == kNotFound) {
      sparse_.insert(key, index);
      return;
    }
    put(g, key, index);
  }

  // Removes `key`; returns false when it was absent.
  template <class KeyOf>
  bool erase(std::uint64_t key, const KeyOf& key_of) {
    const std::uint32_t g = group_of(key);
    if (g != kNotFound) {
      Group& group = groups_[g];
      std::uint32_t& slot = group.slots[key & kOffsetMask];
      if (slot != kNotFound) {
        slot = kNotFound;
        --grouped_;
        --group.live;
        if (drained(group) && group.number != last_key_ >> kGroupBits) retire(g);
        return true;
      }
    }
    return sparse_.erase(key, key_of);
  }

 private:
  static constexpr unsigned kGroupBits = 19;
  static constexpr std::uint64_t kGroupIds = std::uint64_t{1} << kGroupBits;
  static constexpr std::uint64_t kOffsetMask = kGroupIds - 1;
  static constexpr std::uint64_t kMinLive = kGroupIds / 16;
  static constexpr std::uint64_t kRetireBelow = 1024;
  static constexpr std::uint64_t kNextIdGap = 64;  // "follows closely"
  static constexpr std::uint32_t kSpareSlots = 1;

  struct Group {
    std::uint64_t number = 0;  // key >> kGroupBits
    std::uint32_t live = 0;    // ids stored in `slots`
    bool filled = false;       // live has reached kMinLive
    HugeArray<std::uint32_t> slots;
  };
  struct CacheEntry {
    std::uint64_t number = ~std::uint64_t{0};  // no group has this number
    std::uint32_t group = kNotFound;
  };
  static constexpr std::size_t kCacheEntries = 64;

  std::uint32_t group_of(std::uint64_t key) const noexcept {
    const std::uint64_t number = key >> kGroupBits;
    CacheEntry& e = cache_[number % kCacheEntries];
    if (e.number == number) return e.group;
    const std::uint32_t g =
        directory_.find(number, [this](std::uint32_t i) { return groups_[i].number; });
    if (g != kNotFound) e = CacheEntry{number, g};
    return g;
  }
  std::uint64_t live_groups() const noexcept { return groups_.size() - free_groups_.size(); }
  bool worth_new_group(std::uint64_t key) const noexcept {
    const bool follows = key > last_key_ && key - last_key_ <= kNextIdGap;
    return follows && (live_groups() < 2 || grouped_ >= live_groups() * kMinLive);
  }
  std::uint32_t add_group(std::uint64_t number) {
    std::uint32_t g;
    if (free_groups_.empty()) {
      g = static_cast<std::uint32_t>(groups_.size());
      groups_.emplace_back();
    } else {
      g = free_groups_.back();
      free_groups_.pop_back();
    }
    Group& group = groups_[g];
    group.number = number;
    if (group.slots.size() == 0) {
      group.slots = HugeArray<std::uint32_t>(kGroupIds, kNotFound);
    } else {
      --spare_slots_;  // left clean by retire
    }
    directory_.insert(number, g);
    return g;
  }
  void put(std::uint32_t g, std::uint64_t key, std::uint32_t index) noexcept {
    Group& group = groups_[g];
    group.slots[key & kOffsetMask] = index;
    group.filled |= ++group.live >= kMinLive;
    ++grouped_;
  }
  // The id before the one that made group g went to the map; when it is of the same group,
  // it moves in, so that lookups of a counter's ids that miss (a new id is looked up before
  // it is inserted) do not go on to search the map.
  void adopt_last(std::uint32_t g) {
    if (last_key_ >> kGroupBits != groups_[g].number) return;
    // Only the last insert can have its index (any later insert would be the last), so the
    // key of every other entry may be reported as "not this one".
    const std::uint64_t last = last_key_;
    const std::uint32_t index = last_index_;
    if (sparse_.erase(last, [&](std::uint32_t i) { return i == index ? last : ~last; })) {
      put(g, last, index);
    }
  }
  static bool drained(const Group& group) noexcept {
    return group.live == 0 || (group.filled && group.live < kRetireBelow);
  }
  void maybe_retire(std::uint64_t number) {
    const std::uint32_t g =
        directory_.find(number, [this](std::uint32_t i) { return groups_[i].number; });
    if (g != kNotFound && drained(groups_[g])) retire(g);
  }
  // Moves the group's ids to the map, and keeps its slots (clean again) as the spare or
  // gives them back.
  void retire(std::uint32_t g) {
    Group& group = groups_[g];
    const std::uint64_t number = group.number;
    for (std::uint64_t offset = 0; group.live > 0 && offset < kGroupIds; ++offset) {
      std::uint32_t& x = group.slots[offset];
      if (x == kNotFound) continue;
      sparse_.insert(number << kGroupBits | offset, x);
      x = kNotFound;
      --group.live;
      --grouped_;
    }
    directory_.erase(number, [this](std::uint32_t i) { return groups_[i].number; });
    if (cache_[number % kCacheEntries].number == number) cache_[number % kCacheEntries] = {};
    group.filled = false;
    if (spare_slots_ < kSpareSlots) {
      ++spare_slots_;
    } else {
      group.slots = HugeArray<std::uint32_t>();
    }
    free_groups_.push_back(g);
  }

  std::vector<Group> groups_;
  std::vector<std::uint32_t> free_groups_;
  IdMap directory_;  // group number -> index in groups_
  // Groups found lately, by number modulo kCacheEntries. Mutable: filled by lookups.
  mutable std::array<CacheEntry, kCacheEntries> cache_{};
  IdMap sparse_;  // ids outside every group
  std::uint32_t grouped_ = 0;
  std::uint32_t spare_slots_ = 0;               // free groups whose slots are kept
  std::uint64_t last_key_ = ~std::uint64_t{0};  // of the latest insert
  std::uint32_t last_index_ = kNotFound;
};

}  // namespace weft::sched::detail
