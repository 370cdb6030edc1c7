// The hashing behind node keys: XXH3, and the fallback for values that cannot be hashed.
#include <xxhash.h>

#include <atomic>
#include <string>

#include "weft/detail/tokenize.hpp"

namespace weft::detail {

std::uint64_t hash_bytes(const void* data, std::size_t size, std::uint64_t seed) noexcept {
  return XXH3_64bits_withSeed(data, size, seed);
}

std::uint64_t unique_token() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

std::string make_key(std::string_view name, std::uint64_t token) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  key.reserve(name.size() + 17);
  key.append(name);
  key.push_back('-');
  for (int shift = 60; shift >= 0; shift -= 4) key.push_back(kHex[(token >> shift) & 0xf]);
  return key;
}

}  // namespace weft::detail
