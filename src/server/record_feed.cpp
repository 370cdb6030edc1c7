#include "server/record_feed.hpp"

#include <utility>

namespace weft::server {

RecordFeed::RecordFeed() : thread_([this] { run(); }) {}

RecordFeed::~RecordFeed() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void RecordFeed::post(std::function<void()> update) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(update));
}

void RecordFeed::sync() {
  std::unique_lock lock(mu_);
  hurry_ = true;
  wake_.notify_one();
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void RecordFeed::run() {
  std::vector<std::function<void()>> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, kPeriod, [this] { return stop_ || hurry_; });
    hurry_ = false;
    if (queue_.empty()) {
      if (stop_) return;
      idle_.notify_all();
      continue;
    }
    batch.swap(queue_);
    busy_ = true;
    lock.unlock();
    for (std::function<void()>& update : batch) update();
    batch.clear();
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace weft::server
