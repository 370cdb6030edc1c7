// Strands (the in-process actors' serial queues) and the names of in-process actors.
#include <map>
#include <mutex>
#include <string>

#include "weft/detail/actor_local.hpp"

namespace weft::detail {

// The task a strand queues on the runtime to run its closures; holds the strand alive.
class StrandTask final : public TaskState {
 public:
  explicit StrandTask(std::shared_ptr<Strand> strand) : strand_(std::move(strand)) {}
  void run() noexcept override {
    if (!try_claim()) return;
    strand_->drain();
    strand_.reset();
    complete_done();
  }
  std::string default_name() const override { return "actor"; }

 private:
  std::shared_ptr<Strand> strand_;
};

bool Strand::post(std::function<void(bool)> work) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (killed_) return false;
    queue_.push_back(std::move(work));
    if (running_) return true;
    running_ = true;
  }
  backend().schedule(new StrandTask(shared_from_this()));
  return true;
}

// Runs closures until the queue is empty. One drain at a time (running_), so the actor's
// methods never overlap, and each call sees the effects of the calls before it.
void Strand::drain() noexcept {
  while (true) {
    std::function<void(bool)> work;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.empty() || killed_) {
        running_ = false;
        return;
      }
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work(false);
  }
}

void Strand::kill() {
  std::deque<std::function<void(bool)>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    killed_ = true;
    dropped.swap(queue_);
  }
  for (auto& work : dropped) work(true);  // outside the lock: each fails its call
}

bool Strand::killed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return killed_;
}

namespace {
struct Names {
  std::mutex mu;
  std::map<std::string, std::pair<std::weak_ptr<Strand>, const std::type_info*>> actors;
};
Names& names() {
  static Names n;
  return n;
}
}  // namespace

void name_local_actor(const std::string& name, std::shared_ptr<Strand> actor,
                      const std::type_info& type) {
  Names& n = names();
  std::lock_guard<std::mutex> lock(n.mu);
  auto it = n.actors.find(name);
  if (it != n.actors.end() && !it->second.first.expired()) {
    throw ConfigError("weft::actor: an actor named '" + name + "' exists already");
  }
  n.actors[name] = {actor, &type};
}

std::shared_ptr<Strand> find_local_actor(const std::string& name, const std::type_info& type) {
  Names& n = names();
  std::lock_guard<std::mutex> lock(n.mu);
  auto it = n.actors.find(name);
  std::shared_ptr<Strand> a = it == n.actors.end() ? nullptr : it->second.first.lock();
  if (!a || a->killed()) throw Error("weft::get_actor: no actor named '" + name + "'");
  if (*it->second.second != type) {
    throw ConfigError("weft::get_actor: actor '" + name + "' has another type");
  }
  return a;
}

}  // namespace weft::detail
