// The typed loops behind each elementwise instruction.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include "program.hpp"

namespace weft::array::detail {

// Fills `n` elements of `out` with a kConst instruction's value, in its dtype.
void fill_const(const Instr& in, void* out, std::int64_t n);
// Runs one instruction (not kInput or kConst) over `n` elements of its operand registers.
// Throws std::domain_error for an integer raised to a negative integer power.
void run_op(const Program& p, const Instr& in, const void* a, const void* b, const void* c,
            void* out, std::int64_t n);

// static_cast, except that NaN and out-of-range floats give the integer type's minimum (as
// NumPy does on x86) instead of undefined behaviour.
template <class To, class From>
To convert(From v) noexcept {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From{};
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    constexpr double lo = static_cast<double>(std::numeric_limits<To>::min());
    constexpr double hi = -lo;  // 2^(bits-1), exact in a double
    const double d = static_cast<double>(v);
    return d >= lo && d < hi ? static_cast<To>(d) : std::numeric_limits<To>::min();
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace weft::array::detail
