// The seam between the task API (templates in the public headers) and a runtime.
#pragma once

#include <string>

#include "weft/detail/task_state.hpp"

namespace weft::detail {

// A runtime executes ready tasks. Implementations: the work-stealing pool (threads) and the
// inline runtime; later ones (processes, clusters) implement the same contract.
class Backend {
 public:
  virtual ~Backend() = default;

  // Queues a task whose dependencies are complete. Takes over one reference to `task`, which
  // the backend drops after task->run() returns.
  virtual void schedule(TaskState* task) noexcept = 0;

  // Blocks until `state` is done. Pool threads run other tasks meanwhile.
  virtual void wait(TaskState& state) noexcept = 0;

  // Runs at most one queued task on the calling thread, if the thread may help. Returns
  // false when there was nothing to run. Lets blocking calls other than wait() help too.
  virtual bool help_one() noexcept = 0;

  // Number of tasks that can run at once.
  virtual int concurrency() const noexcept = 0;

  // Name of the worker the calling thread is, for error reports ("thread-3", "inline",
  // "caller" for a thread outside the runtime).
  virtual std::string worker_name() const = 0;
};

// The current runtime. Starts the default one (threads on all cores, or as WEFT_RUNTIME says)
// when none was started with weft::init.
Backend& backend();

// Builds a TaskError for the exception in flight `e`, thrown by task `task_name`.
std::exception_ptr make_task_error(std::exception_ptr e, const std::string& task_name);

}  // namespace weft::detail
