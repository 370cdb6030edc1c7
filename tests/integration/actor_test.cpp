// Actors through the public API, on every runtime: in-process (threads, inline) and on a
// local cluster of worker processes (this binary's main serves the worker role).
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <weft/weft.hpp>

#include "../unit/per_runtime.hpp"

namespace {

struct Counter {
  int total = 0;
  Counter() = default;
  explicit Counter(int start) : total(start) {}
  int add(int n) { return total += n; }
  int get() const { return total; }
  int pid() const { return static_cast<int>(getpid()); }
  int fail(const std::string& why) { throw std::invalid_argument(why); }
  void reset() { total = 0; }
  int nap(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
  }
};
WEFT_ACTOR(Counter, add, get, pid, fail, reset, nap);

int twice(int x) { return 2 * x; }
WEFT_REMOTE(twice);

// A task that uses an actor handle it was given.
int add_from_task(weft::Actor<Counter> c, int n) {
  weft::get(c.call(&Counter::add, n));
  return weft::get(c.call(&Counter::add, n));
}
WEFT_REMOTE(add_from_task);

class ActorTest : public weft::testing::PerRuntime {};

TEST_P(ActorTest, CallsRunInOrderAndStatePersists) {
  auto c = weft::actor<Counter>();
  std::vector<weft::Ref<int>> results;
  for (int i = 0; i < 200; ++i) results.push_back(c.call(&Counter::add, 1));
  const std::vector<int> totals = weft::get(results);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(totals[i], i + 1) << "call " << i;
  EXPECT_EQ(weft::get(c.call(&Counter::get)), 200);
  c.call(&Counter::reset);
  EXPECT_EQ(weft::get(c.call(&Counter::get)), 0);
}

TEST_P(ActorTest, ConstructorArgumentsAndSeparateInstances) {
  auto a = weft::actor<Counter>(10);
  auto b = weft::actor<Counter>(100);
  weft::get(a.call(&Counter::add, 1));
  EXPECT_EQ(weft::get(a.call(&Counter::get)), 11);
  EXPECT_EQ(weft::get(b.call(&Counter::get)), 100);
}

TEST_P(ActorTest, AFailingCallReportsItsErrorAndTheActorLivesOn) {
  auto c = weft::actor<Counter>(5);
  try {
    weft::get(c.call(&Counter::fail, std::string("bad input")));
    FAIL() << "expected a TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.type_name(), "std::invalid_argument");
    EXPECT_EQ(e.message(), "bad input");
    EXPECT_EQ(e.task_name(), "Counter::fail");
  }
  EXPECT_EQ(weft::get(c.call(&Counter::add, 1)), 6);
}

TEST_P(ActorTest, NamedActorsAreFoundByName) {
  auto c = weft::actor<Counter>(weft::ActorOptions{.name = "tally-" + std::string(GetParam())}, 7);
  weft::get(c.call(&Counter::add, 1));
  auto same = weft::get_actor<Counter>("tally-" + std::string(GetParam()));
  EXPECT_EQ(weft::get(same.call(&Counter::get)), 8);
  EXPECT_THROW(weft::get_actor<Counter>("nobody"), weft::Error);
}

TEST_P(ActorTest, KilledActorsRefuseCalls) {
  auto c = weft::actor<Counter>();
  EXPECT_EQ(weft::get(c.call(&Counter::add, 2)), 2);
  c.kill();
  EXPECT_THROW(weft::get(c.call(&Counter::add, 1)), weft::Error);
}

TEST_P(ActorTest, ResultsOfCallsAreRefsTasksCanUse) {
  auto c = weft::actor<Counter>(20);
  weft::Ref<int> n = c.call(&Counter::add, 1);
  EXPECT_EQ(weft::get(weft::remote(twice, n)), 42);
}

TEST_P(ActorTest, HandlesCanBePassedToTasks) {
  auto c = weft::actor<Counter>(1);
  std::vector<weft::Ref<int>> refs;
  for (int i = 0; i < 4; ++i) refs.push_back(weft::remote(add_from_task, c, 10));
  for (int r : weft::get(refs)) EXPECT_GT(r, 1);
  // Eight calls of +10 in all, however the tasks interleaved.
  EXPECT_EQ(weft::get(c.call(&Counter::get)), 81);
}

INSTANTIATE_TEST_SUITE_P(Runtimes, ActorTest,
                         ::testing::Values("threads:2", "inline", "processes:2"),
                         weft::testing::runtime_name);

TEST(ActorCluster, TheActorLivesInAWorkerProcess) {
  auto rt = weft::init("processes:2");
  auto c = weft::actor<Counter>();
  EXPECT_NE(weft::get(c.call(&Counter::pid)), static_cast<int>(getpid()));
}

// Its worker is killed twice: the first time the actor is made again from its constructor
// arguments (the call in flight says the state was lost), the second time it is gone.
TEST(ActorCluster, RestartsFromItsConstructorWhenItsWorkerDies) {
  auto rt = weft::init("processes:3");
  auto c = weft::actor<Counter>(weft::ActorOptions{.max_restarts = 1}, 100);
  EXPECT_EQ(weft::get(c.call(&Counter::add, 5)), 105);
  const int first = weft::get(c.call(&Counter::pid));
  weft::Ref<int> in_flight = c.call(&Counter::nap, 3000);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  try {
    weft::get(in_flight);
    FAIL() << "the call on the killed worker returned";
  } catch (const weft::ActorDiedError& e) {
    EXPECT_TRUE(e.restarted()) << e.what();
  }
  EXPECT_EQ(weft::get(c.call(&Counter::get)), 100);  // a new instance: the +5 is gone
  const int second = weft::get(c.call(&Counter::pid));
  EXPECT_NE(second, first);
  EXPECT_EQ(weft::get(c.call(&Counter::add, 1)), 101);

  ASSERT_EQ(::kill(second, SIGKILL), 0);  // no restarts left
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  try {
    weft::get(c.call(&Counter::get));
    FAIL() << "a call reached an actor that should be gone";
  } catch (const weft::ActorDiedError& e) {
    EXPECT_FALSE(e.restarted()) << e.what();
  } catch (const weft::Error& e) {
    EXPECT_NE(std::string(e.what()).find("gone"), std::string::npos) << e.what();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("WEFT_ROLE") != nullptr) weft::init(argc, argv);  // a worker: never returns
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
