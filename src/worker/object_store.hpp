// The objects a worker holds (task results, put() objects, fetched dependencies) and the
// memory limit over them: past the spill threshold the least recently used objects go to
// disk (store::SpillFiles) and come back transparently on access; past the pause threshold
// the worker starts no new tasks (Worker::manage_memory).
//
// Thresholds are fractions of the limit, as in Dask: spill while the objects in memory, or
// the process's resident memory, exceed kSpillFraction; pause while resident memory exceeds
// kPauseFraction. Resident memory counts what the objects do not (the program, the threads,
// tasks' working memory), so a worker whose idle footprint is a large part of its limit
// spills early. Used by the worker's I/O thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

#include "store/shared_memory.hpp"
#include "store/spill.hpp"
#include "weft/serde.hpp"

namespace weft::worker {

// An object held here; `shm` names its segment when its frames are in a shared-memory
// segment this worker owns (made here, or handed over by put()). Objects fetched from a
// peer's segment are served as bytes: the peer may remove its segment's name any time. A
// reloaded object is served as bytes too (its frames are a mapping of the spill file).
struct Stored {
  serde::Message message;
  std::string shm;
  store::Layout layout;
};

// The message of a MemoryLimitError: a task's `what` ("inputs", "result") of `bytes` alone
// exceed the worker's limit.
std::string over_limit_message(const char* what, std::uint64_t bytes, std::uint64_t limit);

class ObjectStore {
 public:
  static constexpr double kSpillFraction = 0.6;
  static constexpr double kPauseFraction = 0.8;
  static constexpr double kLendSeconds = 1;

  // `limit` in bytes, 0 for none; spill files go under `spill_dir` (empty: $TMPDIR or
  // /tmp). With `spill_all`, every object goes to disk as soon as relieve() runs after it
  // arrived (a test switch: results must not change).
  ObjectStore(std::uint64_t limit, std::string spill_dir, bool spill_all)
      : limit_(limit), spill_all_(spill_all), files_(std::move(spill_dir)) {}

  // True when there is a limit or spill_all: only then relieve() and pausing do anything.
  bool managed() const noexcept { return limit_ > 0 || spill_all_; }
  std::uint64_t limit() const noexcept { return limit_; }

  // Keeps `s` as object `id`, replacing an earlier one; it becomes the most recently used.
  void put(std::uint64_t id, Stored s);
  // Object `id`, reloaded from disk if it was spilled; it becomes the most recently used.
  // Null when it is not here. The pointer is valid until the next call that changes the
  // store. Throws Error when its spill file cannot be read back.
  const Stored* get(std::uint64_t id);
  bool contains(std::uint64_t id) const { return objects_.count(id) > 0; }
  std::size_t count() const noexcept { return objects_.size(); }
  // Object `id`'s size in bytes (body plus frames) wherever it is; 0 when it is not here.
  std::uint64_t size_of(std::uint64_t id) const;
  // Records that object `id`'s segment name was just handed to a reader on this node, which
  // has yet to map it: relieve() leaves it in memory for kLendSeconds, since spilling
  // removes the name (a reader's mapping made before that stays valid).
  void lend(std::uint64_t id);
  // Forgets object `id` and deletes its spill file.
  void erase(std::uint64_t id);

  // Spills least recently used objects until the objects in memory and `resident` (the
  // process's resident bytes, less what this call spilled) are both under the spill
  // threshold, or everything with spill_all; objects lent out stay. Returns the bytes spilled. A
  // write that fails (disk full) is logged once per call and the object stays in memory.
  std::uint64_t relieve(std::uint64_t resident);
  // True when `resident` bytes are over the pause threshold.
  bool over_pause(std::uint64_t resident) const noexcept {
    return limit_ > 0 && static_cast<double>(resident) > kPauseFraction * limit_;
  }

  std::uint64_t memory_bytes() const noexcept { return in_memory_; }
  std::uint64_t spilled_bytes() const noexcept { return files_.bytes(); }

 private:
  struct Entry {
    Stored value;  // empty while spilled
    std::uint64_t bytes = 0;
    bool in_memory = true;
    std::chrono::steady_clock::time_point lent_until;  // see lend()
    std::list<std::uint64_t>::iterator lru;            // valid while in_memory
  };
  void spill(Entry& e, std::uint64_t id);

  std::uint64_t limit_;
  bool spill_all_;
  store::SpillFiles files_;
  std::unordered_map<std::uint64_t, Entry> objects_;
  std::list<std::uint64_t> lru_;  // objects in memory, least recently used first
  std::uint64_t in_memory_ = 0;
};

}  // namespace weft::worker
