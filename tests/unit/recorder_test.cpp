// The recorder (src/diag/recorder.hpp): counting, bounds, the dashboard's snapshot, and the
// outputs checked by their consumers' parsers (nlohmann for JSON, prometheus_client for
// /metrics under Debian's python3).
#include "diag/recorder.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace weft::diag {

struct RecorderTestPeer {
  static void bound_records(Recorder& r, std::size_t n) {
    std::lock_guard lock(r.mu_);
    r.tasks_.reset(n);
    r.transfers_.reset(n);
  }
};

namespace {

using nlohmann::json;

json snapshot(const Recorder& r, std::uint64_t since = 0) {
  return json::parse(r.snapshot_json(since));
}

// Submits `ids` under `name`, with no dependencies.
void submit(Recorder& r, const std::vector<std::uint64_t>& ids, NameId name,
            const std::vector<std::vector<std::uint64_t>>& deps = {}) {
  const std::vector<NameId> names(ids.size(), name);
  std::vector<std::vector<std::uint64_t>> d = deps;
  d.resize(ids.size());
  r.submitted(ids, names, d);
}

TaskRecord record(std::uint64_t id, NameId name, NameId worker, std::uint32_t thread, double start,
                  double end, bool ok = true) {
  return TaskRecord{id, name, worker, thread, start, end, ok};
}

json progress_of(const json& s, const std::string& name) {
  for (const json& p : s["progress"]) {
    if (p["name"] == name) return p;
  }
  return nullptr;
}

TEST(Recorder, CountsTasksThroughTheirStates) {
  Recorder r("threads:2");
  const NameId inc = r.intern("inc");
  const NameId w = r.intern("worker-1");
  EXPECT_EQ(r.intern("inc"), inc);
  submit(r, {1, 2, 3}, inc);
  std::vector<std::uint64_t> run{1, 2};
  r.running(run);
  std::vector<TaskRecord> done{record(1, inc, w, 0, 100.0, 100.5)};
  r.finished(done);

  json s = snapshot(r);
  EXPECT_EQ(s["runtime"], "threads:2");
  EXPECT_EQ(s["totals"], json({{"waiting", 1}, {"running", 1}, {"done", 1}, {"failed", 0}}));
  const json p = progress_of(s, "inc");
  EXPECT_EQ(p["waiting"], 1);
  EXPECT_EQ(p["running"], 1);
  EXPECT_EQ(p["done"], 1);
  EXPECT_DOUBLE_EQ(p["seconds"].get<double>(), 0.5);
  EXPECT_TRUE(progress_of(s, "worker-1").is_null());  // a worker, not a task
  ASSERT_EQ(s["tasks"].size(), 1u);
  EXPECT_EQ(s["tasks"][0], json({{"id", "1"},
                                 {"name", "inc"},
                                 {"worker", "worker-1"},
                                 {"thread", 0},
                                 {"start", 100.0},
                                 {"end", 100.5},
                                 {"ok", true}}));
  EXPECT_GT(s["now"].get<double>(), 1.7e9);
  EXPECT_LE(s["origin"].get<double>(), s["now"].get<double>());

  std::vector<std::uint64_t> gone{3};
  r.forgotten(gone);
  s = snapshot(r);
  EXPECT_EQ(s["totals"]["waiting"], 0);
  EXPECT_EQ(s["totals"]["running"], 1);
}

TEST(Recorder, LargeIdsAreStrings) {
  Recorder r("threads");
  const NameId f = r.intern("f");
  const std::uint64_t id = (1ull << 60) + 3;
  submit(r, {id}, f);
  std::vector<TaskRecord> done{record(id, f, f, 0, 1, 2)};
  r.finished(done);
  EXPECT_EQ(snapshot(r)["tasks"][0]["id"], "1152921504606846979");
}

TEST(Recorder, UnknownIdsFinishUnderTheRecordsNameAndRunningIsIgnored) {
  Recorder r("threads");
  const NameId call = r.intern("Counter.add");
  std::vector<std::uint64_t> unknown{77};
  r.running(unknown);
  std::vector<TaskRecord> done{record(77, call, call, 0, 1, 2),
                               record(78, call, call, 0, 2, 3, false)};
  r.finished(done);
  const json s = snapshot(r);
  EXPECT_EQ(s["totals"], json({{"waiting", 0}, {"running", 0}, {"done", 1}, {"failed", 1}}));
  EXPECT_EQ(progress_of(s, "Counter.add")["failed"], 1);
}

TEST(Recorder, AFailureReportedTwiceCountsOnce) {
  Recorder r("threads");
  const NameId f = r.intern("f");
  submit(r, {1, 2, 3}, f);
  std::vector<std::uint64_t> run{1, 2, 3};
  r.running(run);
  // A failed record, then its error.
  std::vector<TaskRecord> one{record(1, f, f, 0, 1, 2, false)};
  r.finished(one);
  r.failed(1, ErrorRecord{"f", "std::runtime_error", "boom", "w", 2});
  // The error first (the scheduler's own), then the record.
  r.failed(2, ErrorRecord{"f", "weft::WorkerLost", "lost", "w", 3});
  std::vector<TaskRecord> two{record(2, f, f, 0, 1, 2, false)};
  r.finished(two);
  // An error the scheduler made for a task that never ran.
  r.failed(3, ErrorRecord{"f", "weft::Cancelled", "", "", 4});
  const json s = snapshot(r);
  EXPECT_EQ(s["totals"], json({{"waiting", 0}, {"running", 0}, {"done", 0}, {"failed", 3}}));
  EXPECT_DOUBLE_EQ(progress_of(s, "f")["seconds"].get<double>(), 2.0);  // both executions
  ASSERT_EQ(s["errors"].size(), 3u);
  EXPECT_EQ(s["errors"][0], json({{"task", "f"},
                                  {"type", "std::runtime_error"},
                                  {"message", "boom"},
                                  {"worker", "w"},
                                  {"time", 2.0}}));
}

TEST(Recorder, KeepsTheLastTwentyErrors) {
  Recorder r("threads");
  for (int i = 0; i < 25; ++i) {
    r.failed(1000 + i, ErrorRecord{"f", "E", "error " + std::to_string(i), "w", 1.0 * i});
  }
  const json s = snapshot(r);
  ASSERT_EQ(s["errors"].size(), 20u);
  EXPECT_EQ(s["errors"][0]["message"], "error 5");
  EXPECT_EQ(s["errors"][19]["message"], "error 24");
  EXPECT_EQ(s["totals"]["failed"], 0);  // never submitted: nothing to mark failed
}

TEST(Recorder, SinceReturnsOnlyNewerRecords) {
  Recorder r("threads");
  const NameId f = r.intern("f");
  const NameId a = r.intern("a");
  const NameId b = r.intern("b");
  std::vector<TaskRecord> first{record(1, f, a, 0, 1, 2), record(2, f, a, 1, 1, 2)};
  r.finished(first);
  std::vector<TransferRecord> moved{TransferRecord{a, b, 100, 2, 3}};
  r.transferred(moved);
  const json s1 = snapshot(r);
  EXPECT_EQ(s1["seq"], 3);
  EXPECT_EQ(s1["tasks"].size(), 2u);
  EXPECT_EQ(s1["transfers"][0],
            json({{"from", "a"}, {"to", "b"}, {"bytes", 100}, {"start", 2.0}, {"end", 3.0}}));
  std::vector<TaskRecord> second{record(3, f, b, 0, 3, 4)};
  r.finished(second);
  const json s2 = snapshot(r, s1["seq"].get<std::uint64_t>());
  EXPECT_EQ(s2["seq"], 4);
  ASSERT_EQ(s2["tasks"].size(), 1u);
  EXPECT_EQ(s2["tasks"][0]["id"], "3");
  EXPECT_TRUE(s2["transfers"].empty());
  EXPECT_TRUE(snapshot(r, 4)["tasks"].empty());
}

TEST(Recorder, SnapshotsHoldTheLastTwentyThousand) {
  Recorder r("threads");
  const NameId f = r.intern("f");
  std::vector<TaskRecord> batch;
  for (std::uint64_t i = 1; i <= 25'000; ++i) batch.push_back(record(i, f, f, 0, 1, 2));
  r.finished(batch);
  const json s = snapshot(r);
  ASSERT_EQ(s["tasks"].size(), 20'000u);
  EXPECT_EQ(s["tasks"][0]["id"], "5001");
  EXPECT_EQ(snapshot(r, 24'990)["tasks"].size(), 10u);
  EXPECT_EQ(s["totals"]["done"], 25'000);
}

TEST(Recorder, TheStoreDropsTheOldest) {
  Recorder r("threads");
  RecorderTestPeer::bound_records(r, 100);
  const NameId f = r.intern("f");
  for (std::uint64_t i = 1; i <= 250; ++i) {
    std::vector<TaskRecord> one{record(i, f, f, 0, 1.0 * i, 1.0 * i + 0.5)};
    r.finished(one);
  }
  const json s = snapshot(r);
  ASSERT_EQ(s["tasks"].size(), 100u);
  EXPECT_EQ(s["tasks"][0]["id"], "151");
  EXPECT_EQ(s["tasks"][99]["id"], "250");
  EXPECT_EQ(snapshot(r, 240)["tasks"].size(), 10u);
  EXPECT_EQ(snapshot(r, 10)["tasks"].size(), 100u);
  const json trace = json::parse(r.chrome_trace_json());
  std::size_t slices = 0;
  for (const json& e : trace["traceEvents"]) slices += e["ph"] == "X";
  EXPECT_EQ(slices, 100u);
  EXPECT_EQ(s["totals"]["done"], 250);  // counts are not bounded
}

TEST(Recorder, GraphOfTheCurrentComputation) {
  Recorder r("threads");
  const NameId f = r.intern("f");
  submit(r, {1, 2}, f);
  submit(r, {3}, f, {{1, 2}});
  std::vector<std::uint64_t> run{1};
  r.running(run);
  json g = snapshot(r)["graph"];
  ASSERT_FALSE(g.is_null());
  EXPECT_EQ(g["nodes"].size(), 3u);
  EXPECT_EQ(g["nodes"][0], json({{"id", "1"}, {"name", "f"}, {"state", "running"}}));
  EXPECT_EQ(g["edges"], json::parse(R"([["1","3"],["2","3"]])"));

  std::vector<std::uint64_t> rest{2, 3};
  r.running(rest);
  std::vector<TaskRecord> done{record(1, f, f, 0, 1, 2), record(2, f, f, 0, 1, 2),
                               record(3, f, f, 0, 2, 3, false)};
  r.finished(done);
  json s = snapshot(r);
  EXPECT_EQ(s["graph_size"], 3);
  EXPECT_EQ(s["graph"]["nodes"][2]["state"], "failed");

  // Nothing waiting or running: the next submission starts a new computation, whose
  // dependencies on finished tasks are not drawn.
  submit(r, {4}, f, {{3}});
  s = snapshot(r);
  EXPECT_EQ(s["graph_size"], 1);
  EXPECT_EQ(s["graph"]["nodes"].size(), 1u);
  EXPECT_TRUE(s["graph"]["edges"].empty());
}

TEST(Recorder, GraphIsNullAboveThreeHundredTasks) {
  Recorder r("threads");
  const NameId f = r.intern("f");
  std::vector<std::uint64_t> ids;
  for (std::uint64_t i = 1; i <= 300; ++i) ids.push_back(i);
  submit(r, ids, f);
  json s = snapshot(r);
  EXPECT_EQ(s["graph_size"], 300);
  EXPECT_EQ(s["graph"]["nodes"].size(), 300u);
  submit(r, {301}, f);
  s = snapshot(r);
  EXPECT_EQ(s["graph_size"], 301);
  EXPECT_TRUE(s["graph"].is_null());
  // Once it is all finished, a small computation is drawn again.
  ids.push_back(301);
  r.forgotten(ids);
  submit(r, {400}, f);
  s = snapshot(r);
  EXPECT_EQ(s["graph_size"], 1);
  EXPECT_EQ(s["graph"]["nodes"].size(), 1u);
}

TEST(Recorder, WorkersTableIsReplaced) {
  Recorder r("processes:2");
  WorkerSample a{"worker-1", "host", 2, 50.0, 1000, 0, 3, 300, 0, 1, 10};
  WorkerSample b = a;
  b.name = "worker-2";
  r.workers({a, b});
  EXPECT_EQ(snapshot(r)["workers"].size(), 2u);
  r.workers({b});
  const json s = snapshot(r);
  ASSERT_EQ(s["workers"].size(), 1u);
  EXPECT_EQ(s["workers"][0]["name"], "worker-2");
  EXPECT_EQ(s["workers"][0]["cpu"], 50.0);
  EXPECT_EQ(s["workers"][0]["transferred_bytes"], 10);
}

TEST(Recorder, ConcurrentFeedingAndReading) {
  Recorder r("threads:4");
  const NameId f = r.intern("f");
  const NameId w = r.intern("w");
  constexpr int kThreads = 3;
  constexpr std::uint64_t kPerThread = 20'000;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      const json s = snapshot(r);
      EXPECT_LE(s["totals"]["done"].get<std::uint64_t>(), kThreads * kPerThread);
      (void)r.prometheus_text();
    }
  });
  std::vector<std::thread> feeders;
  for (int t = 0; t < kThreads; ++t) {
    feeders.emplace_back([&, t] {
      std::vector<std::uint64_t> ids(64);
      std::vector<NameId> names(64, f);
      std::vector<std::vector<std::uint64_t>> deps(64);
      std::vector<TaskRecord> records(64);
      for (std::uint64_t base = 0; base < kPerThread; base += 64) {
        for (std::size_t i = 0; i < 64; ++i) {
          ids[i] = (std::uint64_t(t) << 40) + base + i;
          records[i] = record(ids[i], f, w, static_cast<std::uint32_t>(t), 1, 2);
        }
        r.submitted(ids, names, deps);
        r.running(ids);
        r.finished(records);
      }
      r.workers({WorkerSample{"w", "h"}});
    });
  }
  for (auto& th : feeders) th.join();
  stop = true;
  reader.join();
  const std::uint64_t total = kThreads * ((kPerThread + 63) / 64 * 64);
  const json s = snapshot(r);
  EXPECT_EQ(s["totals"], json({{"waiting", 0}, {"running", 0}, {"done", total}, {"failed", 0}}));
}

TEST(Recorder, ChromeTrace) {
  Recorder r("processes:2");
  const NameId inc = r.intern("inc");
  const NameId add = r.intern("add \"quoted\"");
  const NameId w1 = r.intern("worker-1");
  const NameId w2 = r.intern("worker-2");
  std::vector<TaskRecord> done{record(1, inc, w1, 0, 10.0, 10.5), record(2, inc, w1, 1, 10.1, 10.2),
                               record(3, add, w2, 0, 10.6, 11.0, false)};
  r.finished(done);
  std::vector<TransferRecord> moved{TransferRecord{w1, w2, 64, 10.5, 10.55}};
  r.transferred(moved);
  r.workers({WorkerSample{"worker-1", "h", 2, 0, 1000}, WorkerSample{"worker-2", "h", 1, 0, 2000}});

  const json trace = json::parse(r.chrome_trace_json());
  ASSERT_TRUE(trace.contains("displayTimeUnit"));
  std::map<std::string, int> process_pid;
  std::set<std::pair<int, int>> named_threads;
  std::vector<json> slices;
  int counters = 0;
  for (const json& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "process_name") {
      process_pid[e["args"]["name"].get<std::string>()] = e["pid"].get<int>();
    } else if (e["ph"] == "M" && e["name"] == "thread_name") {
      named_threads.emplace(e["pid"].get<int>(), e["tid"].get<int>());
    } else if (e["ph"] == "X") {
      slices.push_back(e);
    } else if (e["ph"] == "C") {
      ++counters;
      EXPECT_TRUE(e["args"].contains("bytes"));
    }
  }
  ASSERT_EQ(process_pid.size(), 2u);
  EXPECT_NE(process_pid["worker-1"], process_pid["worker-2"]);
  ASSERT_EQ(slices.size(), 4u);  // three tasks, one transfer
  EXPECT_EQ(counters, 2);
  EXPECT_EQ(slices[0]["name"], "inc");
  EXPECT_EQ(slices[0]["ts"], 0.0);  // the earliest event
  EXPECT_DOUBLE_EQ(slices[0]["dur"].get<double>(), 5e5);
  EXPECT_EQ(slices[0]["args"], json({{"id", "1"}, {"ok", true}}));
  EXPECT_EQ(slices[2]["name"], "add \"quoted\"");
  EXPECT_EQ(slices[2]["args"]["ok"], false);
  EXPECT_EQ(slices[2]["pid"], process_pid["worker-2"]);
  EXPECT_NE(slices[0]["tid"], slices[1]["tid"]);
  for (const json& e : slices) {
    EXPECT_TRUE(named_threads.count({e["pid"].get<int>(), e["tid"].get<int>()})) << e.dump();
  }
  EXPECT_EQ(slices[3]["pid"], process_pid["worker-1"]);  // the transfer, on the sender
  EXPECT_EQ(slices[3]["args"]["bytes"], 64);
}

TEST(Recorder, HtmlReportIsSelfContained) {
  Recorder r("processes:2");
  const NameId inc = r.intern("increment_all");
  const NameId tag = r.intern("<script>alert(1)</script>");
  const NameId w1 = r.intern("worker-1");
  std::vector<TaskRecord> done{record(1, inc, w1, 0, 10.0, 10.5), record(2, tag, w1, 1, 10, 11)};
  r.finished(done);
  std::vector<TransferRecord> moved{TransferRecord{w1, inc, 64, 10.5, 10.55}};
  r.transferred(moved);
  r.workers({WorkerSample{"worker-1", "h", 2, 0, 1000}});
  const std::string html = r.html_report();
  EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(html.find("increment_all"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);  // escaped
  EXPECT_FALSE(std::regex_search(
      html, std::regex(R"((src|href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase)));
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  // The inlined data parses.
  const std::string open = "<script type=\"application/json\" id=\"data\">";
  const auto begin = html.find(open);
  ASSERT_NE(begin, std::string::npos);
  const auto end = html.find("</script>", begin);
  const json data = json::parse(html.substr(begin + open.size(), end - begin - open.size()));
  EXPECT_EQ(data["tasks"].size(), 2u);
  EXPECT_EQ(data["memory"].size(), 1u);
}

TEST(Recorder, PrometheusTextParses) {
  Recorder r("processes:2");
  const NameId inc = r.intern("inc");
  const NameId odd = r.intern("we\"ird\\name\nx");
  const NameId w1 = r.intern("worker-1");
  submit(r, {1, 2, 3, 4}, inc);
  std::vector<std::uint64_t> run{1, 2};
  r.running(run);
  std::vector<TaskRecord> done{record(1, inc, w1, 0, 10.0, 10.5),
                               record(9, odd, w1, 0, 10.0, 10.00002, false)};
  r.finished(done);
  std::vector<TransferRecord> moved{TransferRecord{w1, inc, 64, 10.5, 10.55}};
  r.transferred(moved);
  r.workers({WorkerSample{"worker-1", "h", 2, 12.5, 1000, 0, 3, 300, 7, 1, 10}});
  const std::string text = r.prometheus_text();

  const std::string dir = ::testing::TempDir();
  const std::string metrics = dir + "recorder_metrics.txt";
  const std::string script = dir + "recorder_metrics.py";
  std::ofstream(metrics) << text;
  std::ofstream(script) << R"(import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
s = {}
types = {}
for family in text_string_to_metric_families(text):
    types[family.name] = family.type
    for sample in family.samples:
        s[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
def check(name, labels, value):
    got = s.get((name, tuple(sorted(labels.items()))))
    if got != value:
        sys.exit("%s %s: %r, expected %r" % (name, labels, got, value))
check("weft_tasks", {"state": "waiting"}, 2)
check("weft_tasks", {"state": "running"}, 1)
check("weft_tasks_finished_total", {"state": "done"}, 1)
check("weft_tasks_finished_total", {"state": "failed"}, 1)
check("weft_task_duration_seconds_count", {"name": "inc"}, 1)
check("weft_task_duration_seconds_sum", {"name": "inc"}, 0.5)
check("weft_task_duration_seconds_bucket", {"name": "inc", "le": "0.25"}, 0)
check("weft_task_duration_seconds_bucket", {"name": "inc", "le": "0.5"}, 1)
check("weft_task_duration_seconds_bucket", {"name": "inc", "le": "+Inf"}, 1)
check("weft_task_duration_seconds_bucket", {"name": "we\"ird\\name\nx", "le": "2.5e-05"}, 1)
check("weft_worker_memory_bytes", {"worker": "worker-1"}, 1000)
check("weft_worker_cpu_percent", {"worker": "worker-1"}, 12.5)
check("weft_worker_objects", {"worker": "worker-1"}, 3)
check("weft_worker_spilled_bytes", {"worker": "worker-1"}, 7)
check("weft_worker_running_tasks", {"worker": "worker-1"}, 1)
check("weft_workers", {}, 1)
check("weft_transfers_total", {}, 1)
check("weft_transferred_bytes_total", {}, 64)
expected = {"weft_tasks": "gauge", "weft_tasks_finished": "counter",
            "weft_task_duration_seconds": "histogram", "weft_transfers": "counter"}
for name, kind in expected.items():
    if types.get(name) != kind:
        sys.exit("family %s: %r, expected %r" % (name, types.get(name), kind))
)";
  const std::string command = std::string(WEFT_TEST_PYTHON) + " " + script + " " + metrics;
  EXPECT_EQ(std::system(command.c_str()), 0) << text;
  EXPECT_NE(text.find("# HELP weft_tasks "), std::string::npos);
  EXPECT_NE(text.find("# TYPE weft_task_duration_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace weft::diag
