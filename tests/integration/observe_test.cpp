// Observing runs through the public API (weft/observe.hpp): traces and reports of the
// threads and processes runtimes, the dashboard's /metrics and snapshot of a local
// cluster, and the error when nothing is recorded.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <weft/weft.hpp>

namespace {

int square(int x) { return x * x; }
WEFT_REMOTE(square);

int explode(int x) {
  if (x == 13) throw std::runtime_error("thirteen is unlucky");
  return x;
}
WEFT_REMOTE(explode);

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("weft-observe-" + std::to_string(::getpid()) + "-" + name);
}

// Runs n squares and one task that throws; returns the sum of the squares.
long run_job(int n) {
  std::vector<weft::Ref<int>> refs;
  for (int i = 0; i < n; ++i) refs.push_back(weft::remote(square, i));
  long sum = 0;
  for (int v : weft::get(refs)) sum += v;
  EXPECT_THROW(weft::get(weft::remote(explode, 13)), weft::TaskError);
  return sum;
}

// Task executions in a Chrome trace ("X" events), by name.
std::map<std::string, int> executions(const nlohmann::json& trace) {
  std::map<std::string, int> by_name;
  for (const auto& e : trace.at("traceEvents")) {
    if (e.value("ph", "") == "X" && e.value("cat", "task") != "transfer") {
      ++by_name[e.value("name", "")];
    }
  }
  return by_name;
}

void check_trace_and_report(int n) {
  const auto trace_path = temp_path("trace.json");
  const auto report_path = temp_path("report.html");
  weft::save_trace(trace_path.string());
  weft::save_report(report_path.string());
  const nlohmann::json trace = nlohmann::json::parse(read_file(trace_path));
  const auto by_name = executions(trace);
  ASSERT_TRUE(by_name.count("square")) << trace.dump().substr(0, 2000);
  EXPECT_EQ(by_name.at("square"), n);
  EXPECT_EQ(by_name.count("explode"), 1u);
  const std::string report = read_file(report_path);
  EXPECT_NE(report.find("<html"), std::string::npos);
  EXPECT_NE(report.find("square"), std::string::npos);
  EXPECT_EQ(report.find("src=\"http"), std::string::npos) << "the report must be self-contained";
  std::filesystem::remove(trace_path);
  std::filesystem::remove(report_path);
}

TEST(Observe, TheThreadsRuntimeRecordsEveryExecution) {
  weft::Config c = weft::Config::parse("threads:2");
  c.record = true;
  auto rt = weft::init(c);
  EXPECT_EQ(run_job(300), 8955050);
  EXPECT_EQ(weft::dashboard_url(), "");
  check_trace_and_report(300);
}

TEST(Observe, ARuntimeThatRecordsNothingSaysHowToTurnItOn) {
  auto rt = weft::init("threads:2");
  try {
    weft::save_trace(temp_path("never.json").string());
    FAIL() << "expected ConfigError";
  } catch (const weft::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("Config::record"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(temp_path("never.json")));
}

TEST(Observe, ALocalClusterRecordsInItsScheduler) {
  weft::Config c = weft::Config::parse("processes:2");
  c.record = true;
  auto rt = weft::init(c);
  EXPECT_EQ(run_job(500), 41541750);
  check_trace_and_report(500);
}

TEST(Observe, ALocalClusterThatRecordsNothingSaysSo) {
  auto rt = weft::init("processes:1");
  EXPECT_EQ(weft::get(weft::remote(square, 3)), 9);
  EXPECT_THROW(weft::save_report(temp_path("never.html").string()), weft::ConfigError);
}

// Polls `path` on the dashboard until `ready(body)` or 10 s pass; returns the last body.
template <class Ready>
std::string poll_dashboard(const std::string& url, const std::string& path, Ready ready) {
  httplib::Client http(url.substr(0, url.size() - 1));  // without the trailing slash
  std::string body;
  for (int i = 0; i < 100; ++i) {
    if (auto r = http.Get(path.c_str()); r && r->status == 200) {
      body = r->body;
      if (ready(body)) return body;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return body;
}

TEST(Observe, ALocalClusterDashboardShowsWorkersTasksAndErrors) {
  weft::Config c = weft::Config::parse("processes:2");
  c.dashboard_port = 0;
  auto rt = weft::init(c);
  const std::string url = weft::dashboard_url();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  EXPECT_EQ(run_job(200), 2646700);

  const std::string metrics = poll_dashboard(url, "/metrics", [](const std::string& b) {
    return b.find("weft_workers 2") != std::string::npos;
  });
  EXPECT_NE(metrics.find("weft_workers 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("weft_task_duration_seconds"), std::string::npos);

  const std::string snapshot = poll_dashboard(url, "/api/snapshot", [](const std::string& b) {
    const auto j = nlohmann::json::parse(b);
    return j.at("totals").at("done").get<int>() >= 200 &&
           j.at("totals").at("failed").get<int>() >= 1 && !j.at("errors").empty();
  });
  const auto j = nlohmann::json::parse(snapshot);
  EXPECT_EQ(j.at("workers").size(), 2u) << snapshot.substr(0, 2000);
  EXPECT_GE(j.at("totals").at("done").get<int>(), 200);
  EXPECT_EQ(j.at("totals").at("failed").get<int>(), 1);
  ASSERT_EQ(j.at("errors").size(), 1u);
  EXPECT_EQ(j.at("errors").back().at("message").get<std::string>(), "thirteen is unlucky");
  std::set<std::string> names;
  for (const auto& p : j.at("progress")) names.insert(p.at("name").get<std::string>());
  EXPECT_TRUE(names.count("square") && names.count("explode")) << snapshot.substr(0, 2000);
}

TEST(Observe, TheThreadsRuntimeServesTheSameDashboard) {
  weft::Config c = weft::Config::parse("threads:2");
  c.dashboard_port = 0;
  auto rt = weft::init(c);
  const std::string url = weft::dashboard_url();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  const double before = wall_seconds();
  EXPECT_EQ(run_job(100), 328350);
  const double after = wall_seconds();
  const std::string snapshot = poll_dashboard(url, "/api/snapshot", [](const std::string& b) {
    const auto j = nlohmann::json::parse(b);
    // The error is listed as the task fails; its execution arrives with its thread's batch.
    return j.at("totals").at("done").get<int>() >= 100 &&
           j.at("totals").at("failed").get<int>() >= 1 && !j.at("errors").empty();
  });
  const auto j = nlohmann::json::parse(snapshot);
  EXPECT_EQ(j.at("workers").size(), 1u);
  EXPECT_EQ(j.at("totals").at("done").get<int>(), 100);
  EXPECT_EQ(j.at("totals").at("failed").get<int>(), 1);
  ASSERT_EQ(j.at("errors").size(), 1u) << snapshot.substr(0, 2000);
  EXPECT_EQ(j.at("errors").back().at("message").get<std::string>(), "thirteen is unlucky");
  // Executions are stamped with the CPU's counter and converted: they must fall inside the
  // job, on the wall clock, each ending after it started.
  ASSERT_EQ(j.at("tasks").size(), 101u);
  for (const auto& t : j.at("tasks")) {
    const double start = t.at("start").get<double>(), end = t.at("end").get<double>();
    EXPECT_GE(start, before - 0.005);
    EXPECT_LE(end, after + 0.005);
    EXPECT_GE(end, start);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("WEFT_ROLE") != nullptr) weft::init(argc, argv);  // a worker: never returns
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
