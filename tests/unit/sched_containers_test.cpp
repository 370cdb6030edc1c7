// The scheduler's flat containers against their standard counterparts.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <map>
#include <random>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "sched/containers.hpp"
#include "sched/id_index.hpp"
#include "sched/id_map.hpp"
#include "sched/radix_queue.hpp"
#include "sched/state.hpp"

namespace {

using namespace weft::sched::detail;

TEST(IdMapTest, MatchesAnUnorderedMapUnderRandomInsertsAndErases) {
  std::vector<std::uint64_t> keys;  // index -> key, as the scheduler's records
  std::unordered_map<std::uint64_t, std::uint32_t> model;
  IdMap map;
  auto key_of = [&](std::uint32_t i) { return keys[i]; };
  std::mt19937_64 rng(1);
  for (int step = 0; step < 200'000; ++step) {
    // Small key space so that erases and collisions are frequent; some huge keys too.
    const std::uint64_t key = rng() % 3 == 0 ? rng() : rng() % 5000;
    const auto it = model.find(key);
    if (it == model.end()) {
      const auto index = static_cast<std::uint32_t>(keys.size());
      keys.push_back(key);
      map.insert(key, index);
      model.emplace(key, index);
    } else if (rng() % 2 == 0) {
      ASSERT_TRUE(map.erase(key, key_of));
      model.erase(it);
    }
    const std::uint64_t probe = rng() % 5000;
    const auto m = model.find(probe);
    ASSERT_EQ(map.find(probe, key_of), m == model.end() ? IdMap::kNotFound : m->second);
  }
  ASSERT_EQ(map.size(), model.size());
  for (const auto& [key, index] : model) ASSERT_EQ(map.find(key, key_of), index);
  EXPECT_FALSE(map.erase(~0ull - 1, key_of));
}

// Ids as clients make them (client << 48 | counter, in runs) mixed with random 64-bit ids
// and with old ids coming back: grouped and sparse ids must agree with a plain map through
// inserts and erases, while groups are made, drained, dropped and reused.
TEST(IdIndexTest, MatchesAnUnorderedMapForDenseAndSparseIds) {
  std::vector<std::uint64_t> keys;
  std::unordered_map<std::uint64_t, std::uint32_t> model;
  IdIndex index;
  auto key_of = [&](std::uint32_t i) { return keys[i]; };
  std::mt19937_64 rng(2);
  std::uint64_t counters[3] = {0, 0, 0};
  std::uint64_t client = 0;
  auto random_key = [&]() -> std::uint64_t {
    const std::uint64_t r = rng() % 100;
    if (r < 10) return rng() >> 1;
    if (r < 12) client = rng() % 3;
    if (r < 20) return client << 48 | rng() % (counters[client] + 1);  // an old id
    // The next ids of the client's counter; it jumps a group ahead now and then.
    counters[client] += r < 21 ? (std::uint64_t{1} << 19) : 1 + rng() % 3;
    return client << 48 | counters[client];
  };
  std::size_t most_bytes = 0;
  for (int step = 0; step < 200'000; ++step) {
    const std::uint64_t key = random_key();
    const auto it = model.find(key);
    if (it == model.end()) {
      const auto i = static_cast<std::uint32_t>(keys.size());
      keys.push_back(key);
      index.insert(key, i);
      model.emplace(key, i);
    } else {
      ASSERT_TRUE(index.erase(key, key_of));
      model.erase(it);
    }
    const std::uint64_t probe = random_key();
    const auto m = model.find(probe);
    ASSERT_EQ(index.find(probe, key_of), m == model.end() ? IdIndex::kNotFound : m->second);
    most_bytes = std::max(most_bytes, index.capacity_bytes());
  }
  EXPECT_GE(most_bytes, std::size_t{4} << 20);  // groups were made
  ASSERT_EQ(index.size(), model.size());
  for (const auto& [key, i] : model) ASSERT_EQ(index.find(key, key_of), i);
  for (const auto& [key, i] : model) ASSERT_TRUE(index.erase(key, key_of));
  EXPECT_EQ(index.size(), 0u);
  EXPECT_FALSE(index.erase(~0ull - 1, key_of));
}

// Dense ids cost 4 bytes each; sparse ones do not make a 2 MiB group apiece (beyond the
// first two, groups in use stay an eighth full on average: 32 bytes an id at most); a
// drained group is given back.
TEST(IdIndexTest, MemoryFollowsDensityAndDrainedGroupsAreDropped) {
  constexpr std::size_t kGroupBytes = std::size_t{2} << 20;
  std::vector<std::uint64_t> keys;
  auto key_of = [&](std::uint32_t i) { return keys[i]; };
  std::mt19937_64 rng(3);
  auto insert_sparse = [&](IdIndex& index, int n) {
    for (int i = 0; i < n; ++i) {
      const std::uint64_t key = (rng() >> 2) | (std::uint64_t{1} << 62);
      index.insert(key, static_cast<std::uint32_t>(keys.size()));
      keys.push_back(key);
    }
  };
  {
    IdIndex sparse;
    insert_sparse(sparse, 20'000);
    EXPECT_LE(sparse.capacity_bytes(), 2 * kGroupBytes + 20'000u * 64);
    EXPECT_EQ(sparse.find(keys.back(), key_of), keys.size() - 1);
  }

  IdIndex index;
  const std::uint64_t client = std::uint64_t{7} << 48;
  keys.clear();
  for (std::uint64_t n = 0; n < 1'000'000; ++n) {
    keys.push_back(client | n);
    index.insert(client | n, static_cast<std::uint32_t>(n));
  }
  EXPECT_LE(index.capacity_bytes(), 2 * kGroupBytes + 100'000);
  const std::size_t dense_bytes = index.capacity_bytes();
  insert_sparse(index, 20'000);
  EXPECT_LE(index.capacity_bytes(), 32 * index.size() + 2 * kGroupBytes + 20'000u * 64);
  EXPECT_EQ(index.find(keys.back(), key_of), keys.size() - 1);

  for (std::uint64_t n = 0; n < 1'000'000; ++n) ASSERT_TRUE(index.erase(client | n, key_of));
  EXPECT_LT(index.capacity_bytes(), dense_bytes);
  EXPECT_EQ(index.find(client | 5, key_of), IdIndex::kNotFound);
  EXPECT_EQ(index.size(), 20'000u);
}

// A drained group's place (and slots) are reused for the next group; the old group's
// number, found through the lookup cache a moment ago, must not reach the new one.
TEST(IdIndexTest, AReusedGroupIsNotFoundByItsOldNumber) {
  const std::uint64_t old_id = std::uint64_t{7} << 48 | 5;
  const std::uint64_t new_id = old_id + (std::uint64_t{1} << 19);  // next group, same offset
  std::vector<std::uint64_t> keys = {old_id, old_id + 1, new_id, new_id + 1};
  auto key_of = [&](std::uint32_t i) { return keys[i]; };
  IdIndex index;
  for (std::uint32_t i = 0; i < 2; ++i) index.insert(keys[i], i);  // the second makes a group
  const std::size_t one_group = index.capacity_bytes();
  EXPECT_GE(one_group, std::size_t{2} << 20);
  EXPECT_EQ(index.find(old_id, key_of), 0u);
  for (std::uint32_t i = 0; i < 2; ++i) ASSERT_TRUE(index.erase(keys[i], key_of));
  for (std::uint32_t i = 2; i < 4; ++i) index.insert(keys[i], i);
  EXPECT_EQ(index.capacity_bytes(), one_group);  // the drained group's slots, reused
  EXPECT_EQ(index.find(new_id, key_of), 2u);
  EXPECT_EQ(index.find(new_id + 1, key_of), 3u);
  EXPECT_EQ(index.find(old_id, key_of), IdIndex::kNotFound);
  EXPECT_FALSE(index.erase(old_id, key_of));
  EXPECT_EQ(index.size(), 2u);
}

TEST(SmallVecTest, StaysInlineThenGrowsAndMoves) {
  SmallVec<std::uint32_t, 2> v;
  EXPECT_EQ(v.heap_bytes(), 0u);
  v.push_back(1);
  v.push_back(2);
  EXPECT_EQ(v.heap_bytes(), 0u);
  for (std::uint32_t i = 3; i <= 100; ++i) v.push_back(i);
  EXPECT_GT(v.heap_bytes(), 0u);
  v.erase(0);
  EXPECT_EQ(v.size(), 99u);
  EXPECT_EQ(v[0], 2u);
  EXPECT_EQ(v[98], 100u);
  SmallVec<std::uint32_t, 2> w(std::move(v));
  EXPECT_EQ(v.size(), 0u);
  EXPECT_EQ(w.size(), 99u);
  const std::uint32_t three[] = {7, 8, 9};
  w.assign(three, 3);
  EXPECT_EQ(std::vector<std::uint32_t>(w.begin(), w.end()), (std::vector<std::uint32_t>{7, 8, 9}));
  w.assign(three, 1);
  EXPECT_EQ(w.heap_bytes(), 0u);
  static_assert(sizeof(SmallVec<Edge, 1>) == 16);
  static_assert(sizeof(TaskRec) <= 112, "the per-task record is the scheduler's memory budget");
}

TEST(IndexedSetTest, InsertEraseAndMembership) {
  IndexedSet s;
  for (std::uint32_t x : {5u, 1u, 9u, 5u}) s.insert(x);
  EXPECT_EQ(s.size(), 3u);
  s.erase(1);
  s.erase(42);
  EXPECT_TRUE(s.contains(5));
  EXPECT_FALSE(s.contains(1));
  EXPECT_EQ(s.size(), 2u);
  s.set(1, true);
  s.set(9, false);
  std::vector<std::uint32_t> items;
  for (std::uint32_t i = 0; i < s.size(); ++i) items.push_back(s[i]);
  std::sort(items.begin(), items.end());
  EXPECT_EQ(items, (std::vector<std::uint32_t>{1, 5}));
}

TEST(ReadyQueueTest, PopsInKeyOrderWhateverThePushOrder) {
  ReadyQueue q;
  std::multimap<std::uint64_t, std::uint32_t> model;
  std::mt19937_64 rng(3);
  std::uint64_t key = 0;
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    key = rng() % 4 == 0 ? rng() % (key + 1) : key + 1 + rng() % 3;  // mostly increasing
    q.push({key, i});
    model.emplace(key, i);
    if (rng() % 3 == 0) {
      ASSERT_EQ(q.top().key, model.begin()->first);
      model.erase(model.begin());
      q.pop();
    }
  }
  while (!q.empty()) {
    ASSERT_EQ(q.top().key, model.begin()->first);
    model.erase(model.begin());
    q.pop();
  }
  EXPECT_TRUE(model.empty());
}

// Many increasing runs pushed interleaved, as the dependents of many finished tasks are,
// with keys pushed again (a task queued a second time) and, past the run limit, the heap.
TEST(ReadyQueueTest, InterleavedRunsPopInKeyOrder) {
  for (const std::uint32_t runs : {3u, 700u, 9000u}) {
    ReadyQueue q;
    std::multimap<std::uint64_t, std::uint32_t> model;
    std::mt19937_64 rng(runs);
    std::vector<std::uint64_t> next(runs);
    for (std::uint32_t r = 0; r < runs; ++r) next[r] = rng() % 1'000'000'000;
    for (std::uint32_t i = 0; i < 60'000; ++i) {
      const std::uint32_t r = static_cast<std::uint32_t>(rng() % runs);
      const std::uint64_t key =
          rng() % 50 == 0 && !model.empty() ? model.rbegin()->first : (next[r] += 1 + rng() % 5);
      q.push({key, i});
      model.emplace(key, i);
      if (rng() % 4 == 0) {
        ASSERT_EQ(q.top().key, model.begin()->first) << runs << " runs";
        model.erase(model.begin());
        q.pop();
      }
      ASSERT_EQ(q.entries(), model.size());
    }
    while (!q.empty()) {
      ASSERT_EQ(q.top().key, model.begin()->first) << runs << " runs";
      model.erase(model.begin());
      q.pop();
    }
    EXPECT_TRUE(model.empty());
  }
}

// Against a std::map keyed by (when, seq), with a clock that only moves forward: times as
// the simulator makes them (now + a duration, as double bits), many of them equal (fixed
// durations), and zero durations (a key equal to the last popped).
TEST(RadixQueueTest, PopsInWhenThenSeqOrderAsTheClockAdvances) {
  struct Entry {
    std::uint64_t when;
    std::uint64_t seq;
  };
  for (const std::uint32_t width : {1u, 40u, 5000u}) {
    RadixQueue<Entry> q;
    std::map<std::pair<std::uint64_t, std::uint64_t>, int> model;
    std::mt19937_64 rng(width);
    double now = 0;
    std::uint64_t seq = 0;
    auto push = [&] {
      const std::uint64_t r = rng() % 10;
      const double duration = r == 0 ? 0.0 : r < 4 ? 0.001 : 0.001 + (rng() % 9000) / 1e6;
      const Entry e{std::bit_cast<std::uint64_t>(now + duration), seq++};
      q.push(e);
      model.emplace(std::make_pair(e.when, e.seq), 0);
    };
    for (std::uint32_t i = 0; i < width; ++i) push();
    for (std::uint32_t i = 0; i < 100'000; ++i) {
      ASSERT_EQ(q.size(), model.size());
      if (q.empty()) break;
      ASSERT_EQ(q.min_key(), model.begin()->first.first);
      std::uint32_t peeked = 0;
      q.peek_some(3, [&](const Entry& e) {
        ++peeked;
        EXPECT_TRUE(model.count({e.when, e.seq})) << "peeked an entry not queued";
      });
      EXPECT_GE(peeked, 1u);
      EXPECT_LE(peeked, 3u);
      const Entry e = q.pop();
      ASSERT_EQ(std::make_pair(e.when, e.seq), model.begin()->first) << width << " wide, pop " << i;
      model.erase(model.begin());
      now = std::bit_cast<double>(e.when);
      const std::uint64_t starts = rng() % 3;  // sometimes none, sometimes two
      for (std::uint64_t k = 0; k < starts && i < 90'000; ++k) push();
    }
    std::size_t left = 0;
    q.for_each([&](const Entry&) { ++left; });
    EXPECT_EQ(left, model.size());
  }
  RadixQueue<Entry> empty;
  EXPECT_THROW(empty.pop(), std::logic_error);
  EXPECT_THROW(empty.min_key(), std::logic_error);
}

TEST(ChunkedVecTest, ReferencesSurviveGrowth) {
  ChunkedVec<std::uint64_t> v;
  const std::uint32_t first = v.grow();
  std::uint64_t& ref = v[first];
  ref = 42;
  for (std::uint32_t i = 1; i < 3 * ChunkedVec<std::uint64_t>::kPage; ++i) v[v.grow()] = i;
  EXPECT_EQ(&ref, &v[first]);
  EXPECT_EQ(v[first], 42u);
  EXPECT_EQ(v[2 * ChunkedVec<std::uint64_t>::kPage + 5], 2 * ChunkedVec<std::uint64_t>::kPage + 5);
}

}  // namespace
