// The eager task API: remote, get, put, wait, as_completed, errors, cancellation, options.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "per_runtime.hpp"
#include "weft/weft.hpp"

namespace {

using namespace std::chrono_literals;

int square(int x) { return x * x; }
WEFT_REMOTE(square);

int add(int a, int b) { return a + b; }

class TaskTest : public weft::testing::PerRuntime {};

TEST_P(TaskTest, RemoteReturnsValue) {
  weft::Ref<int> r = weft::remote(square, 7);
  EXPECT_EQ(weft::get(r), 49);
  EXPECT_TRUE(r.done());
  EXPECT_FALSE(r.failed());
}

TEST_P(TaskTest, RefArgumentsAreDependencies) {
  auto a = weft::remote(square, 3);
  auto b = weft::remote(square, 4);
  auto c = weft::remote(add, a, b);
  EXPECT_EQ(weft::get(c), 25);
}

TEST_P(TaskTest, LambdaAndVoidTasks) {
  std::atomic<int> hits{0};
  weft::Ref<void> v = weft::remote([&hits] { hits.fetch_add(1); });
  weft::get(v);
  EXPECT_EQ(hits.load(), 1);
  auto s = weft::remote([](const std::string& a, int n) { return a + std::to_string(n); },
                        std::string("x"), 5);
  EXPECT_EQ(weft::get(s), "x5");
}

TEST_P(TaskTest, PutStoresValue) {
  auto r = weft::put(std::vector<int>{1, 2, 3});
  EXPECT_TRUE(r.done());
  auto n = weft::remote([](const std::vector<int>& v) { return v.size(); }, r);
  EXPECT_EQ(weft::get(n), 3u);
  EXPECT_EQ(weft::get(r)[2], 3);
}

TEST_P(TaskTest, GetManyKeepsOrder) {
  std::vector<weft::Ref<int>> refs;
  for (int i = 0; i < 100; ++i) refs.push_back(weft::remote(square, i));
  std::vector<int> values = weft::get(refs);
  ASSERT_EQ(values.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(values[static_cast<std::size_t>(i)], i * i);
}

TEST_P(TaskTest, ErrorCarriesTypeMessageTaskAndWorker) {
  auto r = weft::remote(weft::TaskOptions{.name = "parse"},
                        []() -> int { throw std::out_of_range("index 9 of 3"); });
  try {
    weft::get(r);
    FAIL() << "expected TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.type_name(), "std::out_of_range");
    EXPECT_EQ(e.message(), "index 9 of 3");
    EXPECT_EQ(e.task_name(), "parse");
    EXPECT_FALSE(e.worker().empty());
    EXPECT_NE(std::string(e.what()).find("parse"), std::string::npos);
    EXPECT_THROW(std::rethrow_exception(e.original()), std::out_of_range);
  }
  EXPECT_TRUE(r.failed());
}

TEST_P(TaskTest, RegisteredFunctionNamesItsTask) {
  auto r = weft::remote(square, 2);
  EXPECT_EQ(r.name(), "square");
}

TEST_P(TaskTest, DependentsOfFailedTaskFailWithIt) {
  auto bad = weft::remote(weft::TaskOptions{.name = "bad"},
                          []() -> int { throw std::runtime_error("boom"); });
  auto child = weft::remote(square, bad);
  auto grandchild = weft::remote(add, child, 1);
  try {
    weft::get(grandchild);
    FAIL() << "expected TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.task_name(), "bad");
    EXPECT_EQ(e.message(), "boom");
  }
  EXPECT_TRUE(child.failed());
}

TEST_P(TaskTest, RetriesRerunUntilSuccess) {
  std::atomic<int> calls{0};
  auto r = weft::remote(weft::TaskOptions{.name = "flaky", .retries = 3}, [&calls] {
    if (calls.fetch_add(1) < 2) throw std::runtime_error("transient");
    return 42;
  });
  EXPECT_EQ(weft::get(r), 42);
  EXPECT_EQ(calls.load(), 3);
}

TEST_P(TaskTest, RetriesExhaustedReportsError) {
  std::atomic<int> calls{0};
  auto r = weft::remote(weft::TaskOptions{.retries = 2}, [&calls]() -> int {
    calls.fetch_add(1);
    throw std::logic_error("always");
  });
  EXPECT_THROW(weft::get(r), weft::TaskError);
  EXPECT_EQ(calls.load(), 3);
}

TEST_P(TaskTest, WaitSplitsReadyAndNotReady) {
  std::vector<weft::Ref<int>> refs;
  for (int i = 0; i < 8; ++i) refs.push_back(weft::remote(square, i));
  auto all = weft::wait(refs);
  EXPECT_EQ(all.ready.size(), 8u);
  EXPECT_TRUE(all.not_ready.empty());
  auto some = weft::wait(refs, 3);
  EXPECT_EQ(some.ready.size(), 3u);
  EXPECT_EQ(some.not_ready.size(), 5u);
}

TEST_P(TaskTest, AsCompletedYieldsEveryRefOnce) {
  std::vector<weft::Ref<int>> refs;
  for (int i = 0; i < 50; ++i) refs.push_back(weft::remote(square, i));
  long sum = 0;
  int count = 0;
  for (const weft::Ref<int>& r : weft::as_completed(refs)) {
    EXPECT_TRUE(r.done());
    sum += weft::get(r);
    ++count;
  }
  EXPECT_EQ(count, 50);
  EXPECT_EQ(sum, 40425);
}

// Recursion deeper than the number of threads: each level waits on the next. Blocking
// waits would deadlock a pool of 2; helping waits cannot.
int depth_sum(int depth) {
  if (depth == 0) return 0;
  auto child = weft::remote(depth_sum, depth - 1);
  return 1 + weft::get(child);
}

TEST_P(TaskTest, NestedWaitsDeeperThanPoolDoNotDeadlock) {
  EXPECT_EQ(weft::get(weft::remote(depth_sum, 200)), 200);
}

long fib(int n) {
  if (n < 2) return n;
  auto a = weft::remote(fib, n - 1);
  auto b = weft::remote(fib, n - 2);
  return weft::get(a) + weft::get(b);
}

TEST_P(TaskTest, RecursiveFanOutFromInsideTasks) {
  EXPECT_EQ(weft::get(weft::remote(fib, 18)), 2584);
}

// Counts live instances, to see when weft frees intermediate values.
struct Tracked {
  static inline std::atomic<int> alive{0};
  long value = 0;
  explicit Tracked(long v) : value(v) { alive.fetch_add(1); }
  Tracked(const Tracked& o) : value(o.value) { alive.fetch_add(1); }
  ~Tracked() { alive.fetch_sub(1); }
};

TEST_P(TaskTest, FinishedTasksReleaseTheirInputs) {
  weft::Ref<Tracked> root;
  {
    std::vector<weft::Ref<Tracked>> level;
    for (int i = 0; i < 64; ++i) level.push_back(weft::put(Tracked(i)));
    while (level.size() > 1) {
      std::vector<weft::Ref<Tracked>> next;
      for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
        next.push_back(weft::remote(
            [](const Tracked& a, const Tracked& b) { return Tracked(a.value + b.value); }, level[i],
            level[i + 1]));
      }
      level = std::move(next);
    }
    root = level[0];
  }
  EXPECT_EQ(weft::get(root).value, 63 * 64 / 2);
  // Only the root's value is left: the 63 intermediates and 64 leaves were freed as soon
  // as their consumers ran, although the root's task once held Refs to its inputs.
  EXPECT_EQ(Tracked::alive.load(), 1);
  root = {};
  EXPECT_EQ(Tracked::alive.load(), 0);
}

TEST_P(TaskTest, DroppingALongChainDoesNotRecurse) {
  weft::Ref<long> last = weft::put(0L);
  for (int i = 0; i < 1000000; ++i) last = weft::remote([](long x) { return x + 1; }, last);
  EXPECT_EQ(weft::get(last), 1000000);
  last = {};  // would overflow the stack if each task still owned its predecessor
}

INSTANTIATE_TEST_SUITE_P(Runtimes, TaskTest, ::testing::Values("threads:2", "threads:4", "inline"),
                         weft::testing::runtime_name);

// Cancellation needs tasks that have not started yet, so it uses the threads runtime with
// one worker held busy.
TEST(CancelTest, CancelledTaskAndDependentsNeverRun) {
  auto rt = weft::init("threads:1");
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  auto blocker = weft::remote([&release] {
    while (!release.load()) std::this_thread::sleep_for(1ms);
  });
  auto gate = weft::remote([](const weft::Ref<void>&) { return 1; }, blocker);
  auto victim = weft::remote([&ran](int) { return ran.fetch_add(1); }, gate);
  auto dependent = weft::remote([&ran](int) { return ran.fetch_add(1); }, victim);
  EXPECT_TRUE(victim.cancel());
  EXPECT_FALSE(victim.cancel());
  release.store(true);
  EXPECT_EQ(weft::get(gate), 1);
  EXPECT_THROW(weft::get(victim), weft::CancelledError);
  EXPECT_THROW(weft::get(dependent), weft::CancelledError);
  EXPECT_EQ(ran.load(), 0);
}

TEST(CancelTest, FinishedTaskCannotBeCancelled) {
  auto rt = weft::init("threads:2");
  auto r = weft::remote(square, 5);
  EXPECT_EQ(weft::get(r), 25);
  EXPECT_FALSE(r.cancel());
  EXPECT_EQ(weft::get(r), 25);
}

TEST(WaitTest, TimeoutReturnsWithNotReady) {
  auto rt = weft::init("threads:2");
  std::atomic<bool> release{false};
  auto slow = weft::remote([&release] {
    while (!release.load()) std::this_thread::sleep_for(1ms);
    return 1;
  });
  auto fast = weft::remote(square, 3);
  std::vector<weft::Ref<int>> refs{slow, fast};
  auto t0 = std::chrono::steady_clock::now();
  auto res = weft::wait(refs, 2, 50ms);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 50ms);
  ASSERT_EQ(res.ready.size(), 1u);
  EXPECT_EQ(res.ready[0], fast);
  ASSERT_EQ(res.not_ready.size(), 1u);
  EXPECT_EQ(res.not_ready[0], slow);
  release.store(true);
  EXPECT_EQ(weft::get(slow), 1);
}

TEST(WaitTest, GetWithTimeoutThrowsNamingTheTaskThenSucceedsLater) {
  auto rt = weft::init("threads:2");
  std::atomic<bool> release{false};
  auto slow = weft::remote(weft::TaskOptions{.name = "held"}, [&release] {
    while (!release.load()) std::this_thread::sleep_for(1ms);
    return 7;
  });
  try {
    weft::get(slow, 20ms);
    FAIL() << "no TimeoutError";
  } catch (const weft::TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("task 'held' was not done within 0.02 s"),
              std::string::npos)
        << e.what();
  }
  release.store(true);
  EXPECT_EQ(weft::get(slow, 10s), 7);
  auto done = weft::remote([] {});
  weft::get(done);
  EXPECT_NO_THROW(weft::get(done, 0ms));  // already done: no waiting at all
}

}  // namespace
