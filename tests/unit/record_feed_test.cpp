// RecordFeed: updates posted from one thread run on the feed's thread, all of them, in
// order; sync() waits for what was posted before it; destruction applies what is queued.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "server/record_feed.hpp"

namespace {

using weft::server::RecordFeed;

TEST(RecordFeed, RunsEveryUpdateInOrderOnItsOwnThread) {
  std::vector<int> applied;  // touched only by the feed's thread until sync() returns
  std::atomic<bool> elsewhere{true};
  const auto caller = std::this_thread::get_id();
  RecordFeed feed;
  for (int i = 0; i < 10'000; ++i) {
    feed.post([&, i] {
      applied.push_back(i);
      if (std::this_thread::get_id() == caller) elsewhere = false;
    });
  }
  feed.sync();
  ASSERT_EQ(applied.size(), 10'000u);
  for (int i = 0; i < 10'000; ++i) ASSERT_EQ(applied[static_cast<std::size_t>(i)], i);
  EXPECT_TRUE(elsewhere);
  feed.post([&] { applied.push_back(-1); });
  feed.sync();
  EXPECT_EQ(applied.back(), -1);
  feed.sync();  // nothing queued: returns at once
}

TEST(RecordFeed, DestructionAppliesWhatIsQueued) {
  int applied = 0;
  {
    RecordFeed feed;
    for (int i = 0; i < 1000; ++i) feed.post([&] { ++applied; });
  }
  EXPECT_EQ(applied, 1000);
}

}  // namespace
