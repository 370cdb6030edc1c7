// Large objects between nodes travel in chunks: the answer to a Fetch names the sizes of an
// object's frames (Object::chunked), and the bytes follow as ObjectChunk messages of at most
// kChunkBytes. ZeroMQ then never holds a whole multi-gigabyte message, other messages to the
// same peer are not stuck behind one, and the receiver writes each chunk into the frame's
// final place as it arrives.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "net/protocol.hpp"

namespace weft::net {

inline constexpr std::uint64_t kChunkBytes = 4 << 20;

// Whether `o` (found, its frames in hand) should go in chunks.
bool should_chunk(const Object& o);

// Sends the answer's objects: those that should go in chunks are announced in `reply` and
// their frames follow, sliced without copying.
void send_objects(zmq::socket_t& socket, std::string_view routing_id, Objects reply);

// Rebuilds chunked objects on the receiving side.
class Assembler {
 public:
  // Starts assembling `o` (o.chunked non-empty). Throws ProtocolError for sizes that are
  // absurd (over kMaxObjectBytes in all).
  void start(Object o);
  // Adds a chunk; returns the whole object once its last chunk arrived, else null. Throws
  // ProtocolError for a chunk of an unknown object or out of bounds.
  std::optional<Object> add(const ObjectChunk& chunk);
  // Drops objects being assembled (their sender is gone).
  void clear() { pending_.clear(); }

  static constexpr std::uint64_t kMaxObjectBytes = std::uint64_t{1} << 40;

 private:
  struct Pending {
    Object object;  // body and id; frames filled as chunks arrive
    std::vector<std::shared_ptr<std::byte[]>> storage;
    std::uint64_t missing = 0;
  };
  std::unordered_map<std::uint64_t, Pending> pending_;
};

}  // namespace weft::net
