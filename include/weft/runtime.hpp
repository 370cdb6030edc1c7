// Choosing and starting a runtime.
//
//   int main(int argc, char** argv) {
//     weft::Runtime rt = weft::init(argc, argv);   // or weft::init("threads:8")
//     ...
//   }
//
// The same program runs on any runtime; switch without recompiling through the
// WEFT_RUNTIME environment variable or the --weft-runtime=SPEC flag. A program that never
// calls init() gets the default runtime (WEFT_RUNTIME, else threads on all cores) on first
// use.
#pragma once

#include <string>
#include <string_view>

namespace weft {

enum class RuntimeKind {
  kThreads,  // a work-stealing pool of threads in this process (the default)
  kInline,   // every task runs at once in the submitting thread: for debugging
  // A local cluster: a scheduler process and worker processes started from this program's
  // binary, over ZeroMQ on loopback. Tasks must be WEFT_REMOTE functions with
  // serializable arguments. Call init() first thing in main: the workers run the same
  // binary, and init() is where they turn into workers (whatever main did before it, they
  // did too).
  kProcesses,
  // A running scheduler (started with `weft scheduler`) and its workers, on any machines.
  kConnect,
};

struct Config {
  RuntimeKind kind = RuntimeKind::kThreads;
  // Worker threads for kThreads, worker processes for kProcesses; 0 means one per core.
  int workers = 0;
  // Threads in each worker process (kProcesses); 0 means cores / workers, at least 1.
  int threads_per_worker = 0;
  // The scheduler's address for kConnect, e.g. "tcp://10.0.0.1:8786".
  std::string address;
  // Seconds to wait for the scheduler (and, for kProcesses, all workers) to be ready.
  double timeout = 10;
  // Serve a dashboard (weft/observe.hpp) on this port of 127.0.0.1; 0 picks a free port, -1
  // serves none. The threads runtime serves it from this process, kProcesses from its
  // scheduler; kConnect's scheduler decides for itself. WEFT_DASHBOARD=PORT sets it when
  // left at -1.
  int dashboard_port = -1;
  // Record what runs where for save_trace() and save_report() even without a dashboard.
  // WEFT_RECORD=1 sets it.
  bool record = false;

  // Parses a runtime spec: "threads", "threads:N", "inline", "processes", "processes:N"
  // or "connect:tcp://HOST:PORT". Throws ConfigError naming the spec and the accepted
  // forms when it is none of them.
  static Config parse(std::string_view spec);
  // The spec in WEFT_RUNTIME, or the default when unset or empty.
  static Config from_env();
  // Back to a spec string, e.g. "threads:8".
  std::string to_string() const;
};

// The running runtime. Move-only; destroying it (or calling shutdown) runs every queued
// task to completion, stops the workers and makes the next task API call start the
// default runtime again.
class Runtime {
 public:
  Runtime(Runtime&& other) noexcept;
  Runtime& operator=(Runtime&& other) noexcept;
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();

  // Number of tasks that can run at once.
  int concurrency() const;
  // The spec this runtime was started with, e.g. "threads:8".
  std::string describe() const;
  void shutdown();

 private:
  friend Runtime init(const Config& config);
  explicit Runtime(Config config) : config_(config), active_(true) {}
  Config config_;
  bool active_;
};

// Starts the runtime `config` describes. Replaces a default runtime that was started
// implicitly (draining it first). Throws ConfigError if another runtime from init() is
// still alive: there is one runtime per process.
Runtime init(const Config& config);
// As above, with a spec string (see Config::parse).
Runtime init(std::string_view spec);
// As above, from --weft-runtime=SPEC in argv if present, else WEFT_RUNTIME.
Runtime init(int argc, char** argv);
// From WEFT_RUNTIME, else threads on all cores.
inline Runtime init() { return init(Config::from_env()); }

}  // namespace weft
