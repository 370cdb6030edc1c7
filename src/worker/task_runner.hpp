// TaskRunner: one assigned task as a runnable state on the worker's thread pool, and the
// queue through which finished tasks return to the worker's I/O thread.
#pragma once

#include <sys/eventfd.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "net/protocol.hpp"
#include "store/shared_memory.hpp"
#include "weft/detail/actor_registry.hpp"
#include "weft/detail/remote_call.hpp"
#include "weft/detail/task_state.hpp"

namespace weft::worker {

struct Completion {
  std::uint64_t id = 0;
  bool ok = false;
  serde::Message value;    // when ok
  net::RemoteError error;  // when not
  double duration = 0;     // seconds
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

class TaskRunner final : public detail::TaskState {
 public:
  TaskRunner(std::uint64_t id, const detail::RemoteFunction* fn, std::string name,
             std::string worker, std::vector<serde::Message> args, CompletionQueue& done)
      : id_(id),
        fn_(fn),
        name_(std::move(name)),
        worker_(std::move(worker)),
        args_(std::move(args)),
        done_(done) {}

  // Claims the task so that it never runs (steal, cancel). False when it already started.
  bool try_claim_and_cancel() noexcept {
    if (!try_claim()) return false;
    complete_cancelled(nullptr);
    return true;
  }

  // Makes this a call of `method` on actor `actor`'s `object`, answered to `reply_to`.
  void set_actor_call(std::uint64_t actor, void* object, const detail::ActorMethod* method,
                      std::string reply_to, std::string caller_node) {
    actor_ = actor;
    object_ = object;
    method_ = method;
    reply_to_ = std::move(reply_to);
    caller_node_ = std::move(caller_node);
  }

  void run() noexcept override;
  std::string default_name() const override { return name_; }

 private:
  void share(Completion& c) noexcept;

  std::uint64_t actor_ = 0;
  void* object_ = nullptr;
  const detail::ActorMethod* method_ = nullptr;
  std::string reply_to_;
  std::string caller_node_;

  std::uint64_t id_;
  const detail::RemoteFunction* fn_;
  std::string name_;
  std::string worker_;
  std::vector<serde::Message> args_;
  CompletionQueue& done_;
};

}  // namespace weft::worker
