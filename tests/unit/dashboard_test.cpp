// The dashboard server over real HTTP: every route, the event stream's increments, bind
// errors, and a prompt shutdown with a page still connected.
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "diag/dashboard.hpp"
#include "diag/recorder.hpp"
#include "gtest/gtest.h"
#include "weft/error.hpp"

namespace weft::diag {
namespace {

using nlohmann::json;

TaskRecord task(Recorder& rec, std::uint64_t id, std::string_view name, std::uint32_t thread,
                bool ok = true) {
  const double now = wall_time();
  return {.id = id,
          .name = rec.intern(name),
          .worker = rec.intern("worker-1"),
          .thread = thread,
          .start = now - 0.2,
          .end = now - 0.1,
          .ok = ok};
}

// The error message looks like the snapshot's "seq" field, which the server reads.
class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<std::uint64_t> ids{1, 2, 3};
    const std::vector<NameId> names{rec_.intern("load"), rec_.intern("load"), rec_.intern("sum")};
    const std::vector<std::vector<std::uint64_t>> deps{{}, {}, {1, 2}};
    rec_.submitted(ids, names, deps);
    rec_.running(ids);
    const std::vector<TaskRecord> done{task(rec_, 1, "load", 0), task(rec_, 2, "load", 1)};
    rec_.finished(done);
    const std::vector<TaskRecord> bad{task(rec_, 3, "sum", 0, false)};
    rec_.finished(bad);
    rec_.failed(3, {.task = "sum",
                    .type = "std::runtime_error",
                    .message = "boom \"seq\": 99999999",
                    .worker = "worker-1",
                    .time = wall_time()});
    rec_.workers({{.name = "worker-1", .host = "localhost", .threads = 2, .memory = 1 << 20},
                  {.name = "worker-2", .host = "localhost", .threads = 2}});
  }

  Recorder rec_{"threads:4"};
};

TEST_F(DashboardTest, ServesThePageAndItsAssets) {
  DashboardServer server(rec_, "127.0.0.1", 0);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()) + "/");
  httplib::Client client("127.0.0.1", server.port());
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  for (const char* id : {"worker-count", "done-count", "failed-count", "running-count",
                         "task-stream", "progress", "workers", "errors", "graph"}) {
    EXPECT_NE(page->body.find("id=\"" + std::string(id) + "\""), std::string::npos) << id;
  }
  auto js = client.Get("/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_NE(js->get_header_value("Content-Type").find("javascript"), std::string::npos);
  EXPECT_NE(js->body.find("EventSource"), std::string::npos);
  auto css = client.Get("/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  auto missing = client.Get("/no-such-page");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(DashboardTest, SnapshotAndExports) {
  DashboardServer server(rec_, "127.0.0.1", 0);
  httplib::Client client("127.0.0.1", server.port());

  auto all = client.Get("/api/snapshot");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->status, 200);
  EXPECT_NE(all->get_header_value("Content-Type").find("application/json"), std::string::npos);
  const json snap = json::parse(all->body);
  EXPECT_EQ(snap["tasks"].size(), 3u);
  EXPECT_EQ(snap["workers"].size(), 2u);
  EXPECT_EQ(snap["totals"]["failed"], 1);
  auto none = client.Get("/api/snapshot?since=" + std::to_string(snap["seq"].get<std::uint64_t>()));
  ASSERT_TRUE(none);
  EXPECT_TRUE(json::parse(none->body)["tasks"].empty());

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_NE(metrics->body.find("weft_"), std::string::npos);

  auto trace = client.Get("/trace.json");
  ASSERT_TRUE(trace);
  EXPECT_NE(trace->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_TRUE(json::accept(trace->body));

  auto report = client.Get("/report.html");
  ASSERT_TRUE(report);
  EXPECT_NE(report->get_header_value("Content-Type").find("text/html"), std::string::npos);
  std::string head = report->body.substr(0, 200);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  EXPECT_TRUE(head.find("<html") != std::string::npos ||
              head.find("<!doctype html") != std::string::npos)
      << head;
}

// Reads events until `count` have arrived, calling `on_event` with each one's JSON.
void read_events(int port, int count, const std::function<void(const json&)>& on_event) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5);
  std::string buffer;
  int seen = 0;
  client.Get("/events", [&](const char* data, std::size_t size) {
    buffer.append(data, size);
    for (auto end = buffer.find("\n\n"); end != std::string::npos; end = buffer.find("\n\n")) {
      const std::string event = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      const auto at = event.find("data: ");
      if (at == std::string::npos) continue;
      on_event(json::parse(event.substr(at + 6)));
      if (++seen == count) return false;
    }
    return true;
  });
  EXPECT_EQ(seen, count);
}

TEST_F(DashboardTest, EventsCarryOnlyNewTasks) {
  DashboardServer server(rec_, "127.0.0.1", 0);
  std::vector<json> events;
  read_events(server.port(), 2, [&](const json& event) {
    events.push_back(event);
    if (events.size() == 1) {
      const std::vector<TaskRecord> more{task(rec_, 4, "load", 1)};
      rec_.finished(more);
    }
  });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["tasks"].size(), 3u);
  ASSERT_EQ(events[1]["tasks"].size(), 1u);
  EXPECT_EQ(events[1]["tasks"][0]["id"], "4");
  EXPECT_GT(events[1]["seq"].get<std::uint64_t>(), events[0]["seq"].get<std::uint64_t>());
}

TEST_F(DashboardTest, PortInUseIsAConfigError) {
  DashboardServer first(rec_, "127.0.0.1", 0);
  try {
    DashboardServer second(rec_, "127.0.0.1", first.port());
    FAIL() << "bound a port already in use";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << e.what();
  }
}

// Each open page holds one of the server's threads: past a cap, a page is turned away and
// the rest of the routes keep answering.
TEST_F(DashboardTest, OpenStreamsDoNotStarveOtherRoutes) {
  DashboardServer server(rec_, "127.0.0.1", 0);
  std::atomic<bool> done{false};
  std::atomic<int> streaming{0};
  std::vector<std::thread> readers;
  std::vector<int> statuses(7, 0);
  for (int i = 0; i < 7; ++i) {
    readers.emplace_back([&, i, port = server.port()] {
      httplib::Client client("127.0.0.1", port);
      bool counted = false;
      auto res = client.Get("/events", [&](const char*, std::size_t) {
        if (!counted) ++streaming, counted = true;
        return !done;
      });
      if (res) statuses[i] = res->status;
      if (!counted) ++streaming;
    });
  }
  while (streaming < 7) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(2);
  const auto start = std::chrono::steady_clock::now();
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 503), 1);
}

TEST_F(DashboardTest, StopsPromptlyWithAStreamOpen) {
  auto server = std::make_unique<DashboardServer>(rec_, "127.0.0.1", 0);
  std::atomic<bool> streaming{false};
  std::thread reader([&, port = server->port()] {
    httplib::Client client("127.0.0.1", port);
    client.Get("/events", [&](const char*, std::size_t) {
      streaming = true;
      return true;
    });
  });
  while (!streaming) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto start = std::chrono::steady_clock::now();
  server.reset();
  const auto took = std::chrono::steady_clock::now() - start;
  reader.join();
  EXPECT_LT(took, std::chrono::seconds(1));
}

}  // namespace
}  // namespace weft::diag
