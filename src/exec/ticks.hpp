// A timestamp cheap enough to take twice per task while a run is recorded: the CPU's
// time-stamp counter (9 ns here, against 26 ns for system_clock) where the kernel itself
// trusts it as its clock source (constant and synchronized across cores), else
// steady_clock's nanoseconds. Only differences mean anything; diag::TickClock turns them
// into wall-clock seconds.
#pragma once

#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace weft::exec {

// True when ticks() reads the time-stamp counter (decided once, at start-up).
extern const bool kTicksAreTsc;

inline std::uint64_t ticks() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  if (kTicksAreTsc) return __rdtsc();
#endif
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

}  // namespace weft::exec
