// Objects on disk: where a worker puts what does not fit under its memory limit.
//
// One file per object in a directory of the worker's own (PARENT/weft-spill-PID): the body,
// then each frame at a 64-byte aligned offset, so that a reload maps the file and hands out
// Buffers aliasing the mapping (page cache; no copy, frames aligned for any element type).
// A file stays until the object is removed, so an object that was reloaded and must leave
// memory again costs nothing: its mapping is simply dropped. Not safe for concurrent use:
// the worker's I/O thread is the only caller.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "store/shared_memory.hpp"
#include "weft/serde.hpp"

namespace weft::store {

class SpillFiles {
 public:
  // Files go to PARENT/weft-spill-PID, made on the first write; an empty `parent` means
  // $TMPDIR, or /tmp.
  explicit SpillFiles(std::string parent);
  // Removes every file and the directory.
  ~SpillFiles();
  SpillFiles(const SpillFiles&) = delete;
  SpillFiles& operator=(const SpillFiles&) = delete;

  // Writes `m` to disk as object `id`. REQUIRES: !contains(id). Throws Error (naming the
  // file and the reason, e.g. a full disk) and leaves no file behind on failure.
  void write(std::uint64_t id, const serde::Message& m);
  // Maps object `id`'s file read-only: the message's Buffers alias the mapping. REQUIRES:
  // contains(id). Throws Error when the file cannot be opened or mapped.
  serde::Message read(std::uint64_t id) const;
  bool contains(std::uint64_t id) const { return files_.count(id) > 0; }
  // Deletes object `id`'s file, if any.
  void remove(std::uint64_t id) noexcept;

  // Bytes of objects on disk (body plus frames, without padding).
  std::uint64_t bytes() const noexcept { return bytes_; }
  // The directory, empty before the first write.
  const std::string& directory() const noexcept { return dir_; }

 private:
  struct File {
    std::uint64_t body = 0;  // the body's size, at offset 0
    Layout frames;           // (offset, size) of each frame
    std::uint64_t bytes = 0;
  };
  std::string path_of(std::uint64_t id) const;

  std::string parent_;
  std::string dir_;
  std::unordered_map<std::uint64_t, File> files_;
  std::uint64_t bytes_ = 0;
};

// The directory a process with id `pid` spills to under `parent` (as SpillFiles names it).
std::string spill_directory(const std::string& parent, int pid);

// Removes the spill directory of a process that died without cleaning up (SIGKILL).
void remove_spill_directory(const std::string& parent, int pid) noexcept;

// This process's resident memory in bytes (VmRSS: heap, touched mappings, shared-memory
// segments it maps), or 0 when /proc is unavailable.
std::uint64_t resident_bytes() noexcept;

}  // namespace weft::store
