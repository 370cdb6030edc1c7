// Resources: interning requests into classes, fitting them to workers, and keeping each
// class's set of workers that could take one more of its tasks right now.
//
// Quantities are fixed point (milli-cpus, milli-units, bytes), so holding and giving back
// a request is exact and the same sequence always fits the same way.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "sched/scheduler.hpp"

namespace weft::sched {

namespace {

std::int64_t milli(double quantity) {
  return quantity > 0 ? static_cast<std::int64_t>(std::llround(quantity * 1000)) : 0;
}

}  // namespace

// A request of cpus <= 0 counts as 1 cpu: every task occupies a slot, so a worker's queue
// stays bounded whatever the requests say.
std::uint16_t Scheduler::intern_class(const Resources& request) {
  // The default request (cpus == 1) skips the rounding: it is almost every submission.
  const auto cpus = request.cpus == 1
                        ? 1000u
                        : static_cast<std::uint32_t>(request.cpus > 0 ? milli(request.cpus) : 1000);
  if (cpus == 1000 && request.memory == 0 && request.custom.empty()) return 0;
  detail::ResourceClass c;
  c.cpus = std::max<std::uint32_t>(cpus, 1);
  c.memory = request.memory;
  for (const auto& [name, qty] : request.custom) {
    if (milli(qty) > 0) c.custom.emplace_back(intern_name(name), milli(qty));
  }
  std::sort(c.custom.begin(), c.custom.end());
  std::size_t kept = 0;  // merge repeated names
  for (std::size_t i = 0; i < c.custom.size(); ++i) {
    if (kept > 0 && c.custom[kept - 1].first == c.custom[i].first) {
      c.custom[kept - 1].second += c.custom[i].second;
    } else {
      c.custom[kept++] = c.custom[i];
    }
  }
  c.custom.resize(kept);

  const auto it = class_index_.find(c);
  if (it != class_index_.end()) return it->second;
  if (classes_.size() > std::numeric_limits<std::uint16_t>::max()) {
    throw std::length_error("weft::sched: too many distinct resource requests");
  }
  const auto cls = static_cast<std::uint16_t>(classes_.size());
  classes_.push_back(c);
  class_index_.emplace(std::move(c), cls);
  queues_.emplace_back();
  queued_.push_back(0);
  ready_workers_.emplace_back();
  for (std::uint32_t w = 0; w < workers_.size(); ++w) {  // rare: once per distinct request
    WorkerRec& W = workers_[w];
    if (W.alive && eligible(W, cls)) {
      W.classes.push_back(cls);
      refresh(w);
    }
  }
  return cls;
}

std::uint32_t Scheduler::intern_name(const std::string& name) {
  const auto it = name_index_.find(name);
  if (it != name_index_.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(names_.size());
  names_.push_back(name);
  name_index_.emplace(name, index);
  return index;
}

// Graphs come in runs of one prefix (a map's thousand tasks): the last one is compared
// first, which is cheaper than hashing the name.
std::uint32_t Scheduler::intern_prefix(const std::string& prefix, double hint) {
  std::uint32_t index = last_prefix_;
  if (index >= prefix_names_.size() || prefix_names_[index] != prefix) {
    auto it = prefix_index_.find(prefix);
    if (it == prefix_index_.end()) {
      it = prefix_index_.emplace(prefix, static_cast<std::uint32_t>(prefixes_.size())).first;
      prefixes_.emplace_back();
      prefix_names_.push_back(prefix);
    }
    index = last_prefix_ = it->second;
  }
  detail::PrefixStat& p = prefixes_[index];
  if (hint > 0 && !p.known) {
    p.average = hint;
    p.known = true;
  }
  return index;
}

// Whether w's whole offer covers the request: if not, the class never runs there.
bool Scheduler::eligible(const WorkerRec& w, std::uint16_t cls) const {
  const detail::ResourceClass& c = classes_[cls];
  if (c.cpus > w.cpus || c.cpus > w.slots || c.memory > w.memory) return false;
  for (const auto& [name, qty] : c.custom) {
    if (name >= w.custom.size() || qty > w.custom[name]) return false;
  }
  return true;
}

// Whether w can be assigned one more task of class `cls` now, allowing `slack` slots
// beyond its regular ones.
bool Scheduler::can_take(const WorkerRec& w, std::uint16_t cls, std::uint32_t slack) const {
  const detail::ResourceClass& c = classes_[cls];
  if (std::uint64_t{w.used} + c.cpus > std::uint64_t{w.slots} + std::uint64_t{slack} * 1000 &&
      !pipelining(w)) {
    return false;
  }
  if (c.cpus > w.cpus) return false;
  if (c.memory > 0 && c.memory > w.memory - w.memory_used) return false;
  for (const auto& [name, qty] : c.custom) {
    if (name >= w.custom.size() || w.custom_used[name] + qty > w.custom[name]) return false;
  }
  return true;
}

// Short tasks beyond the worker's slots: while its assigned work is estimated to take less
// than pipeline_seconds per thread, a worker may queue more (up to pipeline_depth per
// thread), so that it never idles for a round trip to the scheduler between tasks of a few
// microseconds. Tasks of unknown or long duration never qualify: each one's estimate alone
// fills the allowance, which keeps "no overproduction" for the work where memory matters.
bool Scheduler::pipelining(const WorkerRec& w) const {
  return config_.pipeline_seconds > 0 && w.occupancy < config_.pipeline_seconds * w.nthreads &&
         w.processing.size() < std::size_t{w.nthreads} * config_.pipeline_depth;
}

void Scheduler::hold(WorkerRec& w, std::uint16_t cls, float est) {
  const detail::ResourceClass& c = classes_[cls];
  w.used += c.cpus;
  w.memory_used += c.memory;
  for (const auto& [name, qty] : c.custom) w.custom_used[name] += qty;
  w.occupancy += est;
}

void Scheduler::unhold(WorkerRec& w, std::uint16_t cls, float est) {
  const detail::ResourceClass& c = classes_[cls];
  w.used -= c.cpus;
  w.memory_used -= c.memory;
  for (const auto& [name, qty] : c.custom) w.custom_used[name] -= qty;
  w.occupancy -= est;
  if (w.used == 0 || w.occupancy < 0) w.occupancy = 0;  // no drift when idle
}

// Re-derives w's membership in each class's ready set, and in the backlogged set (more
// tasks assigned than threads: the not-started ones can be stolen). O(classes w can run).
void Scheduler::refresh(std::uint32_t w) {
  const WorkerRec& W = workers_[w];
  if (!W.alive) return;
  for (std::uint16_t c : W.classes) ready_workers_[c].set(w, can_take(W, c, 0));
  if (config_.stealing) backlogged_.set(w, W.processing.size() > W.nthreads);
}

}  // namespace weft::sched
