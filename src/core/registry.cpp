// Names of functions registered with WEFT_REMOTE.
//
// Registration runs during static initialisation, lookups any time after, so the map is
// guarded by a reader-writer lock rather than assumed immutable.
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "weft/remote.hpp"

namespace weft::detail {
namespace {
struct Registry {
  std::shared_mutex mu;
  std::unordered_map<const void*, const char*> names;
};
Registry& registry() {
  static Registry r;
  return r;
}
}  // namespace

bool register_function(const void* fn, const char* name) {
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  r.names[fn] = name;
  return true;
}

const char* registered_name(const void* fn) noexcept {
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  auto it = r.names.find(fn);
  return it == r.names.end() ? nullptr : it->second;
}

}  // namespace weft::detail
