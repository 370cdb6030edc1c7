#include "net/chunks.hpp"

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
  for (std::uint64_t size : o.chunked) {
    std::shared_ptr<std::byte[]> bytes(new std::byte[size]);
    o.frames.emplace_back(bytes.get(), size, bytes);
    p.storage.push_back(std::move(bytes));
  }
  p.missing = total;
  const std::uint64_t id = o.id;
  p.object = std::move(o);
  if (total == 0) p.object.chunked.clear();
  pending_[id] = std::move(p);
}

std::optional<Object> Assembler::add(const ObjectChunk& chunk) {
  auto it = pending_.find(chunk.id);
  if (it == pending_.end()) {
    throw ProtocolError("chunk of object " + std::to_string(chunk.id) + ", which is not expected");
  }
  Pending& p = it->second;
  if (chunk.frame >= p.storage.size() || chunk.offset > p.object.chunked[chunk.frame] ||
      chunk.data.size() > p.object.chunked[chunk.frame] - chunk.offset ||
      chunk.data.size() > p.missing) {
    throw ProtocolError("chunk of object " + std::to_string(chunk.id) + " out of bounds");
  }
  if (!chunk.data.empty()) {
    std::memcpy(p.storage[chunk.frame].get() + chunk.offset, chunk.data.data(), chunk.data.size());
  }
  p.missing -= chunk.data.size();
  if (p.missing > 0) return std::nullopt;
  Object done = std::move(p.object);
  done.chunked.clear();
  pending_.erase(it);
  return done;
}

}  // namespace weft::net
