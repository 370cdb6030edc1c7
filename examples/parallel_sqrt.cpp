// joblib's first example, Parallel(n_jobs=2)(delayed(sqrt)(i ** 2) for i in range(10)),
// written with weft::parallel_map. sqrt_of is registered so that the same code runs on
// worker processes too: ./parallel_sqrt --weft-runtime=processes:2
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ranges>

#include <weft/weft.hpp>

double sqrt_of(double x) { return std::sqrt(x); }
WEFT_REMOTE(sqrt_of);

int main(int argc, char** argv) {
  auto rt = weft::init(argc, argv);
  const auto start = std::chrono::steady_clock::now();
  auto squares = std::views::iota(0, 10) | std::views::transform([](int i) { return i * i; });
  auto roots = weft::parallel_map(sqrt_of, squares, {.n_jobs = 2});
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  std::printf("[");
  for (std::size_t i = 0; i < roots.size(); ++i) std::printf(i ? ", %.1f" : "%.1f", roots[i]);
  std::printf("]\n");
  std::printf("elapsed: %.6f s on %s\n", elapsed.count(), rt.describe().c_str());
}
