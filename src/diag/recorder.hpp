// Recorder: what ran where and when, for the dashboard, /metrics, traces and reports.
//
// One recorder per process that sees a whole run: the scheduler of a cluster, or a program
// on the threads runtime. Runtimes feed it events (tasks submitted, started, finished or
// failed; transfers between workers; workers' periodic samples); readers (the dashboard's
// HTTP threads, trace and report writers) take consistent copies out of it. Every method is
// thread-safe. Feeding is cheap (an append under a mutex held briefly, no allocation in the
// steady state apart from vector growth) so that recording costs under 5% of the no-op task
// throughput; names are interned once and events refer to them by number.
//
// Times are seconds since the Unix epoch (system clock), so that events from processes on
// one host line up; events from other hosts are as good as their clocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "diag/recorder_store.hpp"

namespace weft::diag {

// Seconds since the Unix epoch, now.
double wall_time();

using NameId = std::uint32_t;

// One execution of a task on one thread of one worker.
struct TaskRecord {
  std::uint64_t id = 0;  // the runtime's task id
  NameId name = 0;       // intern()'s number for the task's name (its function)
  NameId worker = 0;     // intern()'s number for the worker's name
  std::uint32_t thread = 0;
  double start = 0;  // wall_time() when it started
  double end = 0;    // and ended
  bool ok = true;
};

// One object moved between processes (worker to worker, worker to client).
struct TransferRecord {
  NameId from = 0;  // worker names, interned
  NameId to = 0;
  std::uint64_t bytes = 0;
  double start = 0;
  double end = 0;
};

// A worker as the workers table shows it, sampled every half second or so.
struct WorkerSample {
  std::string name;
  std::string host;
  std::uint32_t threads = 0;
  double cpu = 0;                       // percent of one core, averaged since the last sample
  std::uint64_t memory = 0;             // resident bytes of the process
  std::uint64_t memory_limit = 0;       // 0: none
  std::uint64_t objects = 0;            // objects it holds
  std::uint64_t object_bytes = 0;       // their bytes
  std::uint64_t spilled_bytes = 0;      // of those, on disk
  std::uint32_t running = 0;            // tasks assigned and not finished
  std::uint64_t transferred_bytes = 0;  // sent to peers and clients, since it started
};

// A failed task's error as the caller sees it.
struct ErrorRecord {
  std::string task;  // the task's name
  std::string type;  // the exception's type, e.g. "std::runtime_error"
  std::string message;
  std::string worker;
  double time = 0;
};

class Recorder {
 public:
  // `runtime`: shown on the page, e.g. "processes:2" or "tcp://10.0.0.1:8786".
  explicit Recorder(std::string runtime);

  // The number for `name`, the same for the life of the recorder.
  NameId intern(std::string_view name);

  // Tasks entered the graph (state waiting). `deps` of each (may be empty) feed the graph
  // view, which is drawn only while the current computation is small (a few hundred tasks).
  void submitted(std::span<const std::uint64_t> ids, std::span<const NameId> names,
                 std::span<const std::vector<std::uint64_t>> deps);
  // Tasks handed to a worker (state running; on the threads runtime: started).
  void running(std::span<const std::uint64_t> ids);
  // Tasks that ended (ok or failed).
  void finished(std::span<const TaskRecord> tasks);
  // Task `id` failed with `error`, which joins the last errors when `listed`: a task that
  // failed because an input did is counted, but its input's error is listed only once.
  void failed(std::uint64_t id, ErrorRecord error, bool listed = true);
  // Tasks that left the graph without running (cancelled, or released while waiting).
  void forgotten(std::span<const std::uint64_t> ids);
  void transferred(std::span<const TransferRecord> transfers);
  // The current table, replacing the previous one (workers absent from it have left).
  void workers(std::vector<WorkerSample> table);

  // JSON for the dashboard, with the task executions and transfers recorded after sequence
  // number `since` (0: all still kept, at most the last 20,000). Task ids are strings
  // (they exceed 2^53). Schema:
  //   {"seq": 1234,                         pass as `since` next time
  //    "runtime": "processes:2", "now": 1764123456.7, "origin": 1764123400.0,
  //    "totals": {"waiting": 0, "running": 2, "done": 10, "failed": 1},
  //    "progress": [{"name": "inc", "waiting": 0, "running": 2, "done": 10, "failed": 1,
  //                  "seconds": 0.12}],      seconds: total execution time of that name
  //    "workers": [{"name", "host", "threads", "cpu", "memory", "memory_limit", "objects",
  //                 "object_bytes", "spilled_bytes", "running", "transferred_bytes"}],
  //    "tasks": [{"id": "42", "name": "inc", "worker": "worker-1", "thread": 0,
  //               "start": 1764123456.1, "end": 1764123456.2, "ok": true}],
  //    "transfers": [{"from", "to", "bytes", "start", "end"}],
  //    "graph": null, or {"nodes": [{"id": "42", "name": "inc", "state": "done"}],
  //                       "edges": [["41", "42"]]}   dependency -> dependent
  //    "graph_size": 12,                     tasks in the current computation
  //    "errors": [{"task", "type", "message", "worker", "time"}]}   the last 20, oldest first
  // A state is one of "waiting", "running", "done", "failed". The current computation is the
  // tasks submitted since the last moment none was waiting or running; it is drawn only up
  // to 300 tasks ("graph": null above that).
  std::string snapshot_json(std::uint64_t since) const;
  // Prometheus text exposition format 0.0.4.
  std::string prometheus_text() const;
  // Chrome trace event JSON (chrome://tracing, ui.perfetto.dev): one process per worker, one
  // track per worker thread, one slice per task execution, transfers as slices on a
  // "transfers" track of the sending worker, worker memory as counters.
  std::string chrome_trace_json() const;
  // A self-contained HTML page (no network) of the run: task stream, time per task name,
  // transfers, worker memory over time.
  std::string html_report() const;

 private:
  friend struct RecorderTestPeer;  // shrinks the bounds below in tests

  enum class State : std::uint8_t { kWaiting, kRunning, kDone, kFailed };
  static constexpr std::size_t kStates = 4;
  // Upper bounds of the task duration histogram (seconds): 1, 2.5 and 5 per decade from
  // 1e-5 to 100, then +Inf.
  static constexpr std::size_t kBuckets = 22;
  static double bucket_bound(std::size_t i);

  struct NameStats {
    std::uint64_t count[kStates] = {};  // waiting and running now; done and failed ever
    double seconds = 0;                 // execution time, summed
    double max_seconds = 0;
    std::uint64_t finished = 0;
    std::uint64_t buckets[kBuckets + 1] = {};  // not cumulative; the last is +Inf
    bool task = false;                         // a task's name, not only a worker's
  };
  struct Live {  // a task waiting or running
    NameId name = 0;
    State state = State::kWaiting;
    std::int32_t node = -1;  // its index in graph_nodes_, if drawn
  };
  struct GraphNode {
    std::uint64_t id;
    NameId name;
    State state;
    bool forgotten;  // left without running: not drawn
  };
  template <class T>
  struct Stored {
    T record;
    std::uint64_t seq;
  };
  struct MemoryPoint {
    double time;
    std::uint64_t bytes;
  };
  struct MemoryHistory {
    NameId worker;
    detail::Ring<MemoryPoint> points;
  };
  struct PairTotals {
    std::uint64_t count = 0;
    std::uint64_t bytes = 0;
  };

  // What a reader needs, copied under the lock so that formatting runs without it.
  struct Copy {
    std::string runtime;
    double origin = 0;
    std::uint64_t seq = 0;
    std::vector<std::string> names;
    std::vector<NameStats> stats;
    std::uint64_t totals[kStates] = {};
    std::vector<WorkerSample> workers;
    std::vector<TaskRecord> tasks;
    std::vector<TransferRecord> transfers;
    std::vector<MemoryHistory> memory;
    std::vector<std::pair<std::uint64_t, PairTotals>> pairs;  // key: from << 32 | to
    std::uint64_t transfers_total = 0;
    std::uint64_t transferred_bytes_total = 0;
    std::vector<GraphNode> graph_nodes;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> graph_edges;
    bool graph_drawn = false;
    std::size_t graph_size = 0;
    std::vector<ErrorRecord> errors;
    const std::string& name(NameId id) const;
  };
  struct CopyWhat {
    std::uint64_t since = 0;
    std::size_t max_tasks = 0;  // the newest ones
    std::size_t max_transfers = 0;
    bool memory = false;
    bool graph = false;
  };
  Copy copy(const CopyWhat& what) const;

  NameStats& stats_for(NameId name);
  // An execution's time; and its outcome unless failed() `counted` it already.
  void count_finished(NameStats& s, State state, double seconds, bool counted);
  // Takes a waiting or running task out of live_ (and its counts) into `to`.
  void leave(std::uint64_t id, const Live& live, State to, bool forgotten);
  void start_computation();

  mutable std::mutex mu_;
  std::string runtime_;
  double origin_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, NameId> name_ids_;
  std::vector<NameStats> stats_;  // by NameId
  std::uint64_t totals_[kStates] = {};
  detail::IdTable<Live> live_;
  std::uint64_t seq_ = 0;
  detail::Ring<Stored<TaskRecord>> tasks_;
  detail::Ring<Stored<TransferRecord>> transfers_;
  std::unordered_map<std::uint64_t, PairTotals> pairs_;
  std::uint64_t transfers_total_ = 0;
  std::uint64_t transferred_bytes_total_ = 0;
  std::vector<WorkerSample> workers_;
  std::vector<MemoryHistory> memory_;
  std::size_t memory_points_;  // per worker
  std::deque<ErrorRecord> errors_;
  // Ids failed() marked failed, so that their failed TaskRecord is not counted again.
  std::unordered_set<std::uint64_t> failed_ids_;
  std::deque<std::uint64_t> failed_order_;
  // The current computation: tasks submitted since none was waiting or running.
  std::vector<GraphNode> graph_nodes_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> graph_edges_;
  detail::IdTable<std::int32_t> graph_index_;
  std::size_t graph_size_ = 0;
  bool graph_drawn_ = true;  // false once it outgrew kGraphMax
};

}  // namespace weft::diag
