#include "net/chunks.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "net/wire.hpp"

namespace weft::net {

bool should_chunk(const Object& o) {
  std::uint64_t total = 0;
  for (const Buffer& f : o.frames) total += f.size();
  return o.found && o.shm.empty() && total > kChunkBytes;
}

void send_objects(zmq::socket_t& socket, std::string_view routing_id, Objects reply) {
  std::vector<Object> chunked;
  for (Object& o : reply.objects) {
    if (!should_chunk(o)) continue;
    for (const Buffer& f : o.frames) o.chunked.push_back(f.size());
    chunked.push_back(o);  // keeps the frames (shared, not copied) for the chunks below
    o.frames.clear();
  }
  send(socket, routing_id, Kind::kObjects, reply);
  for (const Object& o : chunked) {
    for (std::uint32_t i = 0; i < o.frames.size(); ++i) {
      const Buffer& f = o.frames[i];
      for (std::uint64_t off = 0; off < f.size(); off += kChunkBytes) {
        const std::uint64_t n = std::min<std::uint64_t>(kChunkBytes, f.size() - off);
        send(socket, routing_id, Kind::kObjectChunk, ObjectChunk{o.id, i, off, f.slice(off, n)});
      }
    }
  }
}

namespace {

// Frees a frame's bytes, unless realloc took them over.
struct FreeBytes {
  bool moved = false;
  void operator()(std::byte* p) const noexcept {
    if (!moved) std::free(p);
  }
};

// Room for `needed` bytes of a frame of `size`: capacity doubles as chunks arrive (capped at
// the frame's size), so memory follows the bytes received, not the size a peer announced.
// Large blocks grow by mremap inside realloc, without copying.
void reserve(std::shared_ptr<std::byte[]>& bytes, std::uint64_t received, std::uint64_t needed,
             std::uint64_t size) {
  const std::uint64_t capacity = received == 0 ? 0 : std::min(size, std::bit_ceil(received));
  if (needed <= capacity) return;
  const std::uint64_t grown = std::min(size, std::bit_ceil(needed));
  void* p = std::realloc(bytes.get(), grown);
  if (p == nullptr) {
    throw ProtocolError("no memory for a chunked object's " + std::to_string(size) + " bytes");
  }
  if (bytes) std::get_deleter<FreeBytes>(bytes)->moved = true;
  bytes = std::shared_ptr<std::byte[]>(static_cast<std::byte*>(p), FreeBytes{});
}

}  // namespace

// Nothing is allocated here: a few bytes announcing a terabyte must not cost one. While an
// object is pending, frames[i] holds the bytes received so far of frame i (no owner; its
// storage is storage[i]).
void Assembler::start(Object o) {
  Pending p;
  std::uint64_t total = 0;
  for (std::uint64_t size : o.chunked) {
    total += size;
    if (size > kMaxObjectBytes || total > kMaxObjectBytes) {
      throw ProtocolError("chunked object " + std::to_string(o.id) + " claims " +
                          std::to_string(total) + "+ bytes");
    }
  }
  o.frames.assign(o.chunked.size(), Buffer());
  p.storage.resize(o.chunked.size());
  p.missing = total;
  const std::uint64_t id = o.id;
  p.object = std::move(o);
  pending_[id] = std::move(p);
}

// Chunks of a frame must come in order, as send_objects sends them over one connection: a
// repeated or overlapping chunk would otherwise complete the object with bytes never written.
std::optional<Object> Assembler::add(const ObjectChunk& chunk) {
  auto it = pending_.find(chunk.id);
  if (it == pending_.end()) {
    throw ProtocolError("chunk of object " + std::to_string(chunk.id) + ", which is not expected");
  }
  Pending& p = it->second;
  if (chunk.frame >= p.storage.size()) {
    throw ProtocolError("chunk of object " + std::to_string(chunk.id) + " out of bounds");
  }
  const std::uint64_t size = p.object.chunked[chunk.frame];
  Buffer& frame = p.object.frames[chunk.frame];
  const std::uint64_t received = frame.size();
  if (chunk.offset != received || chunk.data.size() > size - received) {
    throw ProtocolError("chunk of object " + std::to_string(chunk.id) + " out of order (bytes " +
                        std::to_string(chunk.offset) + "+" + std::to_string(chunk.data.size()) +
                        " of frame " + std::to_string(chunk.frame) + ", which has " +
                        std::to_string(received) + " of " + std::to_string(size) + ")");
  }
  if (!chunk.data.empty()) {
    std::shared_ptr<std::byte[]>& bytes = p.storage[chunk.frame];
    reserve(bytes, received, received + chunk.data.size(), size);
    std::memcpy(bytes.get() + received, chunk.data.data(), chunk.data.size());
    frame = Buffer(bytes.get(), received + chunk.data.size(), nullptr);
  }
  p.missing -= chunk.data.size();
  if (p.missing > 0) return std::nullopt;
  Object done = std::move(p.object);
  for (std::size_t i = 0; i < done.frames.size(); ++i) {
    if (!done.frames[i].empty()) {
      done.frames[i] = Buffer(p.storage[i].get(), done.frames[i].size(), p.storage[i]);
    }
  }
  done.chunked.clear();
  pending_.erase(it);
  return done;
}

}  // namespace weft::net
