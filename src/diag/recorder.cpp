// Recorder: feeding. Every call takes the mutex once and touches only preallocated state
// (counters indexed by NameId, an open-addressing id table, rings that stop growing at
// their bound), so the scheduler's hot path pays an append, not an allocation.
#include "diag/recorder.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace weft::diag {
namespace {

constexpr std::size_t kMaxTasks = 1'000'000;
constexpr std::size_t kMaxTransfers = 1'000'000;
constexpr std::size_t kMemoryPoints = 3600;  // half an hour at two samples a second
constexpr std::size_t kMaxErrors = 20;
constexpr std::size_t kGraphMax = 300;
// failed() ids remembered to avoid counting a failure twice; failures are rare and their
// TaskRecord arrives right after, so a short memory suffices.
constexpr std::size_t kMaxFailedIds = 4096;
constexpr double kBounds[] = {1e-5, 2.5e-5, 5e-5,   1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3,
                              5e-3, 1e-2,   2.5e-2, 5e-2, 0.1,    0.25, 0.5,  1,
                              2.5,  5,      10,     25,   50,     100};

}  // namespace

double wall_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double Recorder::bucket_bound(std::size_t i) { return kBounds[i]; }

Recorder::Recorder(std::string runtime)
    : runtime_(std::move(runtime)),
      origin_(wall_time()),
      tasks_(kMaxTasks),
      transfers_(kMaxTransfers),
      memory_points_(kMemoryPoints) {}

NameId Recorder::intern(std::string_view name) {
  std::lock_guard lock(mu_);
  std::string key(name);
  const auto it = name_ids_.find(key);
  if (it != name_ids_.end()) return it->second;
  const auto id = static_cast<NameId>(names_.size());
  names_.push_back(key);
  name_ids_.emplace(std::move(key), id);
  stats_.resize(names_.size());
  return id;
}

Recorder::NameStats& Recorder::stats_for(NameId name) {
  // An id intern() never returned would index past the end; tolerate it rather than
  // corrupt memory (its name prints as "?").
  if (name >= stats_.size()) [[unlikely]]
    stats_.resize(std::size_t{name} + 1);
  return stats_[name];
}

void Recorder::start_computation() {
  graph_nodes_.clear();
  graph_edges_.clear();
  graph_index_.clear();
  graph_size_ = 0;
  graph_drawn_ = true;
}

void Recorder::submitted(std::span<const std::uint64_t> ids, std::span<const NameId> names,
                         std::span<const std::vector<std::uint64_t>> deps) {
  std::lock_guard lock(mu_);
  const std::size_t n = std::min(ids.size(), names.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (totals_[0] + totals_[1] == 0) start_computation();
    const std::uint64_t id = ids[i];
    if (live_.find(id) != nullptr) continue;  // submitted twice: keep the first
    NameStats& s = stats_for(names[i]);
    s.task = true;
    ++s.count[0];
    ++totals_[0];
    ++graph_size_;
    Live live{names[i], State::kWaiting, -1};
    if (graph_drawn_ && graph_size_ > kGraphMax) {
      graph_drawn_ = false;
      graph_nodes_ = {};  // gives the memory back: a big computation may run for hours
      graph_edges_ = {};
      graph_index_.clear();
    }
    if (graph_drawn_) {
      live.node = static_cast<std::int32_t>(graph_nodes_.size());
      graph_nodes_.push_back(GraphNode{id, names[i], State::kWaiting, false});
      graph_index_.put(id, live.node);
      if (i < deps.size()) {
        for (const std::uint64_t dep : deps[i]) {
          // Dependencies from earlier computations are not drawn, nor their edges.
          if (graph_index_.find(dep) != nullptr) graph_edges_.emplace_back(dep, id);
        }
      }
    }
    live_.put(id, live);
  }
}

void Recorder::running(std::span<const std::uint64_t> ids) {
  std::lock_guard lock(mu_);
  for (const std::uint64_t id : ids) {
    Live* live = live_.find(id);
    if (live == nullptr || live->state != State::kWaiting) continue;
    NameStats& s = stats_for(live->name);
    --s.count[0];
    ++s.count[1];
    --totals_[0];
    ++totals_[1];
    live->state = State::kRunning;
    if (graph_drawn_ && live->node >= 0)
      graph_nodes_[static_cast<std::size_t>(live->node)].state = State::kRunning;
  }
}

void Recorder::count_finished(NameStats& s, State state, double seconds, bool counted) {
  s.task = true;
  if (!counted) {
    ++s.count[static_cast<std::size_t>(state)];
    ++totals_[static_cast<std::size_t>(state)];
  }
  if (!(seconds >= 0)) seconds = 0;  // a clock step back, or NaN
  s.seconds += seconds;
  s.max_seconds = std::max(s.max_seconds, seconds);
  ++s.finished;
  std::size_t b = 0;
  while (b < kBuckets && seconds > kBounds[b]) ++b;
  ++s.buckets[b];
}

void Recorder::leave(std::uint64_t id, const Live& live, State to, bool forgotten) {
  const auto from = static_cast<std::size_t>(live.state);
  NameStats& s = stats_for(live.name);
  --s.count[from];
  --totals_[from];
  if (graph_drawn_ && live.node >= 0) {
    GraphNode& node = graph_nodes_[static_cast<std::size_t>(live.node)];
    node.state = to;
    node.forgotten = forgotten;
  }
  live_.erase(id);
}

void Recorder::finished(std::span<const TaskRecord> tasks) {
  std::lock_guard lock(mu_);
  for (const TaskRecord& t : tasks) {
    tasks_.push(Stored<TaskRecord>{t, ++seq_});
    const State to = t.ok ? State::kDone : State::kFailed;
    if (Live* live = live_.find(t.id)) {
      const NameId name = live->name;
      leave(t.id, *live, to, false);
      count_finished(stats_for(name), to, t.end - t.start, false);
    } else {
      // Never submitted here (an actor call, or recording began mid-run): still counted,
      // unless failed() counted it already, when only its time is.
      const bool counted = !failed_ids_.empty() && failed_ids_.count(t.id) != 0;
      count_finished(stats_for(t.name), to, t.end - t.start, counted);
    }
  }
}

void Recorder::failed(std::uint64_t id, ErrorRecord error, bool listed) {
  std::lock_guard lock(mu_);
  if (Live* live = live_.find(id)) {
    const NameId name = live->name;
    leave(id, *live, State::kFailed, false);
    // Its execution time, if any, comes with a TaskRecord, which must not count it again.
    NameStats& s = stats_for(name);
    s.task = true;
    ++s.count[3];
    ++totals_[3];
    if (failed_ids_.insert(id).second) {
      failed_order_.push_back(id);
      if (failed_order_.size() > kMaxFailedIds) {
        failed_ids_.erase(failed_order_.front());
        failed_order_.pop_front();
      }
    }
  }
  if (!listed) return;
  errors_.push_back(std::move(error));
  if (errors_.size() > kMaxErrors) errors_.pop_front();
}

void Recorder::forgotten(std::span<const std::uint64_t> ids) {
  std::lock_guard lock(mu_);
  for (const std::uint64_t id : ids) {
    if (Live* live = live_.find(id)) leave(id, *live, State::kWaiting, true);
  }
}

void Recorder::transferred(std::span<const TransferRecord> transfers) {
  std::lock_guard lock(mu_);
  for (const TransferRecord& t : transfers) {
    transfers_.push(Stored<TransferRecord>{t, ++seq_});
    ++transfers_total_;
    transferred_bytes_total_ += t.bytes;
    PairTotals& p = pairs_[std::uint64_t{t.from} << 32 | t.to];
    ++p.count;
    p.bytes += t.bytes;
  }
}

void Recorder::workers(std::vector<WorkerSample> table) {
  const double now = wall_time();
  std::vector<NameId> ids;
  ids.reserve(table.size());
  for (const WorkerSample& w : table) ids.push_back(intern(w.name));
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < table.size(); ++i) {
    auto it = std::find_if(memory_.begin(), memory_.end(),
                           [&](const MemoryHistory& h) { return h.worker == ids[i]; });
    if (it == memory_.end()) {
      memory_.push_back(MemoryHistory{ids[i], detail::Ring<MemoryPoint>(memory_points_)});
      it = memory_.end() - 1;
    }
    it->points.push(MemoryPoint{now, table[i].memory});
  }
  workers_ = std::move(table);
}

const std::string& Recorder::Copy::name(NameId id) const {
  static const std::string kUnknown = "?";
  return id < names.size() ? names[id] : kUnknown;
}

Recorder::Copy Recorder::copy(const CopyWhat& what) const {
  Copy c;
  std::lock_guard lock(mu_);
  c.runtime = runtime_;
  c.origin = origin_;
  c.seq = seq_;
  c.names = names_;
  c.stats = stats_;
  std::copy(std::begin(totals_), std::end(totals_), std::begin(c.totals));
  c.workers = workers_;
  // Records are in seq order: the first one after `since` is found by bisection.
  const auto first_after = [&](const auto& ring, std::size_t max) {
    std::size_t lo = 0;
    std::size_t hi = ring.size();
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (ring[mid].seq <= what.since) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return std::max(lo, ring.size() - std::min(ring.size(), max));
  };
  c.tasks.reserve(std::min(tasks_.size(), what.max_tasks));
  for (std::size_t i = first_after(tasks_, what.max_tasks); i < tasks_.size(); ++i) {
    c.tasks.push_back(tasks_[i].record);
  }
  c.transfers.reserve(std::min(transfers_.size(), what.max_transfers));
  for (std::size_t i = first_after(transfers_, what.max_transfers); i < transfers_.size(); ++i) {
    c.transfers.push_back(transfers_[i].record);
  }
  if (what.memory) c.memory = memory_;
  c.pairs.assign(pairs_.begin(), pairs_.end());
  c.transfers_total = transfers_total_;
  c.transferred_bytes_total = transferred_bytes_total_;
  if (what.graph && graph_drawn_) {
    c.graph_nodes = graph_nodes_;
    c.graph_edges = graph_edges_;
  }
  c.graph_drawn = graph_drawn_;
  c.graph_size = graph_size_;
  c.errors.assign(errors_.begin(), errors_.end());
  return c;
}

}  // namespace weft::diag
