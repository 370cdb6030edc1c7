// Functions registered with WEFT_REMOTE, by address and by name.
//
// Registration runs during static initialisation (and when a library of tasks is loaded),
// lookups any time after, so the maps are guarded by a reader-writer lock rather than
// assumed immutable.
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include <xxhash.h>

#include "weft/detail/actor_registry.hpp"
#include "weft/detail/remote_call.hpp"
#include "weft/detail/task.hpp"

namespace weft::detail {
namespace {
struct Registry {
  std::shared_mutex mu;
  std::unordered_map<const void*, RemoteFunction> by_address;
  std::unordered_map<std::string_view, const void*> by_name;
};
Registry& registry() {
  static Registry r;
  return r;
}
}  // namespace

std::uint64_t call_signature(std::span<const std::uint64_t> params, std::uint64_t result) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, params.data(), params.size_bytes());
  XXH3_64bits_update(state, &result, sizeof result);
  const std::uint64_t h = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return h;
}

bool register_function(const void* fn, const RemoteFunction& entry) {
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  r.by_address[fn] = entry;
  // The first registration of a name wins; the same function registered twice (a header
  // included in two files) maps to one address anyway.
  r.by_name.emplace(entry.name, fn);
  return true;
}

const RemoteFunction* find_function(const void* fn) noexcept {
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  auto it = r.by_address.find(fn);
  return it == r.by_address.end() ? nullptr : &it->second;
}

const RemoteFunction* find_function(std::string_view name) noexcept {
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  auto it = r.by_name.find(name);
  if (it == r.by_name.end()) return nullptr;
  return &r.by_address.find(it->second)->second;
}

namespace {
struct Methods {
  std::shared_mutex mu;
  std::unordered_map<std::string_view, ActorMethod> by_name;
};
Methods& methods() {
  static Methods m;
  return m;
}
}  // namespace

bool register_method(const ActorMethod& method) {
  Methods& m = methods();
  std::unique_lock lock(m.mu);
  m.by_name.emplace(method.name, method);
  return true;
}

const ActorMethod* find_method(std::string_view name) noexcept {
  Methods& m = methods();
  std::shared_lock lock(m.mu);
  auto it = m.by_name.find(name);
  return it == m.by_name.end() ? nullptr : &it->second;
}

const char* registered_name(const void* fn) noexcept {
  const RemoteFunction* f = find_function(fn);
  return f == nullptr ? nullptr : f->name;
}

}  // namespace weft::detail
