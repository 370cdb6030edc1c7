// The scheduler process: sched::Scheduler (the decisions) behind a ZeroMQ ROUTER.
//
// One thread. Each loop turn drains the messages waiting on the socket, turns them into
// scheduler events, and sends the resulting actions as one batch per peer, so a burst of
// submissions or finishes costs one message each way per peer, not one per task. The
// server keeps beside the state machine only what it cannot: each task's call (function
// and arguments) until the task is forgotten, which client to tell about it, and the
// peers' addresses. Workers that stop sending heartbeats are reported as WorkerLeft.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace weft::server {

struct Options {
  // Where to listen, e.g. "tcp://0.0.0.0:8786"; port * (or 0) picks a free one.
  std::string listen = "tcp://127.0.0.1:0";
  double heartbeat_timeout = 5;  // seconds of silence before a worker is declared dead
  // Recording of what runs where (diag::Recorder), for reports and traces; on when the
  // dashboard is. Costs under 5% of the no-op task throughput (bench/observe_bench).
  bool record = false;
  // Serve the dashboard (and /metrics) on this port of dashboard_host; 0 picks a free one,
  // -1 serves none.
  int dashboard_port = -1;
  std::string dashboard_host = "127.0.0.1";
  // When dashboard_port is taken: serve on a free port (logged) instead of failing.
  bool dashboard_port_fallback = false;
  // Called once the socket is bound, with the address clients should use and the
  // dashboard's URL ("" without one).
  std::function<void(const std::string& address, const std::string& dashboard)> on_ready;
};

// Serves until a ShutdownQuery arrives (then tells every worker to stop) or `stop` becomes
// true. Returns a process exit code. Throws ConfigError when it cannot bind.
int run_scheduler(const Options& options, const std::atomic<bool>* stop = nullptr);

}  // namespace weft::server
