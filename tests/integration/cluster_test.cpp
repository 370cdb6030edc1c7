// The processes runtime end to end: a real scheduler process and two worker processes
// started from this test binary, over ZeroMQ on loopback.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <weft/weft.hpp>

namespace {

double square(double x) { return x * x; }
WEFT_REMOTE(square);

double add(double a, double b) { return a + b; }
WEFT_REMOTE(add);

int pid_of_worker(int) { return static_cast<int>(getpid()); }
WEFT_REMOTE(pid_of_worker);

std::vector<double> make_array(std::int64_t n, double value) {
  return std::vector<double>(static_cast<std::size_t>(n), value);
}
WEFT_REMOTE(make_array);

double sum_array(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
WEFT_REMOTE(sum_array);

int fail_if_negative(int x) {
  if (x < 0) throw std::out_of_range("negative input " + std::to_string(x));
  return x;
}
WEFT_REMOTE(fail_if_negative);

int nap_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}
WEFT_REMOTE(nap_ms);

int pid_after_nap(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return static_cast<int>(getpid());
}
WEFT_REMOTE(pid_after_nap);

void do_nothing() {}
WEFT_REMOTE(do_nothing);

struct Point {
  double x = 0, y = 0;
  std::string label;
  WEFT_SERIALIZE(x, y, label);
};
Point mirror(const Point& p) { return Point{p.y, p.x, p.label + "'"}; }
WEFT_REMOTE(mirror);

// 64 MiB, filled with a pattern the reader checks.
weft::Buffer make_buffer(std::int64_t n) {
  std::vector<std::uint64_t> v(static_cast<std::size_t>(n) / 8);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = i * 2654435761u;
  return weft::Buffer::take(std::move(v));
}
WEFT_REMOTE(make_buffer);

bool check_buffer(const weft::Buffer& b) {
  const auto* v = reinterpret_cast<const std::uint64_t*>(b.data());
  for (std::size_t i = 0; i < b.size() / 8; ++i) {
    if (v[i] != i * 2654435761u) return false;
  }
  return true;
}
WEFT_REMOTE(check_buffer);

// Lines of /proc/self/maps that map weft shared-memory segments.
int shared_mappings() {
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  char line[512];
  int n = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strstr(line, "/dev/shm/weft-") != nullptr) ++n;
  }
  std::fclose(f);
  return n;
}

int unregistered(int x) { return x; }

struct NotSerializable {
  int fd = 0;
};
int takes_opaque(NotSerializable n) { return n.fd; }
WEFT_REMOTE(takes_opaque);

weft::Runtime* g_runtime = nullptr;

class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const auto start = std::chrono::steady_clock::now();
    runtime_ = std::make_unique<weft::Runtime>(weft::init("processes:2"));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::printf("local cluster of 2 workers ready in %.1f ms\n", took.count() * 1e3);
    g_runtime = runtime_.get();
  }
  void TearDown() override {
    runtime_.reset();
    g_runtime = nullptr;
  }

 private:
  std::unique_ptr<weft::Runtime> runtime_;
};

TEST(Cluster, RunsARegisteredFunctionInAnotherProcess) {
  EXPECT_EQ(g_runtime->describe(), "processes:2");
  EXPECT_EQ(weft::get(weft::remote(square, 3.0)), 9.0);
  const int worker_pid = weft::get(weft::remote(pid_of_worker, 0));
  EXPECT_NE(worker_pid, static_cast<int>(getpid()));
}

TEST(Cluster, RefArgumentsAreDependencies) {
  weft::Ref<double> a = weft::remote(square, 3.0);
  weft::Ref<double> b = weft::remote(square, 4.0);
  weft::Ref<double> c = weft::remote(add, a, b);
  EXPECT_EQ(weft::get(c), 25.0);
  EXPECT_EQ(weft::get(a), 9.0);
}

TEST(Cluster, ManyTasksAndATreeReduction) {
  std::vector<weft::Ref<double>> level;
  for (int i = 0; i < 1000; ++i) level.push_back(weft::remote(square, static_cast<double>(i)));
  while (level.size() > 1) {
    std::vector<weft::Ref<double>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(weft::remote(add, level[i], level[i + 1]));
    }
    if (level.size() % 2 == 1) next.push_back(level.back());
    level = std::move(next);
  }
  double expected = 0;
  for (int i = 0; i < 1000; ++i) expected += static_cast<double>(i) * i;
  EXPECT_EQ(weft::get(level[0]), expected);
}

TEST(Cluster, LargeArraysTravelAsFrames) {
  const std::int64_t n = 4 << 20;  // 32 MiB of doubles
  weft::Ref<std::vector<double>> big = weft::remote(make_array, n, 0.5);
  EXPECT_EQ(weft::get(weft::remote(sum_array, big)), 0.5 * static_cast<double>(n));
  const std::vector<double>& local = weft::get(big);
  ASSERT_EQ(local.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(local[12345], 0.5);
}

TEST(Cluster, UserTypesRoundTrip) {
  const Point p = weft::get(weft::remote(mirror, Point{1, 2, "p"}));
  EXPECT_EQ(p.x, 2);
  EXPECT_EQ(p.y, 1);
  EXPECT_EQ(p.label, "p'");
}

TEST(Cluster, VoidFunctionsComplete) {
  weft::Ref<void> r = weft::remote(do_nothing);
  weft::get(r);
  EXPECT_TRUE(r.done());
  EXPECT_FALSE(r.failed());
}

TEST(Cluster, ErrorsNameTypeMessageTaskAndWorker) {
  try {
    weft::get(weft::remote(weft::TaskOptions{.name = "check"}, fail_if_negative, -4));
    FAIL() << "expected a TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.type_name(), "std::out_of_range");
    EXPECT_EQ(e.message(), "negative input -4");
    EXPECT_EQ(e.task_name(), "check");
    EXPECT_NE(e.worker().find("worker-"), std::string::npos) << e.worker();
  }
}

TEST(Cluster, DependentsOfAFailedTaskFailWithItsError) {
  weft::Ref<int> bad = weft::remote(fail_if_negative, -1);
  weft::Ref<int> after = weft::remote(fail_if_negative, bad);
  try {
    weft::get(after);
    FAIL() << "expected a TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.task_name(), "fail_if_negative");
    EXPECT_EQ(e.message(), "negative input -1");
  }
}

TEST(Cluster, RetriesRunAFailingTaskAgain) {
  // Always fails: retried twice, then reported once.
  EXPECT_THROW(weft::get(weft::remote(weft::TaskOptions{.retries = 2}, fail_if_negative, -2)),
               weft::TaskError);
}

TEST(Cluster, LambdasAndUnregisteredFunctionsAreRefusedAtSubmission) {
  try {
    weft::remote([](int x) { return x; }, 1);
    FAIL() << "expected a ConfigError";
  } catch (const weft::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("WEFT_REMOTE"), std::string::npos) << e.what();
  }
  try {
    weft::remote(unregistered, 1);
    FAIL() << "expected a ConfigError";
  } catch (const weft::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("not registered"), std::string::npos) << e.what();
  }
  try {
    weft::remote(takes_opaque, NotSerializable{3});
    FAIL() << "expected a ConfigError";
  } catch (const weft::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("serializ"), std::string::npos) << e.what();
  }
}

TEST(Cluster, MismatchedRefTypesAreRefused) {
  weft::Ref<int> i = weft::remote(fail_if_negative, 3);
  EXPECT_THROW(weft::remote(square, i), weft::ConfigError);
}

TEST(Cluster, PutObjectsAreReadableLocallyAndByTasks) {
  weft::Ref<std::vector<double>> data = weft::put(std::vector<double>(100000, 2.0));
  EXPECT_TRUE(data.done());
  EXPECT_EQ(weft::get(data).size(), 100000u);
  EXPECT_EQ(weft::get(weft::remote(sum_array, data)), 200000.0);
  EXPECT_EQ(weft::get(weft::remote(sum_array, data)), 200000.0);
}

TEST(Cluster, WaitAndAsCompleted) {
  std::vector<weft::Ref<int>> refs;
  refs.push_back(weft::remote(nap_ms, 300));
  refs.push_back(weft::remote(nap_ms, 1));
  auto r = weft::wait(refs, 1, std::chrono::seconds(10));
  ASSERT_EQ(r.ready.size(), 1u);
  EXPECT_EQ(weft::get(r.ready[0]), 1);
  std::vector<int> order;
  for (const weft::Ref<int>& x : weft::as_completed(refs)) order.push_back(weft::get(x));
  EXPECT_EQ(order, (std::vector<int>{1, 300}));
}

TEST(Cluster, WaitTimesOut) {
  std::vector<weft::Ref<int>> refs{weft::remote(nap_ms, 500)};
  auto r = weft::wait(refs, 1, std::chrono::milliseconds(20));
  EXPECT_TRUE(r.ready.empty());
  EXPECT_EQ(weft::get(refs[0]), 500);
}

TEST(Cluster, GetTimesOutNamingTheTaskAndTheTaskGoesOn) {
  weft::Ref<int> slow = weft::remote(weft::TaskOptions{.name = "slow nap"}, nap_ms, 400);
  try {
    weft::get(slow, std::chrono::milliseconds(20));
    FAIL() << "no TimeoutError";
  } catch (const weft::TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("task 'slow nap' was not done within 0.02 s"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(weft::get(slow, std::chrono::seconds(30)), 400);
}

TEST(Cluster, ATaskPastItsTimeoutFailsNamingItAndTheWorker) {
  weft::Ref<int> hung =
      weft::remote(weft::TaskOptions{.name = "hung", .timeout = 0.2}, nap_ms, 1500);
  const auto start = std::chrono::steady_clock::now();
  try {
    weft::get(hung);
    FAIL() << "no timeout";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.type_name(), "weft::TimeoutError");
    EXPECT_EQ(e.task_name(), "hung");
    EXPECT_NE(e.message().find("ran longer than its timeout of 0.2 s"), std::string::npos)
        << e.what();
    EXPECT_NE(e.worker().find("worker"), std::string::npos) << e.worker();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1200));
  // A task within its timeout is unaffected.
  EXPECT_EQ(weft::get(weft::remote(weft::TaskOptions{.timeout = 5}, nap_ms, 10)), 10);
}

TEST(Cluster, CancelledTasksReportCancellation) {
  // Both workers busy, so the third task waits in the scheduler and can be cancelled.
  std::vector<weft::Ref<int>> busy;
  for (int i = 0; i < 2; ++i) busy.push_back(weft::remote(nap_ms, 300));
  weft::Ref<int> queued = weft::remote(nap_ms, 1);
  weft::Ref<int> dependent = weft::remote(fail_if_negative, queued);
  EXPECT_TRUE(queued.cancel());
  EXPECT_THROW(weft::get(queued), weft::CancelledError);
  EXPECT_THROW(weft::get(dependent), weft::Error);
  for (auto& b : busy) EXPECT_EQ(weft::get(b), 300);
}

TEST(Cluster, RequestsNoWorkerMeetsWaitUntilCancelled) {
  // The workers have one thread each: a task asking for two never starts.
  weft::Ref<int> wide = weft::remote(weft::TaskOptions{.cpus = 2}, nap_ms, 1);
  weft::Ref<int> gpu = weft::remote(weft::TaskOptions{.resources = {{"gpu", 1}}}, nap_ms, 1);
  std::vector<weft::Ref<int>> both{wide, gpu};
  EXPECT_TRUE(weft::wait(both, 1, std::chrono::milliseconds(300)).ready.empty());
  // Requests that fit run as usual meanwhile.
  EXPECT_EQ(weft::get(weft::remote(weft::TaskOptions{.cpus = 0.5}, nap_ms, 2)), 2);
  EXPECT_TRUE(wide.cancel());
  EXPECT_TRUE(gpu.cancel());
  EXPECT_THROW(weft::get(wide), weft::CancelledError);
}

TEST(Cluster, LargeObjectsAreMappedFromSharedMemoryNotCopied) {
  const std::int64_t n = 64 << 20;
  weft::Ref<weft::Buffer> big = weft::remote(make_buffer, n);
  const int before = shared_mappings();
  const weft::Buffer& local = weft::get(big);
  ASSERT_EQ(local.size(), static_cast<std::size_t>(n));
  EXPECT_TRUE(check_buffer(local));
  EXPECT_EQ(shared_mappings(), before + 1) << "the client should map the worker's segment";
  // Another worker reads it too (from shared memory), and so does the producer.
  std::vector<weft::Ref<bool>> checks;
  for (int i = 0; i < 4; ++i) checks.push_back(weft::remote(check_buffer, big));
  for (bool ok : weft::get(checks)) EXPECT_TRUE(ok);
}

// /dev/shm entries of segments this process made for put().
int put_segments() {
  const std::string prefix = "weft-" + std::to_string(getpid()) + "-put-";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/dev/shm")) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) ++n;
  }
  return n;
}

TEST(Cluster, LargePutObjectsGoThroughSharedMemoryAndAreFreed) {
  {
    weft::Ref<weft::Buffer> put = weft::put(make_buffer(8 << 20));
    EXPECT_EQ(put_segments(), 1);  // handed to a worker, which owns it now
    std::vector<weft::Ref<bool>> checks;
    for (int i = 0; i < 2; ++i) checks.push_back(weft::remote(check_buffer, put));
    for (bool ok : weft::get(checks)) EXPECT_TRUE(ok);
  }
  // The last Ref is gone: the scheduler frees the object and the worker removes the segment.
  for (int i = 0; i < 200 && put_segments() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(put_segments(), 0);
}

TEST(Cluster, LongTasksRunOnBothWorkers) {
  // Each worker has one thread and takes one task at a time, so two long tasks submitted
  // together run in two different processes.
  std::vector<weft::Ref<int>> refs;
  for (int i = 0; i < 2; ++i) refs.push_back(weft::remote(pid_after_nap, 300));
  const std::vector<int> pids = weft::get(refs);
  EXPECT_NE(pids[0], pids[1]);
  EXPECT_NE(pids[0], static_cast<int>(getpid()));
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("WEFT_ROLE") != nullptr) weft::init(argc, argv);  // a worker: never returns
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);
  return RUN_ALL_TESTS();
}
