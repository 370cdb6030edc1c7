// The dashboard's HTTP server (cpp-httplib, private to this file).
//
// httplib runs each connection on a thread of a fixed pool, and an event stream holds its
// thread for as long as the page stays open; so streams are capped below the pool size,
// which keeps /metrics and the page answering however many tabs are open.
#include "diag/dashboard.hpp"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "diag/dashboard_page.hpp"
#include "weft/error.hpp"

namespace weft::diag {
namespace {

constexpr std::size_t kThreads = 8;
constexpr int kMaxStreams = 6;
constexpr auto kEventInterval = std::chrono::milliseconds(250);

// The "seq" of a snapshot without parsing the rest; 0 when absent. Text in a task name or
// an error message cannot match: a quote inside a JSON string is escaped (\"seq\":).
std::uint64_t parse_seq(std::string_view json) {
  constexpr std::string_view kKey = "\"seq\":";
  const auto at = json.find(kKey);
  if (at == std::string_view::npos) return 0;
  return std::strtoull(json.data() + at + kKey.size(), nullptr, 10);
}

std::uint64_t since_param(const httplib::Request& req) {
  if (!req.has_param("since")) return 0;
  return std::strtoull(req.get_param_value("since").c_str(), nullptr, 10);
}

}  // namespace

struct DashboardServer::Impl {
  const Recorder& recorder;
  std::string host;
  int port = 0;
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> listen_ended{false};

  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  int streams = 0;

  Impl(const Recorder& r, std::string h) : recorder(r), host(std::move(h)) {}

  void routes();
  void stream_events(const httplib::Request& req, httplib::Response& res);
};

void DashboardServer::Impl::routes() {
  for (std::size_t i = 0; i < kPageFileCount; ++i) {
    const PageFile& file = kPageFiles[i];
    const std::string path = file.path == "/index.html" ? "/" : std::string(file.path);
    server.Get(path, [&file](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(file.body.data(), file.body.size(), std::string(file.content_type));
    });
  }
  server.Get("/api/snapshot", [this](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(recorder.snapshot_json(since_param(req)), "application/json");
  });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(recorder.prometheus_text(), "text/plain; version=0.0.4");
  });
  server.Get("/trace.json", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Disposition", "attachment; filename=\"weft-trace.json\"");
    res.set_content(recorder.chrome_trace_json(), "application/json");
  });
  server.Get("/report.html", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(recorder.html_report(), "text/html; charset=utf-8");
  });
  server.Get("/events", [this](const httplib::Request& req, httplib::Response& res) {
    stream_events(req, res);
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) res.set_content(std::to_string(res.status) + "\n", "text/plain");
  });
}

void DashboardServer::Impl::stream_events(const httplib::Request& req, httplib::Response& res) {
  {
    std::lock_guard lock(mu);
    if (streams >= kMaxStreams) {
      res.status = 503;
      res.set_content("too many event streams\n", "text/plain");
      return;
    }
    ++streams;
  }
  // A page reconnecting passes the last seq it applied; a restarted recorder numbers from
  // scratch, so a `since` ahead of it means start over.
  auto since = std::make_shared<std::uint64_t>(since_param(req));
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, since](std::size_t offset, httplib::DataSink& sink) {
        if (offset > 0) {
          std::unique_lock lock(mu);
          if (wake.wait_for(lock, kEventInterval, [this] { return stopping; })) return false;
        }
        std::string json = recorder.snapshot_json(*since);
        std::uint64_t seq = parse_seq(json);
        if (seq < *since) {
          json = recorder.snapshot_json(0);
          seq = parse_seq(json);
        }
        *since = seq;
        std::string event;
        event.reserve(json.size() + 8);
        event += "data: ";
        event += json;
        event += "\n\n";
        return sink.write(event.data(), event.size());
      },
      [this](bool) {
        std::lock_guard lock(mu);
        --streams;
      });
}

DashboardServer::DashboardServer(const Recorder& recorder, std::string host, int port)
    : impl_(std::make_unique<Impl>(recorder, std::move(host))) {
  Impl& s = *impl_;
  s.server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  // httplib's default sets SO_REUSEPORT, with which a second server binds a port already
  // in use and silently shares it; SO_REUSEADDR alone makes that a bind error.
  s.server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // An idle keep-alive connection holds its thread until this timeout, and so does stop().
  s.server.set_keep_alive_timeout(1);
  s.routes();
  const bool bound = port == 0 ? (s.port = s.server.bind_to_any_port(s.host)) > 0
                               : (s.port = port, s.server.bind_to_port(s.host, port));
  if (!bound) {
    throw ConfigError("dashboard: cannot listen on " + s.host + ":" + std::to_string(port));
  }
  s.thread = std::thread([&s] {
    s.server.listen_after_bind();
    s.listen_ended = true;
  });
  // stop() does nothing before the server runs, and the destructor relies on it.
  while (!s.server.is_running() && !s.listen_ended)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

DashboardServer::~DashboardServer() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->server.stop();
  impl_->thread.join();
}

int DashboardServer::port() const { return impl_->port; }

std::string DashboardServer::url() const {
  const std::string& h = impl_->host;
  const bool wildcard = h.empty() || h == "0.0.0.0" || h == "::";
  std::string host = wildcard ? "127.0.0.1" : h;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(impl_->port) + "/";
}

}  // namespace weft::diag
