// The actors a worker process hosts: made by factory tasks on pool threads (which hand them
// over through adopt_actor), then owned by the worker's I/O thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace weft::worker {

class ActorInstance {
 public:
  ActorInstance() = default;
  ActorInstance(void* object, void (*destroy)(void*)) : object_(object), destroy_(destroy) {}
  ActorInstance(ActorInstance&& o) noexcept
      : object_(std::exchange(o.object_, nullptr)), destroy_(o.destroy_) {}
  ActorInstance& operator=(ActorInstance&& o) noexcept {
    std::swap(object_, o.object_);
    std::swap(destroy_, o.destroy_);
    return *this;
  }
  ~ActorInstance() {
    if (object_ != nullptr) destroy_(object_);
  }
  void* object() const noexcept { return object_; }

 private:
  void* object_ = nullptr;
  void (*destroy_)(void*) = nullptr;
};

// The task the calling pool thread runs, so that a factory knows its actor's id.
void set_current_task(std::uint64_t id) noexcept;
// Where callers reach this process's actors; set once by the worker. Until then, factories
// refuse to run (actors live on workers).
void set_actor_address(std::string address);
// The actors adopted since the last call, by id.
std::vector<std::pair<std::uint64_t, ActorInstance>> take_adopted();

}  // namespace weft::worker
