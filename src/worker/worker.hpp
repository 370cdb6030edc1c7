// The worker process: runs the tasks the scheduler assigns, on a pool of threads, and holds
// their results until the scheduler frees them.
//
// One I/O thread (the caller of run_worker) owns the sockets: a DEALER to the scheduler, a
// ROUTER bound at the worker's data address where peers and clients fetch objects and
// clients store put() objects, and a DEALER per peer to fetch the dependencies a task lacks.
// Tasks run on the process's thread pool (the threads runtime, so a task may itself call
// weft::remote and get); finished tasks hand their encoded result back through a queue and
// an eventfd. Messages are batched per loop turn: many finishes travel as one Finished.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace weft::worker {

struct Options {
  std::string scheduler;  // e.g. "tcp://127.0.0.1:8786"
  int nthreads = 0;       // 0: one per core
  // Bytes; 0: none. Objects spill to disk past 60% of it, new tasks wait past 80%, and a
  // task whose inputs or result alone exceed it fails (worker/object_store.hpp). Reported
  // to the scheduler. WEFT_SPILL_ALL=1 in the environment spills every object at once.
  std::uint64_t memory_limit = 0;
  std::string spill_dir;  // where spill files go (a directory per worker); empty: $TMPDIR
  // Interface to bind the data port on; peers must reach it at this address.
  std::string host = "127.0.0.1";
  std::string name;        // default: worker-PID@HOSTNAME
  double lost_after = 10;  // seconds without a word from the scheduler: exit
  // Custom quantities offered to tasks that request them, e.g. {{"gpu", 1}}.
  std::vector<std::pair<std::string, double>> resources;
};

// Parses "name=qty,name=qty" (e.g. "gpu=2,ssd=1"). Throws ConfigError naming the bad item.
std::vector<std::pair<std::string, double>> parse_resources(const std::string& text);

// Runs until the scheduler says Shutdown or is lost, or `stop` becomes true (then it says
// goodbye, so the scheduler reassigns its work at once). Returns a process exit code (0 on
// a clean shutdown). Throws ConfigError for a bad address.
int run_worker(const Options& options, const std::atomic<bool>* stop = nullptr);

}  // namespace weft::worker
