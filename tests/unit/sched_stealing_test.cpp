// Work stealing: a task assigned but not started moves from a loaded worker to an idle one
// when that is faster counting the transfer; the victim has the last word.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sched/scheduler.hpp"
#include "sched/sim.hpp"
#include "sched_harness.hpp"

namespace {

using namespace weft::sched;
using weft::sched::testing::Actions;
using weft::sched::testing::Harness;
ClientSubmit Sub(TaskId id, std::vector<TaskId> deps, double hint) {
  return ClientSubmit{.task = id, .deps = std::move(deps), .prefix = "g", .duration_hint = hint};
}

// Worker 1 (one thread) holds object 1 of `nbytes` and has been given tasks 2 and 3, which
// both need it: 3 only through the locality slot, behind 2. Then worker 2 joins, idle.
void Overload(Harness& h, std::uint64_t nbytes) {
  h(WorkerJoined{1, 1});
  EXPECT_EQ(h(Sub(1, {}, 1.0)), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(TaskFinished{1, 1, nbytes, 1.0}), (Actions{TaskDone{1, 1, nbytes}}));
  EXPECT_EQ(h(Sub(2, {1}, 1.0)), (Actions{RunTask{2, 1, {{1, nbytes, {1}}}}}));
  EXPECT_EQ(h(Sub(3, {1}, 1.0)), (Actions{RunTask{3, 1, {{1, nbytes, {1}}}}}));
  EXPECT_EQ(h.s.worker(1)->processing, 2u);
}

TEST(StealingTest, IdleWorkerStealsATaskNotStarted) {
  Harness h;
  Overload(h, 1000);
  EXPECT_EQ(h(WorkerJoined{2, 1}), (Actions{StealRequest{3, 1, 2}}));
  EXPECT_DOUBLE_EQ(h.s.worker(2)->cpus_used, 1.0);  // reserved while the request is out
  EXPECT_EQ(h(StealConfirmed{3, 1}), (Actions{RunTask{3, 2, {{1, 1000, {1}}}}}));
  EXPECT_EQ(h.s.assigned_to(3), WorkerId{2});
  EXPECT_EQ(h.s.worker(1)->processing, 1u);
  EXPECT_EQ(h.s.stats().steals_confirmed, 1u);
}

TEST(StealingTest, RejectedStealLeavesTheTaskInPlace) {
  Harness h;
  Overload(h, 1000);
  EXPECT_EQ(h(WorkerJoined{2, 1}), (Actions{StealRequest{3, 1, 2}}));
  EXPECT_EQ(h(StealRejected{3, 1}), (Actions{}));
  EXPECT_EQ(h.s.assigned_to(3), WorkerId{1});
  EXPECT_DOUBLE_EQ(h.s.worker(2)->cpus_used, 0.0);
  // Not asked again: the victim has started it (and so task 2 before it).
  EXPECT_EQ(h(Tick{1.0}), (Actions{}));
  EXPECT_EQ(h(StealConfirmed{3, 1}), (Actions{}));  // stale
  EXPECT_EQ(h(TaskFinished{3, 1, 0, 1.0}), (Actions{TaskDone{3, 1, 0}}));
}

TEST(StealingTest, NoStealWhenMovingTheDataCostsMoreThanWaiting) {
  Harness h;
  Overload(h, 1'000'000'000);  // 10 s to move, 1 s to wait
  EXPECT_EQ(h(WorkerJoined{2, 1}), (Actions{}));
  EXPECT_EQ(h(Tick{1.0}), (Actions{}));
}

// The victim finished the task before the request reached it: the reservation goes back.
TEST(StealingTest, TaskFinishedWhileTheRequestIsOut) {
  Harness h;
  Overload(h, 1000);
  EXPECT_EQ(h(WorkerJoined{2, 1}), (Actions{StealRequest{3, 1, 2}}));
  EXPECT_EQ(h(TaskFinished{3, 1, 5, 1.0}), (Actions{TaskDone{3, 1, 5}}));
  EXPECT_DOUBLE_EQ(h.s.worker(2)->cpus_used, 0.0);
  EXPECT_EQ(h(StealRejected{3, 1}), (Actions{}));
  EXPECT_EQ(h.s.stats().ignored_events, 1u);
}

// The thief dies before the victim confirms: the task is placed anew.
TEST(StealingTest, ThiefLeavesBeforeTheAnswer) {
  Harness h;
  Overload(h, 1000);
  EXPECT_EQ(h(WorkerJoined{2, 1}), (Actions{StealRequest{3, 1, 2}}));
  EXPECT_EQ(h(WorkerLeft{2}), (Actions{}));
  EXPECT_EQ(h(StealConfirmed{3, 1}), (Actions{RunTask{3, 1, {{1, 1000, {1}}}}}));
}

// With saturation 2, ten tasks land on the first two workers; when more workers join they
// steal, and the run ends sooner than without stealing.
TEST(StealingTest, LateWorkersShareTheLoadInSimulation) {
  double makespan[2];
  for (bool stealing : {false, true}) {
    Scheduler s(Config{.saturation = 3.0, .stealing = stealing});
    Simulator sim(
        s,
        [](TaskId) {
          return SimTask{1.0, 10};
        },
        SimConfig{.check = true});
    sim.add_worker(1, 2);
    sim.add_worker(2, 2);
    for (TaskId t = 0; t < 12; ++t) sim.submit(ClientSubmit{.task = t, .prefix = "one"});
    EXPECT_EQ(s.stats().queued, 0u);
    for (WorkerId w = 3; w < 7; ++w) sim.add_worker(w, 2);
    sim.run();
    EXPECT_EQ(sim.violations(), std::vector<std::string>{});
    EXPECT_EQ(sim.done().size(), 12u);
    EXPECT_EQ(s.stats().steals_confirmed > 0, stealing);
    makespan[stealing] = sim.now();
  }
  EXPECT_DOUBLE_EQ(makespan[0], 3.0);
  EXPECT_DOUBLE_EQ(makespan[1], 1.0);
}

}  // namespace
