#include "server/observer.hpp"

#include <utility>

#include "diag/dashboard.hpp"

namespace weft::server {

Observer::Observer(std::string label, const std::string& host, int port)
    : recorder_(std::move(label)) {
  recorder_.intern("(unknown)");  // name number 0: what a task the server forgot reports
  if (port >= 0) dashboard_ = std::make_unique<diag::DashboardServer>(recorder_, host, port);
}

Observer::~Observer() = default;

std::string Observer::dashboard_url() const { return dashboard_ ? dashboard_->url() : ""; }

void Observer::submitted(std::uint64_t id, diag::NameId name,
                         const std::vector<std::uint64_t>& deps) {
  submitted_.push_back(id);
  submitted_names_.push_back(name);
  submitted_deps_.push_back(deps);
}

void Observer::flush() {
  if (submitted_.empty() && running_.empty() && forgotten_.empty()) return;
  feed_.post([this, submitted = std::move(submitted_), names = std::move(submitted_names_),
              deps = std::move(submitted_deps_), running = std::move(running_),
              forgotten = std::move(forgotten_)] {
    if (!submitted.empty()) recorder_.submitted(submitted, names, deps);
    if (!running.empty()) recorder_.running(running);
    if (!forgotten.empty()) recorder_.forgotten(forgotten);
  });
  submitted_.clear();  // moved from: valid, and now empty for sure
  submitted_names_.clear();
  submitted_deps_.clear();
  running_.clear();
  forgotten_.clear();
}

diag::NameId Observer::worker_name(std::uint32_t id) {
  auto w = workers_.find(id);
  return w != workers_.end() ? w->second.name : recorder_.intern("worker " + std::to_string(id));
}

diag::TaskRecord Observer::record(diag::NameId worker, std::uint64_t id, diag::NameId name,
                                  const net::Execution& run, bool ok) {
  return diag::TaskRecord{id, name, worker, run.thread, run.start, run.start + run.duration, ok};
}

void Observer::failed_run(std::uint32_t worker, std::uint64_t id, diag::NameId name,
                          const net::Execution& run) {
  flush();                     // the task's submission and start come first
  if (run.start <= 0) return;  // it never ran: its error alone is recorded
  const diag::TaskRecord r = record(worker_name(worker), id, name, run, false);
  feed_.post([this, r] { recorder_.finished({&r, 1}); });
}

void Observer::erred(std::uint64_t id, std::uint64_t origin, const net::RemoteError& error) {
  flush();
  diag::ErrorRecord e{error.task_name, error.type_name, error.message, error.worker,
                      diag::wall_time()};
  feed_.post([this, id, e = std::move(e), listed = id == origin]() mutable {
    recorder_.failed(id, std::move(e), listed);
  });
}

void Observer::worker_joined(const net::WorkerInfo& info, std::uint64_t memory_limit) {
  WorkerView& w = workers_[info.id];
  w.name = recorder_.intern(info.name);
  w.sample.name = info.name;
  w.sample.host = info.host;
  w.sample.threads = info.nthreads;
  w.sample.memory_limit = memory_limit;
  w.sampled = std::chrono::steady_clock::now();
}

void Observer::worker_left(std::uint32_t id) { workers_.erase(id); }

void Observer::metrics(std::uint32_t worker, const net::WorkerMetrics& m) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) return;
  WorkerView& w = it->second;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - w.sampled).count();
  if (elapsed > 0 && m.cpu_seconds >= w.cpu_seconds) {
    w.sample.cpu = 100 * (m.cpu_seconds - w.cpu_seconds) / elapsed;
  }
  w.cpu_seconds = m.cpu_seconds;
  w.sampled = now;
  w.sample.memory = m.memory;
  w.sample.objects = m.objects;
  w.sample.object_bytes = m.object_bytes;
  w.sample.spilled_bytes = m.spilled_bytes;
  w.sample.transferred_bytes = m.sent_bytes;
  if (m.transfers.empty()) return;
  std::vector<diag::TransferRecord> transfers;
  transfers.reserve(m.transfers.size());
  for (const net::Transfer& t : m.transfers) {
    transfers.push_back(diag::TransferRecord{worker_name(t.from), w.name, t.bytes, t.start, t.end});
  }
  feed_.post([this, transfers = std::move(transfers)] { recorder_.transferred(transfers); });
}

net::Report Observer::report(const std::string& format) {
  feed_.sync();
  if (format == "trace") return net::Report{recorder_.chrome_trace_json(), ""};
  if (format == "report") return net::Report{recorder_.html_report(), ""};
  if (format == "snapshot") return net::Report{recorder_.snapshot_json(0), ""};
  return net::Report{"",
                     "unknown report format '" + format + "' (expected trace, report or snapshot)"};
}

}  // namespace weft::server
