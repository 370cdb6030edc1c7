// Seeing what runs: the dashboard, traces and reports of a run.
//
//   weft::Config c = weft::Config::parse("processes:2");
//   c.dashboard_port = 8787;             // or WEFT_DASHBOARD=8787 in the environment
//   weft::Runtime rt = weft::init(c);
//   std::cout << "dashboard at " << weft::dashboard_url() << "\n";
//   ... run tasks ...
//   weft::save_trace("run.json");        // open in ui.perfetto.dev
//   weft::save_report("run.html");       // a self-contained page, like Dask's performance_report
//
// What runs is recorded where the whole run is seen: in this process on the threads runtime,
// in the scheduler on a cluster. Recording is off unless a dashboard is served or
// Config::record (WEFT_RECORD=1) asks for it; with both on, no-op task throughput drops by
// under 5% (bench/observe_bench.cpp). For a cluster started with `weft scheduler`, the
// scheduler's own --dashboard flag decides (it serves one on port 8787 by default).
#pragma once

#include <string>

namespace weft {

// The URL of the running runtime's dashboard, e.g. "http://127.0.0.1:8787/", or "" when it
// serves none (or, for a cluster joined with connect:, when it is the scheduler's to say:
// `weft scheduler` prints it).
std::string dashboard_url();

// Writes the task executions, transfers and worker memory recorded so far as Chrome trace
// event JSON (chrome://tracing, ui.perfetto.dev). Throws ConfigError when the runtime
// records nothing (no dashboard, Config::record off), Error when the file cannot be written
// or the scheduler does not answer.
void save_trace(const std::string& path);

// As save_trace, as one self-contained HTML page: task stream, time per task name,
// transfers, worker memory over time.
void save_report(const std::string& path);

}  // namespace weft
