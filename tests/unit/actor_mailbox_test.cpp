// The worker's actor mailbox: which calls it runs inline on the calling (I/O) thread. A call
// runs there only once every call of its method so far was brief: waiting, or long CPU
// work, rules a method out; being preempted does not.
#include "worker/actor_mailbox.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "weft/actor.hpp"

namespace {

std::atomic<int> g_yields{0};

struct Probe {
  long n = 0;
  long bump() { return ++n; }
  long nap() {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return n;
  }
  long burn() {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
    while (std::chrono::steady_clock::now() < until) ++n;
    return n;
  }
  // Gives up the CPU until a millisecond has passed, at most g_yields times: a yield with a
  // rival ready hands the CPU over for a while.
  long share() {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
    for (int i = g_yields.load(); i > 0 && std::chrono::steady_clock::now() < until; --i) {
      sched_yield();
    }
    return ++n;
  }
};

}  // namespace

WEFT_ACTOR(Probe, bump, nap, burn, share);

namespace weft::worker {
namespace {

class ActorMailboxTest : public ::testing::Test {
 protected:
  ActorMailboxTest()
      : wake_(::eventfd(0, EFD_CLOEXEC)),
        done_(wake_),
        box_(std::make_shared<ActorMailbox>(
            7, ActorInstance(new Probe, [](void* p) { delete static_cast<Probe*>(p); }),
            "test-worker", done_)) {}
  ~ActorMailboxTest() override { ::close(wake_); }

  static ActorMailbox::Job job(const char* method) {
    const detail::ActorMethod* m = detail::find_method(method);
    EXPECT_NE(m, nullptr) << method;
    return ActorMailbox::Job{"caller", "node", ++next_call_, m, {}};
  }

  // Runs one call on the pool, as the worker does when it cannot run it inline.
  Completion on_pool(const char* method) {
    EXPECT_TRUE(box_->post(job(method)));
    eventfd_t ignored;
    ::eventfd_read(wake_, &ignored);
    std::vector<Completion> done = done_.take();
    EXPECT_EQ(done.size(), 1u);
    return done.empty() ? Completion{} : std::move(done.front());
  }

  bool inline_call(const char* method, Completion& c) {
    ActorMailbox::Job j = job(method);
    return box_->try_run_inline(j, c);
  }

  static long value(const Completion& c) { return serde::decode<long>(c.value); }

  int wake_;
  CompletionQueue done_;
  std::shared_ptr<ActorMailbox> box_;
  static inline std::uint64_t next_call_ = 0;
};

TEST_F(ActorMailboxTest, AMethodRunsInlineOnceItsCallsProvedShort) {
  Completion c;
  EXPECT_FALSE(inline_call("Probe::bump", c)) << "never measured: it goes to the pool first";
  EXPECT_EQ(value(on_pool("Probe::bump")), 1);
  ASSERT_TRUE(inline_call("Probe::bump", c));
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(value(c), 2);
  EXPECT_EQ(c.actor, 7u);
  EXPECT_EQ(c.reply_to, "caller");
}

TEST_F(ActorMailboxTest, AMethodThatWaitedNeverRunsInline) {
  on_pool("Probe::nap");
  Completion c;
  EXPECT_FALSE(inline_call("Probe::nap", c));
  on_pool("Probe::bump");
  EXPECT_TRUE(inline_call("Probe::bump", c)) << "one slow method keeps only itself off";
}

TEST_F(ActorMailboxTest, AMethodThatComputedLongNeverRunsInline) {
  on_pool("Probe::burn");
  Completion c;
  EXPECT_FALSE(inline_call("Probe::burn", c));
}

// Another thread taking the CPU mid-call makes the call slow by the clock, not the method:
// it stays inline. The call runs on a thread of the lowest priority that shares one CPU
// with a spinning rival, so each yield hands the CPU over for a while.
TEST_F(ActorMailboxTest, APreemptedShortMethodStaysInline) {
  g_yields = 0;
  on_pool("Probe::share");
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu(), &one);
  std::atomic<bool> stop{false}, ready{false};
  std::thread rival([&] {
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    ready = true;
    while (!stop.load(std::memory_order_relaxed)) {
    }
  });
  while (!ready) sched_yield();
  Completion c;
  bool ran_inline = false;
  std::thread caller([&] {
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
    g_yields = 5;
    ran_inline = inline_call("Probe::share", c);
    g_yields = 0;
  });
  caller.join();
  stop = true;
  rival.join();
  ASSERT_TRUE(ran_inline);
  ASSERT_GT(c.run.duration, 2 * ActorMailbox::kBriefCpuSeconds) << "the rival never ran: no test";
  EXPECT_TRUE(inline_call("Probe::share", c));
  EXPECT_EQ(value(c), 3);
}

}  // namespace
}  // namespace weft::worker
