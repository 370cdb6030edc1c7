#include "worker/task_runner.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <typeinfo>

#include "diag/log.hpp"
#include "exec/thread_pool.hpp"
#include "weft/detail/backend.hpp"
#include "weft/detail/task.hpp"
#include "weft/error.hpp"
#include "worker/actor_table.hpp"
#include "worker/object_store.hpp"

namespace weft::worker {
namespace {

// Large results go to shared memory here, on the pool thread, so that the copy does not
// hold up the worker's I/O thread; peers and clients on this node then map them. Without
// shared memory (full, or unavailable) the result stays in this process.
void share(Completion& c) noexcept {
  if (!store::enabled() || store::frame_bytes(c.value) < store::kSharedThreshold) return;
  char tag[24];
  std::snprintf(tag, sizeof tag, "%016llx", static_cast<unsigned long long>(c.id));
  try {
    store::Shared s = store::share(c.value, tag);
    c.value = std::move(s.message);
    c.shm = std::move(s.name);
    c.layout = std::move(s.layout);
  } catch (const std::exception& e) {
    diag::log_warn("keeping object in process memory: %s", e.what());
  }
}

}  // namespace

void execute(Completion& c, const std::string& name, const std::string& worker,
             const std::function<serde::Message()>& invoke, std::uint64_t memory_limit) noexcept {
  const auto start = std::chrono::steady_clock::now();
  c.run.start =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  c.run.thread = static_cast<std::uint32_t>(std::max(exec::current_thread_index(), 0));
  try {
    set_current_task(c.id);  // an actor factory adopts its actor under this id
    c.value = invoke();
    c.value.make_self_contained();
    if (const std::uint64_t bytes = c.value.total_bytes();
        memory_limit > 0 && bytes > memory_limit) {
      c.value = {};
      c.error = net::RemoteError{"weft::MemoryLimitError",
                                 over_limit_message("result", bytes, memory_limit), name, worker};
    } else {
      c.ok = true;
      share(c);
    }
  } catch (const TaskError& e) {
    // A get() inside the task failed: report the task that failed first, as threads do.
    c.error = net::RemoteError{e.type_name(), e.message(), e.task_name(), e.worker()};
  } catch (const std::exception& e) {
    c.error = net::RemoteError{detail::callable_name(typeid(e)), e.what(), name,
                               worker + " " + detail::backend().worker_name()};
  } catch (...) {
    c.error = net::RemoteError{"unknown exception", "(not derived from std::exception)", name,
                               worker + " " + detail::backend().worker_name()};
  }
  c.run.duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void TaskRunner::run() noexcept {
  if (!try_claim()) return;  // stolen or cancelled before it started
  Completion c;
  c.id = id_;
  execute(
      c, name_, worker_, [&] { return fn_->invoke(args_); }, memory_limit_);
  args_.clear();
  complete_done();
  done_.push(std::move(c));
}

}  // namespace weft::worker
