#include "weft/error.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "diag/task_error_log.hpp"
#include "weft/detail/backend.hpp"
#include "weft/detail/task.hpp"

namespace weft {
namespace {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(mangled);
}

std::string describe(const std::string& type_name, const std::string& message,
                     const std::string& task_name, const std::string& worker) {
  return "task '" + task_name + "' on " + worker + " raised " + type_name + ": " + message;
}

}  // namespace

TaskError::TaskError(std::string type_name, std::string message, std::string task_name,
                     std::string worker, std::exception_ptr original)
    : Error(describe(type_name, message, task_name, worker)),
      type_name_(std::move(type_name)),
      message_(std::move(message)),
      task_name_(std::move(task_name)),
      worker_(std::move(worker)),
      original_(std::move(original)) {}

CancelledError::CancelledError(const std::string& task_name)
    : Error("task '" + task_name + "' was cancelled") {}

namespace detail {

std::string callable_name(const std::type_info& type) { return demangle(type.name()); }

std::exception_ptr make_task_error(std::exception_ptr e, const std::string& task_name) {
  const std::type_info* type = abi::__cxa_current_exception_type();
  std::string type_name = type != nullptr ? demangle(type->name()) : "unknown exception";
  std::string message;
  try {
    std::rethrow_exception(e);
  } catch (const TaskError&) {
    // A failed get inside the task: it names the task that failed first (and was logged
    // there), which is what the caller needs to see.
    return e;
  } catch (const Error& ex) {
    // The task's own typed weft error (a timeout, a dead actor...) reaches the caller as
    // it is, so that it can be caught by type; the log still names the task.
    diag::local_task_errors().failed(task_name, backend().worker_name(), type_name, ex.what());
    return e;
  } catch (const std::exception& ex) {
    message = ex.what();
  } catch (...) {
    message = "(not derived from std::exception)";
  }
  std::string worker = backend().worker_name();
  // Where the task threw is the one place that knows it failed first (its dependents reuse
  // its error) and costs nothing when tasks succeed. The scheduler logs a cluster's tasks;
  // these ran in this process, so no one else would.
  diag::local_task_errors().failed(task_name, worker, type_name, message);
  return std::make_exception_ptr(
      TaskError(std::move(type_name), std::move(message), task_name, std::move(worker), e));
}

}  // namespace detail
}  // namespace weft
