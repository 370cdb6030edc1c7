// Recorder: the dashboard's JSON snapshot (schema in recorder.hpp).
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_set>

#include "diag/recorder.hpp"

namespace weft::diag {
namespace {

constexpr std::size_t kSnapshotTasks = 20'000;
constexpr const char* kStateNames[] = {"waiting", "running", "done", "failed"};

}  // namespace

std::string Recorder::snapshot_json(std::uint64_t since) const {
  using nlohmann::json;
  const Copy c = copy(CopyWhat{.since = since,
                               .max_tasks = kSnapshotTasks,
                               .max_transfers = kSnapshotTasks,
                               .memory = false,
                               .graph = true});
  json out = json::object();
  out["seq"] = c.seq;
  out["runtime"] = c.runtime;
  out["now"] = wall_time();
  out["origin"] = c.origin;
  json totals = json::object();
  for (std::size_t s = 0; s < kStates; ++s) totals[kStateNames[s]] = c.totals[s];
  out["totals"] = std::move(totals);

  json progress = json::array();
  for (std::size_t i = 0; i < c.stats.size(); ++i) {
    const NameStats& s = c.stats[i];
    if (!s.task) continue;
    json p = {{"name", c.name(static_cast<NameId>(i))}};
    for (std::size_t k = 0; k < kStates; ++k) p[kStateNames[k]] = s.count[k];
    p["seconds"] = s.seconds;
    progress.push_back(std::move(p));
  }
  out["progress"] = std::move(progress);

  json workers = json::array();
  for (const WorkerSample& w : c.workers) {
    workers.push_back({{"name", w.name},
                       {"host", w.host},
                       {"threads", w.threads},
                       {"cpu", w.cpu},
                       {"memory", w.memory},
                       {"memory_limit", w.memory_limit},
                       {"objects", w.objects},
                       {"object_bytes", w.object_bytes},
                       {"spilled_bytes", w.spilled_bytes},
                       {"running", w.running},
                       {"transferred_bytes", w.transferred_bytes}});
  }
  out["workers"] = std::move(workers);

  json tasks = json::array();
  for (const TaskRecord& t : c.tasks) {
    tasks.push_back({{"id", std::to_string(t.id)},
                     {"name", c.name(t.name)},
                     {"worker", c.name(t.worker)},
                     {"thread", t.thread},
                     {"start", t.start},
                     {"end", t.end},
                     {"ok", t.ok}});
  }
  out["tasks"] = std::move(tasks);

  json transfers = json::array();
  for (const TransferRecord& t : c.transfers) {
    transfers.push_back({{"from", c.name(t.from)},
                         {"to", c.name(t.to)},
                         {"bytes", t.bytes},
                         {"start", t.start},
                         {"end", t.end}});
  }
  out["transfers"] = std::move(transfers);

  if (c.graph_drawn) {
    json nodes = json::array();
    for (const GraphNode& n : c.graph_nodes) {
      if (n.forgotten) continue;
      nodes.push_back({{"id", std::to_string(n.id)},
                       {"name", c.name(n.name)},
                       {"state", kStateNames[static_cast<std::size_t>(n.state)]}});
    }
    std::unordered_set<std::uint64_t> gone;
    for (const GraphNode& n : c.graph_nodes) {
      if (n.forgotten) gone.insert(n.id);
    }
    json edges = json::array();
    for (const auto& [from, to] : c.graph_edges) {
      if (gone.count(from) != 0 || gone.count(to) != 0) continue;
      edges.push_back({std::to_string(from), std::to_string(to)});
    }
    out["graph"] = {{"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
  } else {
    out["graph"] = nullptr;
  }
  out["graph_size"] = c.graph_size;

  json errors = json::array();
  for (const ErrorRecord& e : c.errors) {
    errors.push_back({{"task", e.task},
                      {"type", e.type},
                      {"message", e.message},
                      {"worker", e.worker},
                      {"time", e.time}});
  }
  out["errors"] = std::move(errors);
  // Replace, not throw, on invalid UTF-8: names and messages come from user code.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace weft::diag
