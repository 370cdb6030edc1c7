// Recorder: Chrome trace event JSON, for chrome://tracing and ui.perfetto.dev.
//
// Written by hand rather than through nlohmann::json: a trace holds up to a million task
// executions, and a JSON tree of them would take gigabytes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "diag/json_text.hpp"
#include "diag/recorder.hpp"

namespace weft::diag {
namespace {

using detail::append_json_number;
using detail::append_json_string;

// Thread ids of a worker's process are its thread numbers plus one; transfers get a track
// beyond any plausible thread number.
constexpr std::uint64_t kTransfersTid = 1'000'000;

std::string thread_label(std::uint32_t thread) {
  // Appended, not operator+: GCC 12 warns (-Wrestrict) falsely on "literal" + string.
  std::string s("thread ");
  s.append(std::to_string(thread));
  return s;
}

}  // namespace

std::string Recorder::chrome_trace_json() const {
  const Copy c = copy(CopyWhat{.since = 0,
                               .max_tasks = SIZE_MAX,
                               .max_transfers = SIZE_MAX,
                               .memory = true,
                               .graph = false});
  // A process per worker, numbered from 1 in the order the recorder met their names.
  std::set<NameId> worker_ids;
  std::set<std::pair<NameId, std::uint32_t>> threads;
  std::set<NameId> senders;
  double t0 = INFINITY;
  for (const TaskRecord& t : c.tasks) {
    worker_ids.insert(t.worker);
    threads.emplace(t.worker, t.thread);
    t0 = std::min(t0, t.start);
  }
  for (const TransferRecord& t : c.transfers) {
    worker_ids.insert(t.from);
    worker_ids.insert(t.to);
    senders.insert(t.from);
    t0 = std::min(t0, t.start);
  }
  for (const MemoryHistory& h : c.memory) {
    if (h.points.empty()) continue;
    worker_ids.insert(h.worker);
    t0 = std::min(t0, h.points[0].time);
  }
  if (!(t0 < INFINITY)) t0 = c.origin;
  std::map<NameId, std::uint64_t> pid;
  for (const NameId w : worker_ids) pid.emplace(w, pid.size() + 1);
  const auto micros = [&](double t) { return (t - t0) * 1e6; };

  std::string out;
  out.reserve(256 + c.tasks.size() * 110 + c.transfers.size() * 130);
  out += "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"runtime\":";
  append_json_string(out, c.runtime);
  out += ",\"epoch_seconds_at_zero\":";
  append_json_number(out, t0);
  out += "},\"traceEvents\":[";
  bool first = true;
  const auto begin_event = [&](const char* ph, std::uint64_t p, std::uint64_t tid) {
    out += first ? "\n{\"ph\":\"" : ",\n{\"ph\":\"";
    first = false;
    out += ph;
    out += "\",\"pid\":";
    append_json_number(out, p);
    out += ",\"tid\":";
    append_json_number(out, tid);
  };
  const auto metadata = [&](const char* what, std::uint64_t p, std::uint64_t tid,
                            const std::string& name) {
    begin_event("M", p, tid);
    out += ",\"name\":\"";
    out += what;
    out += "\",\"args\":{\"name\":";
    append_json_string(out, name);
    out += "}}";
  };
  for (const auto& [w, p] : pid) metadata("process_name", p, 0, c.name(w));
  for (const auto& [w, thread] : threads) {
    metadata("thread_name", pid[w], std::uint64_t{thread} + 1, thread_label(thread));
  }
  for (const NameId w : senders) metadata("thread_name", pid[w], kTransfersTid, "transfers");

  for (const TaskRecord& t : c.tasks) {
    begin_event("X", pid[t.worker], std::uint64_t{t.thread} + 1);
    out += ",\"name\":";
    append_json_string(out, c.name(t.name));
    out += ",\"ts\":";
    append_json_number(out, micros(t.start));
    out += ",\"dur\":";
    append_json_number(out, std::max(0.0, (t.end - t.start) * 1e6));
    out += ",\"args\":{\"id\":\"";
    append_json_number(out, t.id);
    out += t.ok ? "\",\"ok\":true}}" : "\",\"ok\":false}}";
  }
  std::string label;
  for (const TransferRecord& t : c.transfers) {
    begin_event("X", pid[t.from], kTransfersTid);
    out += ",\"name\":";
    label.assign("to ");
    label.append(c.name(t.to));
    append_json_string(out, label);
    out += ",\"ts\":";
    append_json_number(out, micros(t.start));
    out += ",\"dur\":";
    append_json_number(out, std::max(0.0, (t.end - t.start) * 1e6));
    out += ",\"args\":{\"from\":";
    append_json_string(out, c.name(t.from));
    out += ",\"to\":";
    append_json_string(out, c.name(t.to));
    out += ",\"bytes\":";
    append_json_number(out, t.bytes);
    out += "}}";
  }
  for (const MemoryHistory& h : c.memory) {
    for (std::size_t i = 0; i < h.points.size(); ++i) {
      begin_event("C", pid[h.worker], 0);
      out += ",\"name\":\"memory\",\"ts\":";
      append_json_number(out, micros(h.points[i].time));
      out += ",\"args\":{\"bytes\":";
      append_json_number(out, h.points[i].bytes);
      out += "}}";
    }
  }
  out += "\n]}\n";
  return out;
}

}  // namespace weft::diag
