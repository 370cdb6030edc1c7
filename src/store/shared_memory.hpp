// Objects in shared memory: how one process hands another on the same node a large object
// at the cost of a mapping, not a copy.
//
// A worker moves the frames (the large arrays) of a big result into one POSIX shared-memory
// segment (/dev/shm/weft-...) as the task finishes; when a peer or client on the same node
// fetches it, the reply carries the segment's name and the frames' layout instead of the
// bytes, and the reader maps the segment read-only. Readers' Buffers (and ArrayViews decoded
// from them) alias the mapping. The segment's name is removed when the holder frees the
// object; mappings already made stay valid until their last Buffer goes, as POSIX
// guarantees for unlinked segments.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "weft/serde.hpp"

namespace weft::store {

// (offset, size) of each frame within a segment.
using Layout = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

// Frames of at least this many bytes in total go to shared memory.
inline constexpr std::uint64_t kSharedThreshold = 1 << 20;

// False when WEFT_SHARED_MEMORY=0: large objects then travel over the sockets even on one
// node (for a small /dev/shm, as in some containers).
bool enabled();

// Identifies the node (machine) for deciding whether shared memory reaches a peer:
// WEFT_NODE_ID if set (tests give network namespaces distinct ones), else the host name
// and the kernel's boot id.
const std::string& node_id();

// A message whose frames live in a segment.
struct Shared {
  serde::Message message;  // body as given; frames alias the segment
  std::string name;        // the segment, for readers
  Layout layout;
};

// Copies the frames of `m` into a new segment named after `tag` (unique per process) and
// returns the message re-pointed at it. With `owner`, the segment's name is unlinked when
// the last frame of the result is gone; without, whoever maps it with take_ownership does
// that (a put() handed to a worker). Throws Error when shared memory is unavailable or full.
Shared share(const serde::Message& m, const std::string& tag, bool owner = true);

// Maps segment `name` read-only and returns its frames per `layout`; with take_ownership,
// unlinks the name once they are all gone. Throws Error when the segment is gone (freed
// meanwhile) or the layout does not fit it.
std::vector<Buffer> map_shared(const std::string& name, const Layout& layout,
                               bool take_ownership = false);

// Total bytes of a message's frames.
std::uint64_t frame_bytes(const serde::Message& m);

// Removes a segment's name (mappings stay valid): for a segment made without owner that
// was not handed over after all.
void unlink(const std::string& name) noexcept;

// Removes leftover segments of a process that died without cleaning up (SIGKILL).
void remove_segments_of(int pid);

}  // namespace weft::store
