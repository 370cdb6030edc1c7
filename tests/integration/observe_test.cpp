// Observing runs through the public API (weft/observe.hpp): traces and reports of the
// threads and processes runtimes, the dashboard's /metrics and snapshot of a local
// cluster, and the error when nothing is recorded.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
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

// A block big enough to travel between workers rather than inside messages; the nap spreads
// the producers over both workers.
std::vector<double> make_block(int i) {
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return std::vector<double>(std::size_t{20000}, static_cast<double>(i));
}
WEFT_REMOTE(make_block);

double sum_pair(const std::vector<double>& a, const std::vector<double>& b) {
  return std::accumulate(a.begin(), a.end(), 0.0) + std::accumulate(b.begin(), b.end(), 0.0);
}
WEFT_REMOTE(sum_pair);

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

// Transfers in a Chrome trace: slices with a sender and a receiver, by (from, to).
std::map<std::pair<std::string, std::string>, int> transfers(const nlohmann::json& trace) {
  std::map<std::pair<std::string, std::string>, int> by_pair;
  for (const auto& e : trace.at("traceEvents")) {
    if (e.value("ph", "") != "X" || !e.contains("args")) continue;
    const auto& args = e.at("args");
    if (args.contains("from") && args.contains("to") && args.contains("bytes")) {
      ++by_pair[{args.at("from").get<std::string>(), args.at("to").get<std::string>()}];
    }
  }
  return by_pair;
}

// Consumers of pairs of blocks made on both workers fetch from each other: the transfers
// reach the trace and the report. They come with the workers' half-second samples, hence
// the polling; a run whose blocks all happened to land on one worker is tried again, larger.
TEST(Observe, ALocalClusterRecordsTransfersBetweenWorkers) {
  weft::Config c = weft::Config::parse("processes:2");
  c.record = true;
  auto rt = weft::init(c);
  const auto trace_path = temp_path("transfers.json");
  const auto report_path = temp_path("transfers.html");
  nlohmann::json trace = {{"traceEvents", nlohmann::json::array()}};
  for (int n = 16; n <= 256 && transfers(trace).empty(); n *= 4) {
    std::vector<weft::Ref<std::vector<double>>> blocks;
    for (int i = 0; i < n; ++i) blocks.push_back(weft::remote(make_block, i));
    std::vector<weft::Ref<double>> sums;
    for (int i = 0; i + 1 < n; ++i)
      sums.push_back(weft::remote(sum_pair, blocks[i], blocks[i + 1]));
    double total = 0;
    for (double s : weft::get(sums)) total += s;
    EXPECT_EQ(total, 20000.0 * (n - 1) * (n - 1));  // the sum of 2i + 1 for i < n - 1
    for (int i = 0; i < 20 && transfers(trace).empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      weft::save_trace(trace_path.string());
      trace = nlohmann::json::parse(read_file(trace_path));
    }
  }
  const auto by_pair = transfers(trace);
  ASSERT_FALSE(by_pair.empty()) << "no transfer in the trace: " << trace.dump().substr(0, 2000);
  for (const auto& [pair, count] : by_pair) {
    EXPECT_NE(pair.first, pair.second) << "a transfer from a worker to itself";
    EXPECT_TRUE(pair.first.rfind("worker-", 0) == 0 && pair.second.rfind("worker-", 0) == 0)
        << pair.first << " -> " << pair.second;
  }
  // The trace names the transfers' track.
  bool track = false;
  for (const auto& e : trace.at("traceEvents")) {
    track = track || (e.value("ph", "") == "M" && e.value("name", "") == "thread_name" &&
                      e.at("args").value("name", "") == "transfers");
  }
  EXPECT_TRUE(track);

  weft::save_report(report_path.string());
  const std::string report = read_file(report_path);
  const auto at = report.find("<h2>Transfers</h2>\n<div class=\"meta\">");
  ASSERT_NE(at, std::string::npos) << report.substr(0, 2000);
  const std::string meta = report.substr(at, report.find("</div>", at) - at);
  EXPECT_EQ(meta.find(">0 transfers"), std::string::npos) << meta;
  // One row per (from, to) pair, after the heading row.
  EXPECT_NE(report.find("<th>from</th><th>to</th>", at), std::string::npos) << meta;
  EXPECT_NE(report.find("<tr><td>" + by_pair.begin()->first.first + "</td>", at),
            std::string::npos);
  std::filesystem::remove(trace_path);
  std::filesystem::remove(report_path);
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
