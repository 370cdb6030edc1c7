#include "chaos_tasks.hpp"

#include <csignal>

#include <weft/weft.hpp>

namespace chaos {

std::uint64_t leaf(std::uint64_t i, std::uint32_t spin) {
  std::uint64_t x = i;
  for (std::uint32_t r = 0; r < spin; ++r) {  // splitmix64 steps
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
  }
  return x;
}
WEFT_REMOTE(leaf);

std::uint64_t combine(std::uint64_t left, std::uint64_t right) {
  return left * 0x100000001b3ULL + right;
}
WEFT_REMOTE(combine);

int die() {
  std::raise(SIGKILL);
  return 0;
}
WEFT_REMOTE(die);

}  // namespace chaos
