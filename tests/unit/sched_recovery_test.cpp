// Recovery: workers dying with tasks and objects, lineage recomputation, lost copies, and
// tasks that keep killing their workers.
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
ClientSubmit Sub(TaskId id, std::vector<TaskId> deps = {}, bool wanted = true) {
  return ClientSubmit{.task = id, .deps = std::move(deps), .prefix = "f", .wanted = wanted};
}

// Chain 1 -> 2 -> 3; only 3 is wanted. Worker 1 dies holding 1 while running 2: 2 goes back,
// 1 is recomputed on worker 2, and the chain completes there. Then worker 2 dies holding
// the result 3, with no worker left: 3 is rebuilt from its lineage (1, 2, 3 again) on the
// worker that joins next.
TEST(RecoveryTest, WorkerLossReplacesTasksAndRecomputesLostObjects) {
  Harness h;
  h(WorkerJoined{1, 1});
  h(WorkerJoined{2, 1});
  EXPECT_EQ(h(Sub(1, {}, false)), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(Sub(2, {1}, false)), (Actions{}));
  EXPECT_EQ(h(Sub(3, {2})), (Actions{}));
  EXPECT_EQ(h(TaskFinished{1, 1, 10, 0.1}), (Actions{RunTask{2, 1, {{1, 10, {1}}}}}));

  EXPECT_EQ(h(WorkerLeft{1}), (Actions{RunTask{1, 2, {}}}));
  EXPECT_EQ(h.s.state(2), TaskState::kWaiting);
  EXPECT_EQ(h(TaskFinished{1, 2, 10, 0.1}), (Actions{RunTask{2, 2, {{1, 10, {2}}}}}));
  EXPECT_EQ(h(TaskFinished{2, 2, 20, 0.1}),
            (Actions{FreeObject{1, 2}, RunTask{3, 2, {{2, 20, {2}}}}}));
  EXPECT_EQ(h(TaskFinished{3, 2, 30, 0.1}), (Actions{TaskDone{3, 2, 30}, FreeObject{2, 2}}));
  EXPECT_EQ(h.s.state(1), TaskState::kReleased);

  EXPECT_EQ(h(WorkerLeft{2}), (Actions{}));
  EXPECT_EQ(h.s.state(1), TaskState::kQueued);
  EXPECT_EQ(h.s.state(3), TaskState::kWaiting);
  EXPECT_EQ(h(WorkerJoined{3, 1}), (Actions{RunTask{1, 3, {}}}));
  EXPECT_EQ(h(TaskFinished{1, 3, 10, 0.1}), (Actions{RunTask{2, 3, {{1, 10, {3}}}}}));
  EXPECT_EQ(h(TaskFinished{2, 3, 20, 0.1}),
            (Actions{FreeObject{1, 3}, RunTask{3, 3, {{2, 20, {3}}}}}));
  EXPECT_EQ(h(TaskFinished{3, 3, 30, 0.1}), (Actions{TaskDone{3, 3, 30}, FreeObject{2, 3}}));
  EXPECT_EQ(h.s.stats().recomputations, 4u);  // 1 once, then 1, 2 and 3
  EXPECT_EQ(h(ClientRelease{3}), (Actions{FreeObject{3, 3}}));
  EXPECT_EQ(h.s.stats().tasks, 0u);
}

// A task running on another worker loses the dependency it was about to fetch: it is
// cancelled there and waits for the recomputation, which goes first (depth first).
TEST(RecoveryTest, DependentOnAnotherWorkerWaitsForTheRecomputedObject) {
  Harness h(Config{.locality_slack = 0});
  h(WorkerJoined{1, 1});
  h(WorkerJoined{2, 1});
  EXPECT_EQ(h(Sub(1)), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(TaskFinished{1, 1, 10, 0.1}), (Actions{TaskDone{1, 1, 10}}));
  EXPECT_EQ(h(Sub(5)), (Actions{RunTask{5, 1, {}}}));
  EXPECT_EQ(h(Sub(2, {1})), (Actions{RunTask{2, 2, {{1, 10, {1}}}}}));
  EXPECT_EQ(h(WorkerLeft{1}), (Actions{CancelOnWorker{2, 2}, RunTask{1, 2, {}}}));
  EXPECT_EQ(h.s.state(5), TaskState::kQueued);
  EXPECT_EQ(h(TaskFinished{1, 2, 10, 0.1}),
            (Actions{TaskDone{1, 2, 10}, RunTask{2, 2, {{1, 10, {2}}}}}));
  EXPECT_EQ(h(TaskFinished{2, 2, 0, 0.1}), (Actions{TaskDone{2, 2, 0}, RunTask{5, 2, {}}}));
}

// A copy held elsewhere survives the worker: nothing is recomputed.
TEST(RecoveryTest, ReplicaSurvivesTheWorker) {
  Harness h;
  h(WorkerJoined{1, 1});
  h(WorkerJoined{2, 1});
  EXPECT_EQ(h(Sub(1)), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(TaskFinished{1, 1, 10, 0.1}), (Actions{TaskDone{1, 1, 10}}));
  EXPECT_EQ(h(ObjectReplicated{1, 2}), (Actions{}));
  EXPECT_EQ(h(WorkerLeft{1}), (Actions{}));
  EXPECT_EQ(h.s.holders(1), (std::vector<WorkerId>{2}));
  EXPECT_EQ(h(ObjectDropped{1, 2}), (Actions{RunTask{1, 2, {}}}));  // wanted: recomputed
  EXPECT_EQ(h.s.stats().recomputations, 1u);
}

TEST(RecoveryTest, TaskThatKeepsKillingWorkersIsErred) {
  Harness h(Config{.allowed_losses = 2});
  h(WorkerJoined{1, 1});
  EXPECT_EQ(h(Sub(1)), (Actions{RunTask{1, 1, {}}}));
  EXPECT_EQ(h(Sub(2, {1})), (Actions{}));
  EXPECT_EQ(h(WorkerLeft{1}), (Actions{}));
  EXPECT_EQ(h(WorkerJoined{2, 1}), (Actions{RunTask{1, 2, {}}}));
  const std::string error =
      "worker died while running the task (2 times); it may be what kills them";
  EXPECT_EQ(h(WorkerLeft{2}),
            (Actions{TaskErred{1, 1, error, {1, 2}}, TaskErred{2, 1, error, {1, 2}}}));
  EXPECT_EQ(h.s.stats().workers_lost, 2u);
  EXPECT_EQ(h.s.stats().reassigned, 1u);
}

// Workers die and join while a graph of 2,000 tasks runs; every result still arrives, and
// the invariants hold after every event.
TEST(RecoveryTest, GraphCompletesDespiteWorkersDying) {
  Scheduler s;
  Simulator sim(
      s,
      [](TaskId t) {
        return SimTask{0.01 + 0.001 * static_cast<double>(t % 7), 1000 + t % 13};
      },
      SimConfig{.release_on_done = true, .check = true});
  for (WorkerId w = 0; w < 6; ++w) sim.add_worker(w, 2);
  constexpr TaskId kLayers = 20, kWidth = 100;
  for (TaskId layer = 0; layer < kLayers; ++layer) {
    for (TaskId i = 0; i < kWidth; ++i) {
      ClientSubmit e{.task = layer * kWidth + i, .prefix = "layer", .wanted = layer == kLayers - 1};
      if (layer > 0) e.deps = {(layer - 1) * kWidth + i, (layer - 1) * kWidth + (i + 1) % kWidth};
      sim.submit(e);
    }
  }
  WorkerId next = 6;
  for (int round = 0; round < 8; ++round) {
    sim.run_until(sim.now() + 0.05);
    sim.kill_worker(static_cast<WorkerId>(round % 6 == 0 ? next - 6 : round));
    sim.add_worker(next++, 2);
  }
  sim.run();
  EXPECT_EQ(sim.violations(), std::vector<std::string>{});
  EXPECT_EQ(sim.done().size(), kWidth);
  EXPECT_TRUE(sim.erred().empty());
  EXPECT_GT(s.stats().recomputations, 0u);
  EXPECT_EQ(s.stats().tasks, 0u);
  EXPECT_EQ(s.stats().objects, 0u);
}

}  // namespace
