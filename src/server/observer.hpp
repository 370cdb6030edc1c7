// Observer: the scheduler's view of a run for people, apart from the decisions.
//
// Feeds a diag::Recorder with what the scheduler server sees (submissions, tasks sent to
// workers, executions and errors workers report, workers' samples) and serves it on the
// dashboard's HTTP port when asked. The server calls it only when recording is on, and in
// batches (one call per message or per loop turn); the recorder applies them on a thread
// of its own (RecordFeed), so the scheduler's loop pays little more than the batching.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "diag/recorder.hpp"
#include "net/protocol.hpp"
#include "server/record_feed.hpp"

namespace weft::diag {
class DashboardServer;
}

namespace weft::server {

class Observer {
 public:
  // Serves the dashboard on host:port when port >= 0 (0: a free port). Throws ConfigError
  // when that port cannot be bound.
  Observer(std::string label, const std::string& host, int port);
  ~Observer();

  // The dashboard's URL, "" when it serves none.
  std::string dashboard_url() const;

  // The name number for a task's function (the progress view groups by it). Submissions
  // come in runs of one function: the last answer is kept, saving a lock and a lookup.
  diag::NameId intern(const std::string& function) {
    if (function != last_function_) {
      last_name_ = recorder_.intern(function);
      last_function_ = function;
    }
    return last_name_;
  }

  void submitted(std::uint64_t id, diag::NameId name, const std::vector<std::uint64_t>& deps);
  void running(std::uint64_t id) { running_.push_back(id); }
  // Sends what submitted() and running() gathered; once per loop turn.
  void flush();

  // `name_of(id)`: the task's name number, from the server's table of calls.
  template <class NameOf>
  void finished(std::uint32_t worker, std::span<const net::Result> results, NameOf&& name_of) {
    flush();  // their submission and start come first
    std::vector<diag::TaskRecord> records;
    records.reserve(results.size());
    const diag::NameId where = worker_name(worker);
    for (const net::Result& r : results) {
      records.push_back(record(where, r.id, name_of(r.id), r.run, true));
    }
    feed_.post([this, records = std::move(records)] { recorder_.finished(records); });
  }
  void failed_run(std::uint32_t worker, std::uint64_t id, diag::NameId name,
                  const net::Execution& run);
  // Task `id` failed with `error`; `origin`: the task that failed first (itself, or an
  // input), whose error alone is listed.
  void erred(std::uint64_t id, std::uint64_t origin, const net::RemoteError& error);
  void cancelled(std::uint64_t id) { forgotten_.push_back(id); }

  void worker_joined(const net::WorkerInfo& info, std::uint64_t memory_limit);
  void worker_left(std::uint32_t id);
  void metrics(std::uint32_t worker, const net::WorkerMetrics& m);
  // The workers table, once per sampling period. `running(id)`, `held(id)`: the scheduler's
  // count of tasks assigned to worker id and of objects it holds.
  template <class Running>
  void sample_workers(Running&& running_of) {
    std::vector<diag::WorkerSample> table;
    for (auto& [id, w] : workers_) {
      w.sample.running = running_of(id);
      table.push_back(w.sample);
    }
    feed_.post([this, table = std::move(table)]() mutable { recorder_.workers(std::move(table)); });
  }

  // "trace", "report" or "snapshot", as net::ReportQuery asks, with everything the server
  // has told the observer so far.
  net::Report report(const std::string& format);

 private:
  struct WorkerView {
    diag::NameId name = 0;
    diag::WorkerSample sample;
    double cpu_seconds = 0;  // at the last sample
    std::chrono::steady_clock::time_point sampled;
  };
  // The name number of worker `id`, as it said hello (or a made-up one).
  diag::NameId worker_name(std::uint32_t id);
  static diag::TaskRecord record(diag::NameId worker, std::uint64_t id, diag::NameId name,
                                 const net::Execution& run, bool ok);

  diag::Recorder recorder_;
  std::unique_ptr<diag::DashboardServer> dashboard_;
  std::unordered_map<std::uint32_t, WorkerView> workers_;
  // Gathered during a loop turn.
  std::vector<std::uint64_t> submitted_, running_, forgotten_;
  std::vector<diag::NameId> submitted_names_;
  std::vector<std::vector<std::uint64_t>> submitted_deps_;
  std::string last_function_;
  diag::NameId last_name_ = 0;
  RecordFeed feed_;  // last: destroyed first, having applied what it holds to recorder_
};

}  // namespace weft::server
