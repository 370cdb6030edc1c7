#include "worker/actor_table.hpp"

#include <mutex>

#include "weft/detail/actor_registry.hpp"
#include "weft/error.hpp"

namespace weft::worker {
namespace {

thread_local std::uint64_t t_current_task = 0;

struct Adopted {
  std::mutex mu;
  std::string address;
  std::vector<std::pair<std::uint64_t, ActorInstance>> actors;
};
Adopted& adopted() {
  static Adopted a;
  return a;
}

}  // namespace

void set_current_task(std::uint64_t id) noexcept { t_current_task = id; }

void set_actor_address(std::string address) {
  Adopted& a = adopted();
  std::lock_guard<std::mutex> lock(a.mu);
  a.address = std::move(address);
}

std::vector<std::pair<std::uint64_t, ActorInstance>> take_adopted() {
  Adopted& a = adopted();
  std::lock_guard<std::mutex> lock(a.mu);
  return std::exchange(a.actors, {});
}

}  // namespace weft::worker

namespace weft::detail {

std::string adopt_actor(void* object, void (*destroy)(void*)) {
  worker::ActorInstance instance(object, destroy);
  worker::Adopted& a = worker::adopted();
  std::lock_guard<std::mutex> lock(a.mu);
  if (a.address.empty()) throw Error("weft: actors are constructed on cluster workers only");
  a.actors.emplace_back(worker::t_current_task, std::move(instance));
  return a.address;
}

}  // namespace weft::detail
