#include "worker/actor_mailbox.hpp"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <utility>

#include "weft/detail/backend.hpp"

namespace weft::worker {
namespace {

// This thread's CPU seconds (exact: getrusage's lag by up to a scheduler tick) and the
// times it gave up the CPU by waiting (a lock, a get, I/O). Being preempted is not waiting
// (the kernel counts it apart), so a call slowed by other threads is not taken for one
// that blocks.
struct ThreadUsage {
  double cpu = 0;
  long waits = 0;
  static ThreadUsage now() noexcept {
    ThreadUsage u;
    timespec t{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0) u.cpu = t.tv_sec + t.tv_nsec * 1e-9;
    rusage r{};
    if (::getrusage(RUSAGE_THREAD, &r) == 0) u.waits = r.ru_nvcsw;
    return u;
  }
};

}  // namespace

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
    auto brief = brief_.find(job.method);
    if (killed_ || running_ || !queue_.empty() || brief == brief_.end() || !brief->second) {
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
  const ThreadUsage before = ThreadUsage::now();
  execute(c, job.method->name, worker_,
          [&] { return job.method->invoke(instance_.object(), job.args); });
  const ThreadUsage after = ThreadUsage::now();
  const bool brief = after.waits == before.waits && after.cpu - before.cpu < kBriefCpuSeconds;
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, first] = brief_.try_emplace(job.method, brief);
  if (!first) it->second = it->second && brief;
}

std::vector<ActorMailbox::Job> ActorMailbox::kill() {
  std::lock_guard<std::mutex> lock(mu_);
  killed_ = true;
  std::vector<Job> left(std::make_move_iterator(queue_.begin()),
                        std::make_move_iterator(queue_.end()));
  queue_.clear();
  return left;
}

bool ActorMailbox::take_next(Job& job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty() || killed_) {
    running_ = false;
    return false;
  }
  job = std::move(queue_.front());
  queue_.pop_front();
  return true;
}

// The mailbox is idle again before the last answer goes out, so that a call the worker
// receives after that answer can run inline.
void ActorMailbox::drain() noexcept {
  Job job;
  for (bool more = take_next(job); more;) {
    Completion c;
    run(job, c);
    more = take_next(job);
    done_.push(std::move(c));
  }
}

}  // namespace weft::worker
