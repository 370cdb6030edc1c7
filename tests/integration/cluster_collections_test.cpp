// delayed graphs and parallel_map/parallel_for on the processes runtime: a real scheduler
// and two worker processes started from this test binary (its main serves those roles).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <ranges>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <weft/weft.hpp>

namespace {

double square(double x) { return x * x; }
WEFT_REMOTE(square);

double add(double a, double b) { return a + b; }
WEFT_REMOTE(add);

double total(const std::vector<double>& parts) {
  return std::accumulate(parts.begin(), parts.end(), 0.0);
}
WEFT_REMOTE(total);

int as_int(int x) { return x; }
WEFT_REMOTE(as_int);

int fail_if_negative(int x) {
  if (x < 0) throw std::out_of_range("negative input " + std::to_string(x));
  return x;
}
WEFT_REMOTE(fail_if_negative);

int pid_of_worker(int) { return static_cast<int>(getpid()); }
WEFT_REMOTE(pid_of_worker);

std::vector<double> make_array(std::int64_t n, double value) {
  return std::vector<double>(static_cast<std::size_t>(n), value);
}
WEFT_REMOTE(make_array);

std::vector<double> scale(const std::vector<double>& v, double by) {
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i] * by;
  return out;
}
WEFT_REMOTE(scale);

double sum_array(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
WEFT_REMOTE(sum_array);

struct Reading {
  std::string site;
  double value = 0;
  WEFT_SERIALIZE(site, value);
};
Reading read_site(const std::string& site) {
  return Reading{site, static_cast<double>(site.size())};
}
WEFT_REMOTE(read_site);
std::string describe(const std::vector<Reading>& readings) {
  std::string out;
  for (const Reading& r : readings) out += r.site + "=" + std::to_string(r.value) + ";";
  return out;
}
WEFT_REMOTE(describe);

// Writes a marker file per index into $WEFT_COLLECTIONS_TEST_DIR, so the driver can see
// that a worker ran it.
void mark(std::int64_t i) {
  std::ofstream(std::string(std::getenv("WEFT_COLLECTIONS_TEST_DIR")) + "/" + std::to_string(i));
}
WEFT_REMOTE(mark);

void fail_at_107(std::int64_t i) {
  if (i == 107) throw std::runtime_error("107");
}
WEFT_REMOTE(fail_at_107);

double half(int x) { return x / 2.0; }
WEFT_REMOTE(half);

int noop(int x) { return x; }
WEFT_REMOTE(noop);

std::string shout(const std::string& s) { return s + "!"; }
WEFT_REMOTE(shout);

// Fails for 13 and every item from 40 on, so that several batches fail at once.
int fail_some(int x) {
  if (x == 13 || x >= 40) throw std::invalid_argument("bad item " + std::to_string(x));
  return x;
}
WEFT_REMOTE(fail_some);

int unregistered(int x) { return x; }

struct Opaque {
  int fd = 0;
};
int takes_opaque(Opaque o) { return o.fd; }
WEFT_REMOTE(takes_opaque);

class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { runtime_ = std::make_unique<weft::Runtime>(weft::init("processes:2")); }
  void TearDown() override { runtime_.reset(); }

 private:
  std::unique_ptr<weft::Runtime> runtime_;
};

// --- delayed ---------------------------------------------------------------------------

TEST(ClusterDelayed, GraphWithDependenciesRunsOnTheWorkers) {
  auto a = weft::delayed(square)(3.0);
  auto b = weft::delayed(square)(4.0);
  auto c = weft::delayed(add)(a, b);
  auto d = weft::delayed(add)(c, 1);  // a plain int converts to the parameter's double
  EXPECT_EQ(d.compute(), 26.0);
  // Shared nodes run once per compute; several outputs in one run.
  auto [x, y] = weft::compute(c, d);
  EXPECT_EQ(x, 25.0);
  EXPECT_EQ(y, 26.0);
  const int worker = weft::delayed(pid_of_worker)(0).compute();
  EXPECT_NE(worker, static_cast<int>(getpid()));
}

TEST(ClusterDelayed, FusedChainsAndUnoptimisedGraphsGiveTheSameResult) {
  auto chain = weft::delayed(square)(weft::delayed(square)(weft::delayed(add)(1.0, 1.0)));
  EXPECT_EQ(weft::Graph::of(chain).fuse().size(), 1u);
  EXPECT_EQ(chain.compute(), 16.0);
  EXPECT_EQ(chain.compute({.optimize = false}), 16.0);
  EXPECT_EQ(std::get<0>(weft::Graph::of(chain).fuse().compute(chain)), 16.0);
}

TEST(ClusterDelayed, ListsOfDependenciesAreGathered) {
  std::vector<weft::Delayed<double>> parts;
  for (int i = 1; i <= 10; ++i) parts.push_back(weft::delayed(square)(static_cast<double>(i)));
  EXPECT_EQ(weft::delayed(total)(parts).compute(), 385.0);
  EXPECT_EQ(weft::delayed(total)(std::vector<weft::Delayed<double>>{}).compute(), 0.0);

  std::vector<weft::Delayed<Reading>> readings;
  for (const char* site : {"north", "east"}) {
    readings.push_back(weft::delayed(read_site)(std::string(site)));
  }
  EXPECT_EQ(weft::delayed(describe)(readings).compute(), "north=5.000000;east=4.000000;");
}

TEST(ClusterDelayed, LargeValuesMoveBetweenWorkers) {
  const std::int64_t n = 2 << 20;  // 16 MiB of doubles
  auto big = weft::delayed(make_array)(n, 0.5);
  auto scaled = weft::delayed(scale)(big, 4.0);
  auto sum = weft::delayed(sum_array)(scaled);
  EXPECT_EQ(sum.compute(), 2.0 * static_cast<double>(n));
  const std::vector<double> values = scaled.compute();
  ASSERT_EQ(values.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(values[777], 2.0);
}

TEST(ClusterDelayed, AFailingNodeIsReportedByName) {
  auto bad = weft::delayed(fail_if_negative, "check")(-4);
  auto after = weft::delayed(as_int)(bad);
  for (const auto& node : {bad, after}) {
    try {
      node.compute();
      FAIL() << "expected a TaskError";
    } catch (const weft::TaskError& e) {
      EXPECT_EQ(e.task_name(), "check");
      EXPECT_EQ(e.type_name(), "std::out_of_range");
      EXPECT_EQ(e.message(), "negative input -4");
      EXPECT_NE(e.worker().find("worker-"), std::string::npos) << e.worker();
    }
  }
  // The default name is the registered one.
  try {
    weft::delayed(fail_if_negative)(-1).compute();
    FAIL() << "expected a TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.task_name(), "fail_if_negative");
  }
}

TEST(ClusterDelayed, NodesThatCannotTravelAreRefusedAtCompute) {
  auto ok = weft::delayed(square)(2.0);
  auto lambda = weft::delayed([](double x) { return x + 1; }, "plus_one")(ok);
  try {
    lambda.compute();
    FAIL() << "expected a ConfigError";
  } catch (const weft::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'plus_one'"), std::string::npos) << what;
    EXPECT_NE(what.find("WEFT_REMOTE"), std::string::npos) << what;
  }
  try {
    weft::delayed(unregistered)(1).compute();
    FAIL() << "expected a ConfigError";
  } catch (const weft::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("not registered"), std::string::npos) << e.what();
  }
  try {
    weft::delayed(takes_opaque)(Opaque{3}).compute();
    FAIL() << "expected a ConfigError";
  } catch (const weft::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("WEFT_SERIALIZE"), std::string::npos) << e.what();
  }
  try {
    weft::delayed(square)(weft::delayed(as_int)(3)).compute();  // an int for a double
    FAIL() << "expected a ConfigError";
  } catch (const weft::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("types must match"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ok.compute(), 4.0);  // the cluster is fine afterwards
}

// --- parallel_map / parallel_for ---------------------------------------------------------

TEST(ClusterParallel, MapRunsARegisteredFunctionOnTheWorkers) {
  std::vector<int> inputs(1000);
  std::iota(inputs.begin(), inputs.end(), 0);
  const std::vector<double> out = weft::parallel_map(half, inputs);
  ASSERT_EQ(out.size(), inputs.size());
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], static_cast<double>(i) / 2);

  const auto pids = weft::parallel_map(pid_of_worker, std::views::iota(0, 8), {.batch_size = 1});
  for (int pid : pids) EXPECT_NE(pid, static_cast<int>(getpid()));

  const std::vector<std::string> words{"a", "bb", "ccc"};
  EXPECT_EQ(weft::parallel_map(shout, words, {.n_jobs = 1}),
            (std::vector<std::string>{"a!", "bb!", "ccc!"}));
  EXPECT_TRUE(weft::parallel_map(half, std::vector<int>{}).empty());
}

TEST(ClusterParallel, AFailingItemIsReportedByIndex) {
  try {
    weft::parallel_map(fail_some, std::views::iota(0, 100), {.name = "check"});
    FAIL() << "expected a TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.task_name(), "check[13]");
    EXPECT_EQ(e.type_name(), "std::invalid_argument");
    EXPECT_EQ(e.message(), "bad item 13");
    EXPECT_NE(e.worker().find("worker-"), std::string::npos) << e.worker();
  }
  try {
    weft::parallel_for(100, 120, fail_at_107, {.batch_size = 3});
    FAIL() << "expected a TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.task_name(), "parallel_map[7]") << "indices count from begin, as on threads";
    EXPECT_EQ(e.message(), "107");
  }
  // Items that succeed in batches that finished are delivered before the error.
  std::set<std::size_t> seen;
  try {
    for (auto& [i, v] : weft::parallel_map_unordered(fail_some, std::views::iota(0, 100))) {
      EXPECT_EQ(static_cast<std::size_t>(v), i);
      seen.insert(i);
    }
    FAIL() << "expected a TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.task_name(), "parallel_map[13]");
  }
  for (std::size_t i : seen) {
    EXPECT_NE(i, 13u);
    EXPECT_LT(i, 40u);
  }
}

TEST(ClusterParallel, LambdasAreRefusedWithTheFix) {
  auto lambda = [](int x) { return x + 1; };
  const std::vector<int> inputs{1, 2, 3};
  try {
    weft::parallel_map(lambda, inputs);
    FAIL() << "expected a ConfigError";
  } catch (const weft::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("WEFT_REMOTE"), std::string::npos) << e.what();
  }
  EXPECT_THROW(weft::parallel_map_unordered(lambda, inputs), weft::ConfigError);
  EXPECT_THROW(weft::parallel_for(0, 3, [](std::int64_t) {}), weft::ConfigError);
  EXPECT_THROW(weft::parallel_map(unregistered, inputs), weft::ConfigError);
}

TEST(ClusterParallel, UnorderedDeliversEveryItemOnce) {
  std::vector<int> inputs(500);
  std::iota(inputs.begin(), inputs.end(), 0);
  std::vector<int> hits(inputs.size(), 0);
  for (auto& [i, v] : weft::parallel_map_unordered(half, inputs)) {
    ++hits[i];
    EXPECT_EQ(v, static_cast<double>(i) / 2);
  }
  for (int h : hits) EXPECT_EQ(h, 1);
}

TEST(ClusterParallel, ForRunsEveryIndexOnTheWorkers) {
  const std::filesystem::path dir = std::getenv("WEFT_COLLECTIONS_TEST_DIR");
  weft::parallel_for(0, 50, mark);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(std::filesystem::exists(dir / std::to_string(i))) << i;
  EXPECT_FALSE(std::filesystem::exists(dir / "50"));
}

TEST(ClusterParallel, PerItemCostIsAmortisedByBatching) {
  const int n = 1'000'000;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int> out = weft::parallel_map(noop, std::views::iota(0, n));
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(out.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(out[n - 1], n - 1);
  std::printf("parallel_map of %d no-op items on processes:2: %.1f ms (%.3f us per item)\n", n,
              took.count() * 1e3, took.count() * 1e6 / n);
  // One task per item would take seconds at ~300k tasks/s; batches take a few encodes.
  EXPECT_LT(took.count(), 2.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("WEFT_ROLE") != nullptr) weft::init(argc, argv);  // a worker: never returns
  // Made before the cluster starts, so the workers inherit it.
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("weft-collections-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  setenv("WEFT_COLLECTIONS_TEST_DIR", dir.c_str(), 1);
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);
  const int status = RUN_ALL_TESTS();
  std::filesystem::remove_all(dir);
  return status;
}
