// TaskRunner: one assigned task as a runnable state on the worker's thread pool, and the
// queue through which finished tasks return to the worker's I/O thread.
#pragma once

#include <sys/eventfd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "net/protocol.hpp"
#include "store/shared_memory.hpp"
#include "weft/detail/remote_call.hpp"
#include "weft/detail/task_state.hpp"

namespace weft::worker {

struct Completion {
  std::uint64_t id = 0;
  bool ok = false;
  serde::Message value;    // when ok
  net::RemoteError error;  // when not
  net::Execution run;      // when, how long, on which pool thread
  // When the value's frames were moved to shared memory: the segment and their layout.
  std::string shm;
  store::Layout layout;
  // Actor calls: the actor, and whom to answer (the caller's routing id and node).
  std::uint64_t actor = 0;
  std::string reply_to;
  std::string caller_node;
};

// Many pool threads push, the I/O thread takes; the eventfd wakes it once per batch.
class CompletionQueue {
 public:
  explicit CompletionQueue(int wake_fd) : wake_fd_(wake_fd) {}
  void push(Completion c) {
    bool first;
    {
      std::lock_guard<std::mutex> lock(mu_);
      first = items_.empty();
      items_.push_back(std::move(c));
    }
    if (first) ::eventfd_write(wake_fd_, 1);
  }
  std::vector<Completion> take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(items_, {});
  }

 private:
  int wake_fd_;
  std::mutex mu_;
  std::vector<Completion> items_;
};

// Runs `invoke` for the task or call c.id, leaving in `c` its encoded result (moved to
// shared memory when large) or its error as the caller will see it; and how long it took.
// A result larger than `memory_limit` (bytes, 0: none) is a weft::MemoryLimitError instead,
// found before it is copied to shared memory.
void execute(Completion& c, const std::string& name, const std::string& worker,
             const std::function<serde::Message()>& invoke,
             std::uint64_t memory_limit = 0) noexcept;

class TaskRunner final : public detail::TaskState {
 public:
  TaskRunner(std::uint64_t id, const detail::RemoteFunction* fn, std::string name,
             std::string worker, std::vector<serde::Message> args, CompletionQueue& done,
             std::uint64_t memory_limit = 0)
      : id_(id),
        fn_(fn),
        name_(std::move(name)),
        worker_(std::move(worker)),
        args_(std::move(args)),
        done_(done),
        memory_limit_(memory_limit) {}

  // Claims the task so that it never runs (steal, cancel). False when it already started.
  bool try_claim_and_cancel() noexcept {
    if (!try_claim()) return false;
    complete_cancelled(nullptr);
    return true;
  }

  void run() noexcept override;
  std::string default_name() const override { return name_; }

 private:
  std::uint64_t id_;
  const detail::RemoteFunction* fn_;
  std::string name_;
  std::string worker_;
  std::vector<serde::Message> args_;
  CompletionQueue& done_;
  std::uint64_t memory_limit_;  // bytes; 0: none
};

}  // namespace weft::worker
