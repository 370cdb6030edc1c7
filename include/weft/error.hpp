// Errors that weft reports to callers.
//
// Every error weft throws derives from weft::Error, so `catch (const weft::Error&)` catches
// them all. A task that throws reaches its caller as a TaskError that names the original
// exception type, its message, the task's name and the worker that ran it: the same facts a
// Dask or Ray user reads in a remote traceback.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace weft {

// Base of every error weft throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Invalid configuration or arguments given to weft itself (bad runtime spec, bad option).
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A task raised an exception. what() reads
//   "task 'NAME' on WORKER raised TYPE: MESSAGE".
// Dependents of a failed task fail with the same TaskError, naming the task that failed first.
class TaskError : public Error {
 public:
  TaskError(std::string type_name, std::string message, std::string task_name, std::string worker,
            std::exception_ptr original = nullptr);

  // Demangled type of the exception the task threw, e.g. "std::out_of_range".
  const std::string& type_name() const noexcept { return type_name_; }
  // The original exception's what().
  const std::string& message() const noexcept { return message_; }
  // The name of the task that threw.
  const std::string& task_name() const noexcept { return task_name_; }
  // Where the task ran, e.g. "thread-2", "inline" or "caller".
  const std::string& worker() const noexcept { return worker_; }
  // The original exception when it was thrown in this process, else null. Lets callers that
  // know the type rethrow it: std::rethrow_exception(e.original()).
  std::exception_ptr original() const noexcept { return original_; }

 private:
  std::string type_name_;
  std::string message_;
  std::string task_name_;
  std::string worker_;
  std::exception_ptr original_;
};

// On a cluster: the workers running a task died as many times as the scheduler allows
// (Dask's KilledWorker); the task may be what kills them. worker() lists the workers it
// died on, and the dependents of the task fail with the same error.
class KilledWorkerError : public TaskError {
 public:
  using TaskError::TaskError;
};

// An actor call did not finish because the worker holding the actor died. With restarts
// left (ActorOptions::max_restarts) the actor was made again from its constructor
// arguments, so its state is lost but later calls reach the new instance: restarted() is
// true. Otherwise the actor is gone and every later call fails too.
class ActorDiedError : public Error {
 public:
  ActorDiedError(const std::string& message, bool restarted)
      : Error(message), restarted_(restarted) {}
  bool restarted() const noexcept { return restarted_; }

 private:
  bool restarted_;
};

// A task was cancelled before it started, or depends on one that was.
class CancelledError : public Error {
 public:
  explicit CancelledError(const std::string& task_name);
};

// A wait or get with a timeout ran out of time.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

// Bytes that serde cannot decode as the requested type: malformed, truncated, too deeply
// nested, or holding another type. what() names what was expected, what was found and
// where ("at $.orders[3].price", or a byte offset for malformed input).
class SerdeError : public Error {
 public:
  using Error::Error;
};

}  // namespace weft
