// DashboardServer: the live dashboard of a Recorder over HTTP.
//
// Routes: / (the page, with /app.js and /style.css), /events (server-sent events: a
// snapshot every 250 ms carrying only what is new since the previous one),
// /api/snapshot?since=N, /metrics (Prometheus), /trace.json (Chrome trace, as a download),
// /report.html. The HTTP library stays inside dashboard.cpp: this header is all callers see.
#pragma once

#include <memory>
#include <string>

#include "diag/recorder.hpp"

namespace weft::diag {

class DashboardServer {
 public:
  // Serves `recorder` on host:port on its own threads until destroyed; port 0 picks a free
  // one. Throws weft::ConfigError naming host:port when it cannot bind.
  // REQUIRES: `recorder` outlives the server.
  DashboardServer(const Recorder& recorder, std::string host, int port);
  // Stops and joins; open event streams end within a fraction of a second.
  ~DashboardServer();

  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  int port() const;
  // "http://127.0.0.1:PORT/" (the host given, unless it is a wildcard address).
  std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::diag
