// Per-task options for weft::remote.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace weft {

// Per-task options, e.g. remote(TaskOptions{.name = "load", .retries = 2}, load, path).
struct TaskOptions {
  // Shown in errors and diagnostics. Default: the WEFT_REMOTE name of a registered
  // function, else the callable's type name.
  std::string name;
  // How many times to run the task again after it throws before reporting the error. On a
  // cluster, also how many more deaths of the workers running it are tolerated beyond the
  // scheduler's allowance (3) before it fails with KilledWorkerError.
  int retries = 0;
  // On a cluster: seconds the task may run before its worker stops waiting for it. It then
  // fails with a TaskError of type weft::TimeoutError naming it and the worker (retries
  // apply); its thread stays busy until the function returns, whose result is dropped. 0:
  // no limit. In-process runtimes cannot abandon a thread and ignore it: there, bound the
  // wait instead, with get(ref, timeout).
  double timeout = 0;

  // What the task needs of a worker, as in Ray. Cluster runtimes place a task only on a
  // worker whose offer, minus what its assigned tasks requested, covers the request; a
  // request no worker can meet waits until one joins. In-process runtimes ignore them.
  //   cpus: thread slots (fractions let mostly-waiting tasks share a thread).
  //   memory: bytes the task needs; workers offer their --memory-limit.
  //   resources: named quantities that workers offer (weft worker --resources gpu=1).
  double cpus = 1;
  std::uint64_t memory = 0;
  std::vector<std::pair<std::string, double>> resources;
};

}  // namespace weft
