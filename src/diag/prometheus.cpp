// Recorder: /metrics, in the Prometheus text exposition format 0.0.4.
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "diag/json_text.hpp"
#include "diag/recorder.hpp"

namespace weft::diag {
namespace {

using detail::append_chars;

// Label values escape backslash, double quote and newline, and nothing else.
void append_label(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += "=\"";
  for (const char ch : value) {
    if (ch == '\\') {
      out += "\\\\";
    } else if (ch == '"') {
      out += "\\\"";
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  out += '"';
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    append_chars(out, buf, r.ptr);
  }
}

void append_value(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  append_chars(out, buf, r.ptr);
}

void append_family(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// name{key="label"} value
template <class V>
void append_sample(std::string& out, std::string_view name, std::string_view key,
                   std::string_view label, V value) {
  out += name;
  if (!key.empty()) {
    out += '{';
    append_label(out, key, label);
    out += '}';
  }
  out += ' ';
  append_value(out, value);
  out += '\n';
}

}  // namespace

std::string Recorder::prometheus_text() const {
  const Copy c = copy(CopyWhat{});
  std::string out;
  out.reserve(4096 + c.stats.size() * 2048 + c.workers.size() * 512);

  append_family(out, "weft_tasks", "gauge", "Tasks in the scheduler's graph, by state.");
  append_sample(out, "weft_tasks", "state", "waiting", c.totals[0]);
  append_sample(out, "weft_tasks", "state", "running", c.totals[1]);
  append_family(out, "weft_tasks_finished_total", "counter",
                "Tasks that finished, by outcome (done or failed).");
  append_sample(out, "weft_tasks_finished_total", "state", "done", c.totals[2]);
  append_sample(out, "weft_tasks_finished_total", "state", "failed", c.totals[3]);

  append_family(out, "weft_task_duration_seconds", "histogram",
                "Execution time of tasks, by task name.");
  for (std::size_t i = 0; i < c.stats.size(); ++i) {
    const NameStats& s = c.stats[i];
    if (s.finished == 0) continue;
    std::string labels;
    append_label(labels, "name", c.name(static_cast<NameId>(i)));
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= kBuckets; ++b) {
      cumulative += s.buckets[b];
      out += "weft_task_duration_seconds_bucket{";
      out += labels;
      out += ",le=\"";
      append_value(out, b < kBuckets ? bucket_bound(b) : INFINITY);
      out += "\"} ";
      append_value(out, cumulative);
      out += '\n';
    }
    out += "weft_task_duration_seconds_sum{" + labels + "} ";
    append_value(out, s.seconds);
    out += "\nweft_task_duration_seconds_count{" + labels + "} ";
    append_value(out, s.finished);
    out += '\n';
  }

  append_family(out, "weft_workers", "gauge", "Workers connected.");
  append_sample(out, "weft_workers", "", "", std::uint64_t{c.workers.size()});
  const auto per_worker = [&](std::string_view name, std::string_view help, auto value) {
    append_family(out, name, "gauge", help);
    for (const WorkerSample& w : c.workers) append_sample(out, name, "worker", w.name, value(w));
  };
  per_worker("weft_worker_memory_bytes", "Resident memory of the worker process.",
             [](const WorkerSample& w) { return w.memory; });
  per_worker("weft_worker_memory_limit_bytes", "The worker's memory limit (0: none).",
             [](const WorkerSample& w) { return w.memory_limit; });
  per_worker("weft_worker_cpu_percent", "CPU use of the worker, in percent of one core.",
             [](const WorkerSample& w) { return w.cpu; });
  per_worker("weft_worker_objects", "Objects the worker holds.",
             [](const WorkerSample& w) { return w.objects; });
  per_worker("weft_worker_object_bytes", "Bytes of the objects the worker holds.",
             [](const WorkerSample& w) { return w.object_bytes; });
  per_worker("weft_worker_spilled_bytes", "Bytes of the worker's objects spilled to disk.",
             [](const WorkerSample& w) { return w.spilled_bytes; });
  per_worker("weft_worker_running_tasks", "Tasks assigned to the worker and not finished.",
             [](const WorkerSample& w) { return std::uint64_t{w.running}; });

  append_family(out, "weft_transfers_total", "counter", "Objects moved between processes.");
  append_sample(out, "weft_transfers_total", "", "", c.transfers_total);
  append_family(out, "weft_transferred_bytes_total", "counter",
                "Bytes of the objects moved between processes.");
  append_sample(out, "weft_transferred_bytes_total", "", "", c.transferred_bytes_total);
  return out;
}

}  // namespace weft::diag
