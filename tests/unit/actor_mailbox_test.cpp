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

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

class ActorMailboxTest : public ::testing::Test {
 protected:
  ActorMailboxTest() : wake_(::eventfd(0, EFD_CLOEXEC)), done_(wake_) {}
  ~ActorMailboxTest() override { ::close(wake_); }

  // Runs `scenario` on a fresh actor until it passes, at most 3 times. Rarely the kernel
  // makes a thread wait inside a call that never blocks (on a lock of the process's
  // memory map, held by another thread), which keeps that method off the I/O thread, as
  // any wait must; a real fault fails every time.
  template <class Scenario>
  void passes(Scenario scenario) {
    AssertionResult result = AssertionFailure();
    for (int attempt = 0; attempt < 3 && !result; ++attempt) {
      box_ = std::make_shared<ActorMailbox>(
          7, ActorInstance(new Probe, [](void* p) { delete static_cast<Probe*>(p); }),
          "test-worker", done_);
      result = scenario();
    }
    EXPECT_TRUE(result);
  }

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

TEST_F(ActorMailboxTest, AMethodRunsInlineOnceItsCallsProvedBrief) {
  passes([&]() -> AssertionResult {
    Completion c;
    if (inline_call("Probe::bump", c)) return AssertionFailure() << "inline before measured";
    if (value(on_pool("Probe::bump")) != 1) return AssertionFailure() << "pool call";
    if (!inline_call("Probe::bump", c)) return AssertionFailure() << "not inline after";
    if (!c.ok || value(c) != 2 || c.actor != 7u || c.reply_to != "caller") {
      return AssertionFailure() << "inline call's completion";
    }
    return AssertionSuccess();
  });
}

TEST_F(ActorMailboxTest, AMethodThatWaitedNeverRunsInline) {
  passes([&]() -> AssertionResult {
    on_pool("Probe::nap");
    Completion c;
    if (inline_call("Probe::nap", c)) return AssertionFailure() << "nap ran inline";
    on_pool("Probe::bump");
    if (!inline_call("Probe::bump", c)) {
      return AssertionFailure() << "one slow method keeps only itself off";
    }
    return AssertionSuccess();
  });
}

TEST_F(ActorMailboxTest, AMethodThatComputedLongNeverRunsInline) {
  passes([&]() -> AssertionResult {
    on_pool("Probe::burn");
    Completion c;
    if (inline_call("Probe::burn", c)) return AssertionFailure() << "burn ran inline";
    return AssertionSuccess();
  });
}

// Another thread taking the CPU mid-call makes the call slow by the clock, not the method:
// it stays inline. The call runs on a thread of the lowest priority that shares one CPU
// with a spinning rival, so each yield hands the CPU over for a while.
TEST_F(ActorMailboxTest, APreemptedShortMethodStaysInline) {
  passes([&]() -> AssertionResult {
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
    if (!ran_inline) return AssertionFailure() << "the first inline call did not run inline";
    if (c.run.duration < 2 * ActorMailbox::kBriefCpuSeconds) {
      return AssertionFailure() << "the rival never ran (" << c.run.duration << " s): no test";
    }
    if (!inline_call("Probe::share", c)) return AssertionFailure() << "preempted: off inline";
    if (value(c) != 3) return AssertionFailure() << "third call's value " << value(c);
    return AssertionSuccess();
  });
}

}  // namespace
}  // namespace weft::worker
