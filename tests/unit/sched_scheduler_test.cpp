// The scheduler state machine driven event by event, asserting the exact actions: placement,
// queuing, resources, cancellation, release, retries and duration estimates.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sched/scheduler.hpp"
#include "sched_harness.hpp"

namespace {

using namespace weft::sched;
using weft::sched::testing::Actions;
using weft::sched::testing::Harness;

ClientSubmit Sub(TaskId id, std::vector<TaskId> deps = {}, bool wanted = true) {
  return ClientSubmit{.task = id, .deps = std::move(deps), .prefix = "f", .wanted = wanted};
}

WorkerJoined Join(WorkerId w, std::uint32_t nthreads = 1) { return WorkerJoined{w, nthreads}; }

TEST(SchedulerTest, RootTasksFillFreeSlotsThenWaitInTheQueue) {
  Harness h;
  EXPECT_EQ(h(Join(1)), (Actions{}));
  EXPECT_EQ(h(Join(2)), (Actions{}));
  EXPECT_EQ(h(Sub(10)), (Actions{RunTask{10, 1, {}}}));
  EXPECT_EQ(h(Sub(11)), (Actions{RunTask{11, 2, {}}}));
  EXPECT_EQ(h(Sub(12)), (Actions{}));  // both workers have their one slot taken
  EXPECT_EQ(h.s.state(12), TaskState::kQueued);
  EXPECT_EQ(h.s.stats().queued, 1u);
  EXPECT_EQ(h(TaskFinished{10, 1, 8, 0.1}), (Actions{TaskDone{10, 1, 8}, RunTask{12, 1, {}}}));
  EXPECT_EQ(h.s.state(10), TaskState::kMemory);
  EXPECT_EQ(h.s.worker(1)->bytes_held, 8u);
  EXPECT_EQ(h.s.worker(1)->objects, 1u);
}

TEST(SchedulerTest, PlacementPrefersTheWorkerHoldingTheBigDependency) {
  Harness h;
  h(Join(1));
  h(Join(2));
  h(Join(3));
  EXPECT_EQ(h(Sub(1, {}, false)), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(Sub(2, {}, false)), (Actions{RunTask{2, 2, {}}}));
  EXPECT_EQ(h(Sub(3, {1, 2})), (Actions{}));
  EXPECT_EQ(h(TaskFinished{1, 1, 1'000'000, 0.1}), (Actions{}));
  // 1 GB on worker 2 against 1 MB on worker 1: run where the gigabyte is.
  EXPECT_EQ(h(TaskFinished{2, 2, 1'000'000'000, 0.1}),
            (Actions{RunTask{3, 2, {{1, 1'000'000, {1}}, {2, 1'000'000'000, {2}}}}}));
}

// Worker 1 holds the dependency but is busy for 1 s more; worker 2 is idle. Moving 1 GB at
// 100 MB/s costs 10 s: wait for worker 1 (on its locality slot). Moving 1 KB costs nothing:
// go to worker 2.
TEST(SchedulerTest, TransferCostIsWeighedAgainstLoad) {
  for (std::uint64_t nbytes : {std::uint64_t{1'000'000'000}, std::uint64_t{1'000}}) {
    Harness h;
    h(Join(1));
    h(Join(2));
    EXPECT_EQ(h(Sub(1)), (Actions{RunTask{1, 1, {}}}));
    ClientSubmit busy = Sub(2);
    busy.prefix = "long";
    busy.duration_hint = 1.0;
    EXPECT_EQ(h(busy), (Actions{RunTask{2, 2, {}}}));
    EXPECT_EQ(h(TaskFinished{1, 1, nbytes, 0.1}), (Actions{TaskDone{1, 1, nbytes}}));
    ClientSubmit busy2 = busy;
    busy2.task = 3;
    EXPECT_EQ(h(busy2), (Actions{RunTask{3, 1, {}}}));  // worker 1 is now busy for ~1 s
    EXPECT_EQ(h(TaskFinished{2, 2, 0, 1.0}), (Actions{TaskDone{2, 2, 0}}));
    const WorkerId expected = nbytes > 1'000'000 ? 1 : 2;
    EXPECT_EQ(h(Sub(4, {1})), (Actions{RunTask{4, expected, {{1, nbytes, {1}}}}})) << nbytes;
  }
}

TEST(SchedulerTest, TaskNeedingAGpuGoesOnlyToTheGpuWorker) {
  Harness h;
  h(Join(1, 2));
  h(WorkerJoined{2, 1, Resources{.cpus = 0, .custom = {{"gpu", 1}}}});
  ClientSubmit gpu = Sub(10);
  gpu.resources.custom = {{"gpu", 1}};
  EXPECT_EQ(h(gpu), (Actions{RunTask{10, 2, {}}}));
  gpu.task = 11;
  EXPECT_EQ(h(gpu), (Actions{}));  // the one gpu is taken: wait
  EXPECT_EQ(h.s.state(11), TaskState::kQueued);
  EXPECT_EQ(h(Sub(12)), (Actions{RunTask{12, 1, {}}}));  // cpu work goes on elsewhere
  EXPECT_EQ(h(TaskFinished{10, 2, 0, 0.1}), (Actions{TaskDone{10, 2, 0}, RunTask{11, 2, {}}}));
}

TEST(SchedulerTest, RequestNoWorkerFitsWaitsUntilOneJoins) {
  Harness h;
  h(Join(1, 4));
  ClientSubmit big = Sub(1);
  big.resources = Resources{.cpus = 2, .memory = 1 << 30, .custom = {{"gpu", 2}}};
  EXPECT_EQ(h(big), (Actions{}));
  EXPECT_EQ(h.s.state(1), TaskState::kQueued);
  EXPECT_EQ(h(WorkerJoined{2, 2, Resources{.cpus = 0, .custom = {{"gpu", 1}}}}), (Actions{}));
  EXPECT_EQ(h(WorkerJoined{3, 2, Resources{.cpus = 0, .custom = {{"gpu", 2}}}, 1 << 29}),
            Actions{});  // memory limit too small
  EXPECT_EQ(h(WorkerJoined{4, 2, Resources{.cpus = 0, .custom = {{"gpu", 2}}}, 1 << 30}),
            (Actions{RunTask{1, 4, {}}}));
  EXPECT_DOUBLE_EQ(h.s.worker(4)->cpus_used, 2.0);
}

TEST(SchedulerTest, CancelQueuedTaskAndItsDependents) {
  Harness h;
  h(Join(1));
  EXPECT_EQ(h(Sub(1)), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(Sub(2)), (Actions{}));
  EXPECT_EQ(h(Sub(3, {2})), (Actions{}));
  EXPECT_EQ(h(ClientCancel{2}), (Actions{TaskCancelled{2}, TaskCancelled{3}}));
  EXPECT_EQ(h.s.state(2), TaskState::kForgotten);
  EXPECT_EQ(h.s.state(3), TaskState::kForgotten);
  EXPECT_EQ(h.s.stats().queued, 0u);
  // Worker 1 frees up: nothing cancelled runs.
  EXPECT_EQ(h(TaskFinished{1, 1, 0, 0.1}), (Actions{TaskDone{1, 1, 0}}));
  // A running task is stopped on its worker; its late result is discarded.
  EXPECT_EQ(h(Sub(4)), (Actions{RunTask{4, 1, {}}}));
  EXPECT_EQ(h(ClientCancel{4}), (Actions{TaskCancelled{4}, CancelOnWorker{4, 1}}));
  EXPECT_EQ(h(TaskFinished{4, 1, 0, 0.1}), (Actions{FreeObject{4, 1}}));
  EXPECT_EQ(h.s.stats().ignored_events, 1u);
}

TEST(SchedulerTest, ReleaseFreesTheObjectOnEveryHolder) {
  Harness h;
  h(Join(1));
  h(Join(2));
  h(Join(3));
  EXPECT_EQ(h(Sub(1)), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(TaskFinished{1, 1, 100, 0.1}), (Actions{TaskDone{1, 1, 100}}));
  EXPECT_EQ(h(ObjectReplicated{1, 3}), (Actions{}));
  EXPECT_EQ(h(ObjectReplicated{1, 2}), (Actions{}));
  EXPECT_EQ(h.s.holders(1), (std::vector<WorkerId>{1, 3, 2}));
  EXPECT_EQ(h.s.worker(3)->bytes_held, 100u);
  EXPECT_EQ(h(ClientRelease{1}), (Actions{FreeObject{1, 1}, FreeObject{1, 3}, FreeObject{1, 2}}));
  EXPECT_EQ(h.s.state(1), TaskState::kForgotten);
  EXPECT_EQ(h.s.worker(3)->bytes_held, 0u);
  EXPECT_EQ(h.s.stats().tasks, 0u);
}

// Many objects on one worker, copied to another, freed in a scrambled order: the
// bookkeeping of copies (entries swept lazily on workers) stays exact at every step.
TEST(SchedulerTest, ManyObjectsFreedInAnyOrderKeepTheBookkeepingExact) {
  Harness h;
  h(Join(1, 4));
  h(Join(2, 4));
  constexpr TaskId kObjects = 200;
  for (TaskId t = 0; t < kObjects; ++t) {
    h(Sub(t));
    h(TaskFinished{t, *h.s.assigned_to(t), 10 + t, 0.001});
    if (t % 3 == 0) h(ObjectReplicated{t, *h.s.assigned_to(t) == 1 ? 2u : 1u});
  }
  std::uint64_t expected = 0;
  for (TaskId t = 0; t < kObjects; ++t) expected += 10 + t;
  EXPECT_EQ(h.s.stats().bytes, expected);
  for (TaskId i = 0; i < kObjects; ++i) {
    const TaskId t = (i * 7919) % kObjects;  // a permutation
    const std::size_t copies = h.s.holders(t).size();
    EXPECT_EQ(h(ClientRelease{t}).size(), copies);
  }
  EXPECT_EQ(h.s.worker(1)->objects, 0u);
  EXPECT_EQ(h.s.worker(2)->bytes_held, 0u);
  EXPECT_EQ(h.s.stats().tasks, 0u);
}

// A released dependency lives until its last dependent has run; the client's release of
// the dependent then lets both records go.
TEST(SchedulerTest, ReleasedDependencyIsFreedAfterItsDependentsRan) {
  Harness h;
  h(Join(1));
  EXPECT_EQ(h(Sub(1)), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(Sub(2, {1})), (Actions{}));
  EXPECT_EQ(h(ClientRelease{1}), (Actions{}));  // task 2 still needs it
  EXPECT_EQ(h(TaskFinished{1, 1, 10, 0.1}), (Actions{RunTask{2, 1, {{1, 10, {1}}}}}));
  EXPECT_EQ(h(TaskFinished{2, 1, 20, 0.1}), (Actions{TaskDone{2, 1, 20}, FreeObject{1, 1}}));
  EXPECT_EQ(h.s.state(1), TaskState::kReleased);  // kept as task 2's lineage
  EXPECT_EQ(h(ClientRelease{2}), (Actions{FreeObject{2, 1}}));
  EXPECT_EQ(h.s.state(1), TaskState::kForgotten);
  EXPECT_EQ(h.s.stats().tasks, 0u);
}

// Releasing a result nobody else needs stops the work still leading to it.
TEST(SchedulerTest, ReleaseStopsWorkNoLongerNeeded) {
  Harness h;
  h(Join(1));
  EXPECT_EQ(h(Sub(1, {}, false)), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(Sub(2, {1}, false)), (Actions{}));
  EXPECT_EQ(h(Sub(3, {2})), (Actions{}));
  EXPECT_EQ(h(ClientRelease{3}), (Actions{CancelOnWorker{1, 1}}));
  EXPECT_EQ(h.s.stats().tasks, 0u);
}

// A job given up on while running: its last task cancelled, then every result released
// (in the client's order: leaves first). Nothing may stay behind, on the scheduler or on a
// worker.
TEST(SchedulerTest, CancellingAndReleasingARunningJobLeavesNothing) {
  Harness h;
  h(Join(1));
  h(Sub(1));
  h(Sub(2));
  h(Sub(3, {1, 2}));
  h(Sub(4, {3}));
  h(TaskFinished{1, 1, 10, 0.1});
  h(TaskFinished{2, 1, 10, 0.1});
  h(TaskFinished{3, 1, 10, 0.1});  // 4 is running now
  h(ClientCancel{4});
  for (TaskId t : {1, 2, 3, 4}) h(ClientRelease{t});
  EXPECT_EQ(h.s.stats().tasks, 0u);
  EXPECT_EQ(h.s.stats().objects, 0u);
  EXPECT_EQ(h.s.worker(1)->objects, 0u);
}

// The same with the job's start still running or queued when it is cancelled.
TEST(SchedulerTest, CancellingAJobBeforeItsInputsRanLeavesNothing) {
  Harness h;
  h(Join(1));
  h(Sub(1));
  h(Sub(2));
  h(Sub(3, {1, 2}));
  h(Sub(4, {3}));
  h(ClientCancel{4});
  for (TaskId t : {1, 2, 3, 4}) h(ClientRelease{t});
  h(TaskFinished{1, 1, 10, 0.1});  // was running: its result comes anyway
  EXPECT_EQ(h.s.stats().tasks, 0u);
  EXPECT_EQ(h.s.stats().objects, 0u);
  EXPECT_EQ(h.s.worker(1)->objects, 0u);
}

TEST(SchedulerTest, FailedTaskIsRetriedThenErredWithItsDependents) {
  Harness h;
  h(Join(1));
  ClientSubmit a = Sub(1);
  a.retries = 2;
  EXPECT_EQ(h(a), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(Sub(2, {1})), (Actions{}));
  EXPECT_EQ(h(Sub(3, {2})), (Actions{}));
  EXPECT_EQ(h(TaskFailed{1, 1, "boom"}), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(TaskFailed{1, 1, "boom"}), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(TaskFailed{1, 1, "boom"}),
            (Actions{TaskErred{1, 1, "boom"}, TaskErred{2, 1, "boom"}, TaskErred{3, 1, "boom"}}));
  EXPECT_EQ(h.s.state(3), TaskState::kErred);
  EXPECT_EQ(h.s.stats().retries, 2u);
  // A task submitted on top of an erred one errs at once, with the same origin.
  EXPECT_EQ(h(Sub(4, {3})), (Actions{TaskErred{4, 1, "boom"}}));
  EXPECT_EQ(h(Sub(5, {99})), (Actions{TaskErred{5, 99, "unknown dependency 99"}}));
  for (TaskId t : {1, 2, 3, 4}) h(ClientRelease{t});
  EXPECT_EQ(h.s.stats().tasks, 0u);
}

TEST(SchedulerTest, DurationEstimatesAreARunningAveragePerPrefix) {
  Harness h;
  h(Join(1, 4));
  EXPECT_DOUBLE_EQ(h.s.estimated_duration("inc"), Config{}.default_duration);
  ClientSubmit e = Sub(1);
  e.prefix = "inc";
  e.duration_hint = 3.0;
  h(e);
  EXPECT_DOUBLE_EQ(h.s.estimated_duration("inc"), 3.0);
  EXPECT_DOUBLE_EQ(h.s.worker(1)->occupancy, 3.0);
  e.task = 2;
  h(e);
  h(TaskFinished{1, 1, 0, 2.0});
  EXPECT_DOUBLE_EQ(h.s.estimated_duration("inc"), 2.0);
  h(TaskFinished{2, 1, 0, 4.0});
  EXPECT_DOUBLE_EQ(h.s.estimated_duration("inc"), 3.0);  // alpha 0.5
  EXPECT_DOUBLE_EQ(h.s.worker(1)->occupancy, 0.0);
}

TEST(SchedulerTest, HigherPriorityLeavesTheQueueFirst) {
  Harness h;
  h(Join(1));
  h(Sub(1));
  h(Sub(2));
  ClientSubmit urgent = Sub(3);
  urgent.priority = 5;
  h(urgent);
  h(Sub(4));
  EXPECT_EQ(h(TaskFinished{1, 1, 0, 0.1}), (Actions{TaskDone{1, 1, 0}, RunTask{3, 1, {}}}));
  EXPECT_EQ(h(TaskFinished{3, 1, 0, 0.1}), (Actions{TaskDone{3, 1, 0}, RunTask{2, 1, {}}}));
}

TEST(SchedulerTest, StaleAndInvalidEventsChangeNothing) {
  Harness h;
  h(Join(1));
  h(Sub(1));
  EXPECT_EQ(h(Sub(1)), (Actions{}));                      // duplicate id
  EXPECT_EQ(h(TaskFinished{1, 7, 0, 0.1}), (Actions{}));  // unknown worker
  EXPECT_EQ(h(TaskFailed{2, 1, "x"}), (Actions{}));
  EXPECT_EQ(h(ClientRelease{42}), (Actions{}));
  EXPECT_EQ(h(StealConfirmed{1, 1}), (Actions{}));
  EXPECT_EQ(h(WorkerJoined{1, 4}), (Actions{}));
  EXPECT_EQ(h(ObjectReplicated{9, 1}), (Actions{FreeObject{9, 1}}));
  EXPECT_EQ(h.s.stats().ignored_events, 7u);
  EXPECT_EQ(h.s.assigned_to(1), WorkerId{1});
}

// Small worker ids are looked up in a table, large ones in a hash map: both work, and a
// departed worker is unknown after in either.
TEST(SchedulerTest, SmallAndLargeWorkerIdsAreFoundAndForgotten) {
  const WorkerId big = 3'000'000'000u;
  Harness h;
  h(Join(5));
  h(Join(big));
  EXPECT_EQ(h(Sub(1)), (Actions{RunTask{1, 5, {}}}));
  EXPECT_EQ(h(Sub(2)), (Actions{RunTask{2, big, {}}}));
  EXPECT_EQ(h(TaskFinished{2, big, 8, 0.1}), (Actions{TaskDone{2, big, 8}}));
  EXPECT_EQ(h(ObjectReplicated{1, big}), (Actions{FreeObject{1, big}}));  // not in memory yet
  h(WorkerLeft{big});
  h(WorkerLeft{5});
  EXPECT_FALSE(h.s.worker(big).has_value());
  EXPECT_FALSE(h.s.worker(5).has_value());
  EXPECT_EQ(h(TaskFinished{1, 5, 8, 0.1}), (Actions{}));  // from a worker that left
  h(Join(big, 2));
  EXPECT_EQ(h.s.worker(big)->nthreads, 2u);
}

}  // namespace

namespace {

TEST(SchedulerTest, PutObjectsAreInMemoryWithoutATaskDone) {
  Harness h;
  h(Join(1));
  h(Join(2));
  EXPECT_EQ(h(ClientPut{7, 2, 4096}), (Actions{}));
  EXPECT_EQ(h.s.state(7), TaskState::kMemory);
  EXPECT_EQ(h.s.holders(7), (std::vector<WorkerId>{2}));
  // A task reading it runs where it is.
  EXPECT_EQ(h(Sub(8, {7})), (Actions{RunTask{8, 2, {{7, 4096, {2}}}}}));
  // Unknown workers and ids already in use are ignored.
  EXPECT_EQ(h(ClientPut{9, 5, 1}), (Actions{}));
  EXPECT_EQ(h(ClientPut{7, 1, 1}), (Actions{}));
  EXPECT_EQ(h.s.state(9), TaskState::kForgotten);
  EXPECT_EQ(h.s.stats().ignored_events, 2u);
}

TEST(SchedulerTest, ForgottenTasksAreReportedWhenAsked) {
  Harness h(Config{.report_forgotten = true});
  h(Join(1));
  h(Sub(1));
  EXPECT_EQ(h(TaskFinished{1, 1, 8, 0.1}), (Actions{TaskDone{1, 1, 8}}));
  EXPECT_EQ(h(ClientRelease{1}), (Actions{FreeObject{1, 1}, TaskForgotten{1}}));
}

TEST(SchedulerTest, ShortTasksArePipelinedLongOnesAreNot) {
  Harness h(Config{.pipeline_seconds = 0.01, .pipeline_depth = 3});
  h(Join(1));
  h(Sub(1));
  h(Sub(2));  // the duration of "f" is unknown: one task per slot
  EXPECT_EQ(h.s.state(2), TaskState::kQueued);
  // "f" takes 1 ms: up to 3 tasks queue on the one-thread worker.
  EXPECT_EQ(h(TaskFinished{1, 1, 8, 0.001}), (Actions{TaskDone{1, 1, 8}, RunTask{2, 1, {}}}));
  EXPECT_EQ(h(Sub(3)), (Actions{RunTask{3, 1, {}}}));
  EXPECT_EQ(h(Sub(4)), (Actions{RunTask{4, 1, {}}}));
  EXPECT_EQ(h(Sub(5)), (Actions{}));  // pipeline_depth reached
  EXPECT_EQ(h.s.state(5), TaskState::kQueued);
}

}  // namespace
