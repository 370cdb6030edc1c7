// Objects from peers: fetching a task's inputs from the workers that hold them.
#include "worker/worker_process.hpp"

namespace weft::worker {

void Worker::on_objects(std::uint32_t, net::Objects& objects) {
  for (net::Object& o : objects.objects) {
    if (fetching_.count(o.id) == 0) continue;  // already here, or no longer needed
    if (!o.chunked.empty()) {
      assembler_.start(std::move(o));  // on_peer calls back with it whole
      continue;
    }
    if (!o.found) {
      ask_next_holder(o.id);
      continue;
    }
    Stored stored;
    try {
      stored = receive_object(std::move(o.body), std::move(o.frames), std::move(o.shm),
                              std::move(o.layout), false);
    } catch (const Error& e) {  // freed between the answer and the mapping
      ask_next_holder(o.id);
      continue;
    }
    if (auto f = fetching_.find(o.id); f != fetching_.end()) {
      transfers_.push_back(net::Transfer{f->second.holders[f->second.next],
                                         stored.message.total_bytes(), f->second.asked,
                                         wall_time()});
      fetching_.erase(f);
    }
    objects_.put(o.id, std::move(stored));
    replicated_.ids.push_back(o.id);
    auto users = needed_by_.extract(o.id);
    if (users.empty()) continue;
    for (std::uint64_t t : users.mapped()) {
      auto it = waiting_.find(t);
      if (it == waiting_.end() || --it->second.missing > 0) continue;
      net::RunItem item = std::move(it->second.item);
      waiting_.erase(it);
      start(std::move(item));
    }
  }
}

// Asks the next holder of `object`, or fails the tasks waiting for it when none is left.
void Worker::ask_next_holder(std::uint64_t object) {
  Fetching& f = fetching_[object];
  while (++f.next < f.holders.size()) {
    if (peers_.count(f.holders[f.next]) > 0) {
      f.asked = wall_time();
      fetches_[f.holders[f.next]].push_back(object);
      return;
    }
  }
  fetching_.erase(object);
  auto users = needed_by_.extract(object);
  if (users.empty()) return;
  for (std::uint64_t t : users.mapped()) {
    auto it = waiting_.find(t);
    if (it == waiting_.end()) continue;
    fail(
        t, "weft::Error",
        "dependency " + std::to_string(object) + " could not be fetched from any worker holding it",
        it->second.item.call.name);
    waiting_.erase(it);
  }
}

// A received object; one whose frames are in another process's segment keeps the segment
// mapped (its name may be unlinked meanwhile: the mapping stays valid).
Stored Worker::receive_object(Buffer body, std::vector<Buffer> frames, std::string shm,
                              store::Layout layout, bool take_ownership) {
  if (shm.empty()) return Stored{serde::Message{std::move(body), std::move(frames)}, {}, {}};
  std::vector<Buffer> mapped = store::map_shared(shm, layout, take_ownership);
  if (!take_ownership) shm.clear(), layout.clear();
  return Stored{serde::Message{std::move(body), std::move(mapped)}, std::move(shm),
                std::move(layout)};
}

}  // namespace weft::worker
