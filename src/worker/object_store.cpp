#include "worker/object_store.hpp"

#include <algorithm>
#include <cstdio>

#include "diag/log.hpp"
#include "weft/error.hpp"

namespace weft::worker {

std::string over_limit_message(const char* what, std::uint64_t bytes, std::uint64_t limit) {
  const auto mib = [](std::uint64_t n) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(n) / (1 << 20));
    return std::string(text);
  };
  return std::string("the task's ") + what + " alone take " + mib(bytes) + " (" +
         std::to_string(bytes) + " bytes), more than this worker's memory limit of " + mib(limit) +
         " (" + std::to_string(limit) + " bytes)";
}

// Without a limit nothing is ever spilled, so the LRU order is not kept: the store costs a
// hash map, as before there was a limit.

void ObjectStore::put(std::uint64_t id, Stored s) {
  erase(id);
  Entry& e = objects_[id];
  e.bytes = s.message.total_bytes();
  e.value = std::move(s);
  in_memory_ += e.bytes;
  if (managed()) e.lru = lru_.insert(lru_.end(), id);
}

const Stored* ObjectStore::get(std::uint64_t id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return nullptr;
  Entry& e = it->second;
  if (!e.in_memory) {
    e.value = Stored{files_.read(id), {}, {}};
    e.in_memory = true;
    in_memory_ += e.bytes;
    e.lru = lru_.insert(lru_.end(), id);
  } else if (managed()) {
    lru_.splice(lru_.end(), lru_, e.lru);
  }
  return &e.value;
}

void ObjectStore::lend(std::uint64_t id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return;
  it->second.lent_until = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(kLendSeconds));
}

std::uint64_t ObjectStore::size_of(std::uint64_t id) const {
  auto it = objects_.find(id);
  return it == objects_.end() ? 0 : it->second.bytes;
}

void ObjectStore::erase(std::uint64_t id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return;
  if (it->second.in_memory) {
    in_memory_ -= it->second.bytes;
    if (managed()) lru_.erase(it->second.lru);
  }
  files_.remove(id);
  objects_.erase(it);
}

std::uint64_t ObjectStore::relieve(std::uint64_t resident) {
  const auto target = static_cast<std::uint64_t>(kSpillFraction * static_cast<double>(limit_));
  std::uint64_t spilled = 0;
  auto over = [&] {
    if (spill_all_) return true;
    return in_memory_ > target || resident - std::min(resident, spilled) > target;
  };
  const auto now = std::chrono::steady_clock::now();
  for (auto it = lru_.begin(); it != lru_.end() && over();) {
    const std::uint64_t id = *it++;  // before spill() unlinks it
    Entry& e = objects_.at(id);
    if (e.lent_until > now) continue;
    try {
      spill(e, id);
      spilled += e.bytes;
    } catch (const Error& err) {
      diag::log_warn("keeping object %llu in memory: %s", static_cast<unsigned long long>(id),
                     err.what());
      return spilled;
    }
  }
  return spilled;
}

// Drops the object's bytes from memory, writing them first unless a reload left the file.
// Memory is freed when the last Buffer goes: a running task or a pending send may still
// hold one. A shared-memory segment's name goes with it; readers' mappings stay valid.
void ObjectStore::spill(Entry& e, std::uint64_t id) {
  if (!files_.contains(id)) files_.write(id, e.value.message);
  e.value = Stored{};
  e.in_memory = false;
  in_memory_ -= e.bytes;
  lru_.erase(e.lru);
}

}  // namespace weft::worker
