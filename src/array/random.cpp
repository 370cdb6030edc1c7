#include "random.hpp"

#include <cmath>
#include <cstdlib>

namespace weft::array::detail {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The 128-layer ziggurat tables of Marsaglia and Tsang (2000), for 56-bit signed draws:
// the layer comes from the low 7 bits of a 64-bit draw and the value from the top 56, so
// the two never share bits.
struct Ziggurat {
  static constexpr double kR = 3.442619855899;
  static constexpr double kScale = 36028797018963968.0;  // 2^55, the range of a 56-bit draw
  std::int64_t k[128];
  double w[128];
  double f[128];

  Ziggurat() {
    const double v = 9.91256303526217e-3;
    double dn = kR, tn = kR;
    const double q = v / std::exp(-0.5 * dn * dn);
    k[0] = static_cast<std::int64_t>((dn / q) * kScale);
    k[1] = 0;
    w[0] = q / kScale;
    w[127] = dn / kScale;
    f[0] = 1.0;
    f[127] = std::exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; --i) {
      dn = std::sqrt(-2.0 * std::log(v / dn + std::exp(-0.5 * dn * dn)));
      k[i + 1] = static_cast<std::int64_t>((dn / tn) * kScale);
      tn = dn;
      f[i] = std::exp(-0.5 * dn * dn);
      w[i] = dn / kScale;
    }
  }
};

const Ziggurat& tables() {
  static const Ziggurat z;
  return z;
}

// The slow path: the base strip's tail, or a point near a layer's curved edge.
double fix(const Ziggurat& z, Xoshiro256& rng, std::int64_t hz, unsigned iz) {
  for (;;) {
    const double x = static_cast<double>(hz) * z.w[iz];
    if (iz == 0) {
      double xt, y;
      do {
        xt = -std::log(1.0 - rng.uniform()) / Ziggurat::kR;
        y = -std::log(1.0 - rng.uniform());
      } while (y + y < xt * xt);
      return hz > 0 ? Ziggurat::kR + xt : -Ziggurat::kR - xt;
    }
    if (z.f[iz] + rng.uniform() * (z.f[iz - 1] - z.f[iz]) < std::exp(-0.5 * x * x)) return x;
    const std::uint64_t u = rng.next();
    iz = static_cast<unsigned>(u & 127);
    hz = static_cast<std::int64_t>(u) >> 8;
    if (std::llabs(hz) < z.k[iz]) return static_cast<double>(hz) * z.w[iz];
  }
}

}  // namespace

Xoshiro256::Xoshiro256(std::uint64_t seed, std::uint64_t stream) noexcept {
  std::uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
  splitmix64(x);
  for (std::uint64_t& s : s_) s = splitmix64(x);
}

void fill_normal(Xoshiro256& rng, double* out, std::int64_t n) {
  const Ziggurat& z = tables();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t u = rng.next();
    const auto iz = static_cast<unsigned>(u & 127);
    const std::int64_t hz = static_cast<std::int64_t>(u) >> 8;
    out[i] = std::llabs(hz) < z.k[iz] ? static_cast<double>(hz) * z.w[iz] : fix(z, rng, hz, iz);
  }
}

}  // namespace weft::array::detail
