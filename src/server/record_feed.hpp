// RecordFeed: the recorder's updates, applied on a thread of their own.
//
// The scheduler's loop is the one serial thread of a cluster, and 2 cores running a
// no-op cluster were a third idle: what the loop spends on recording, throughput loses,
// where another thread's work mostly fills idle time. So the loop hands each batch over as
// a closure, in order, and this thread applies them every kPeriod. (Most of recording's
// 7-9% cost had another cause, fresh pages for a growing ring, see Ring; this thread's own
// share was not measured apart from it.) It is not woken for each batch: a wake-up is a
// system call on both sides, and the loop posts thousands of batches a second.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace weft::server {

class RecordFeed {
 public:
  RecordFeed();
  RecordFeed(const RecordFeed&) = delete;
  RecordFeed& operator=(const RecordFeed&) = delete;
  // Applies what is still queued, then stops the thread.
  ~RecordFeed();

  // Dashboards poll four times a second; the trace and report ask through sync().
  static constexpr std::chrono::milliseconds kPeriod{5};

  // Queues `update`; updates run one at a time, in the order posted, within kPeriod.
  void post(std::function<void()> update);
  // Returns once every update posted before has run.
  void sync();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable wake_;              // for the thread: work or stop
  std::condition_variable idle_;              // for sync(): the queue ran dry
  std::vector<std::function<void()>> queue_;  // guarded by mu_, as are the flags
  bool busy_ = false;
  bool hurry_ = false;  // sync() waits: run now
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace weft::server
