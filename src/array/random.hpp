// Random streams for array blocks: xoshiro256++ (Blackman and Vigna), seeded per block by
// splitmix64 from (seed, block index), and Marsaglia and Tsang's ziggurat for normals.
//
// Why these: generating the normals is most of the work of a benchmark like
// (x + x.T).sum() on random_normal data, so the generator must cost a few nanoseconds per
// value: xoshiro256++ is one of the fastest generators that pass BigCrush, and the
// ziggurat returns 98.8% of its values after one draw, a table lookup and a multiply.
#pragma once

#include <cstdint>

namespace weft::array::detail {

class Xoshiro256 {
 public:
  Xoshiro256(std::uint64_t seed, std::uint64_t stream) noexcept;
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1), 53 bits.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// Fills out[0..n) with standard normal values.
void fill_normal(Xoshiro256& rng, double* out, std::int64_t n);

}  // namespace weft::array::detail
