#include "worker/actor_mailbox.hpp"

#include <algorithm>
#include <utility>

#include "weft/detail/backend.hpp"

namespace weft::worker {

class DrainTask final : public detail::TaskState {
 public:
  explicit DrainTask(std::shared_ptr<ActorMailbox> box) : box_(std::move(box)) {}
  void run() noexcept override {
    if (!try_claim()) return;
    box_->drain();
    box_.reset();  // may destroy a killed actor, here on the pool thread
    complete_done();
  }
  std::string default_name() const override { return "actor"; }

 private:
  std::shared_ptr<ActorMailbox> box_;
};

bool ActorMailbox::post(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (killed_) return false;
    queue_.push_back(std::move(job));
    if (running_) return true;
    running_ = true;
  }
  detail::backend().schedule(new DrainTask(shared_from_this()));
  return true;
}

bool ActorMailbox::try_run_inline(Job& job, Completion& done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto slowest = slowest_.find(job.method);
    if (killed_ || running_ || !queue_.empty() || slowest == slowest_.end() ||
        slowest->second > kInlineSeconds) {
      return false;
    }
    running_ = true;
  }
  run(job, done);
  std::lock_guard<std::mutex> lock(mu_);
  running_ = false;
  return true;
}

void ActorMailbox::run(Job& job, Completion& c) noexcept {
  c.id = job.call;
  c.actor = id_;
  c.reply_to = std::move(job.from);
  c.caller_node = std::move(job.node);
  execute(c, job.method->name, worker_,
          [&] { return job.method->invoke(instance_.object(), job.args); });
  std::lock_guard<std::mutex> lock(mu_);
  double& slowest = slowest_.try_emplace(job.method, 0.0).first->second;
  slowest = std::max(slowest, c.run.duration);
}

std::vector<ActorMailbox::Job> ActorMailbox::kill() {
  std::lock_guard<std::mutex> lock(mu_);
  killed_ = true;
  std::vector<Job> left(std::make_move_iterator(queue_.begin()),
                        std::make_move_iterator(queue_.end()));
  queue_.clear();
  return left;
}

void ActorMailbox::drain() noexcept {
  while (true) {
    Job job;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.empty() || killed_) {
        running_ = false;
        return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Completion c;
    run(job, c);
    done_.push(std::move(c));
  }
}

}  // namespace weft::worker
