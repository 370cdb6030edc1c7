// joblib's first example, Parallel(n_jobs=2)(delayed(sqrt)(i ** 2) for i in range(10)),
// written with weft::parallel_map.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ranges>

#include <weft/weft.hpp>

int main(int argc, char** argv) {
  auto rt = weft::init(argc, argv);
  const auto start = std::chrono::steady_clock::now();
  auto roots = weft::parallel_map([](int i) { return std::sqrt(static_cast<double>(i * i)); },
                                  std::views::iota(0, 10), {.n_jobs = 2});
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  std::printf("[");
  for (std::size_t i = 0; i < roots.size(); ++i) std::printf(i ? ", %.1f" : "%.1f", roots[i]);
  std::printf("]\n");
  std::printf("elapsed: %.6f s\n", elapsed.count());
}
