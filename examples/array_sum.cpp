// Chunked arrays: (x + x.T).sum() and x.mean(axis=0) on a random array, like dask.array.
//
//   array_sum [--weft-runtime=SPEC] [N] [BLOCK]
//
// The array is never whole in memory: each block is generated, read by the fused
// x + x.T reduction task (transposed blocks are read tile by tile, never copied), and freed.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <weft/array.hpp>
#include <weft/weft.hpp>

namespace wa = weft::array;

int main(int argc, char** argv) {
  weft::Runtime rt = weft::init(argc, argv);
  std::vector<std::int64_t> sizes;  // positional arguments; --weft-* flags are init's
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--", 0) != 0) sizes.push_back(std::atoll(argv[i]));
  }
  const std::int64_t n = sizes.size() > 0 ? sizes[0] : 1000;
  const std::int64_t block = sizes.size() > 1 ? sizes[1] : 256;
  std::printf("runtime: %s\n", rt.describe().c_str());

  wa::Array x = wa::random_normal({n, n}, {block, block}, {.seed = 42});
  const double total = (x + x.T()).sum().compute().item<double>();
  const wa::Dense means = x.mean({.axis = {0}}).compute();
  std::printf("sum of x + x.T: %.6f\n", total);
  std::printf("mean over axis 0, first 3: [%.6f, %.6f, %.6f]\n", means.at<double>({0}),
              means.at<double>({1}), means.at<double>({2}));

  // The same from the whole array, serially.
  const std::vector<double> v = x.compute().to_vector<double>();
  double serial = 0, col0 = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < n; ++j) serial += v[i * n + j] + v[j * n + i];
    col0 += v[i * n];
  }
  const bool ok = std::fabs(serial - total) < 1e-9 * static_cast<double>(n * n) &&
                  std::fabs(col0 / static_cast<double>(n) - means.at<double>({0})) < 1e-12;
  std::printf("matches serial: %s\n", ok ? "yes" : "no");
  return ok ? 0 : 1;
}
