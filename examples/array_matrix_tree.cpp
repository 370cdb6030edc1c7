// The four-matrix tree of matrix_tree.cpp, with weft arrays: A @ B + C @ D, where each
// matrix is a 3 x 3 grid of blocks and each product is a blocked product (one task per
// output block, BLAS inside), and the sum fuses into whatever reads it.
//
//        A     B     C     D          random_normal, one task per block
//         \   /       \   /
//         A @ B       C @ D           matmul: 9 tasks each, running in parallel
//             \       /
//            AB  +  CD                elementwise: fused, one task per block
//
//   ./array_matrix_tree                                  # threads
//   ./array_matrix_tree --weft-runtime=processes:2       # two worker processes
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include <weft/array.hpp>
#include <weft/weft.hpp>

namespace wa = weft::array;

// c = a @ b for n x n row-major matrices: the serial check.
std::vector<double> multiply(const std::vector<double>& a, const std::vector<double>& b, int n) {
  std::vector<double> c(static_cast<std::size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < n; ++p)
      for (int j = 0; j < n; ++j) c[i * n + j] += a[i * n + p] * b[p * n + j];
  return c;
}

int main(int argc, char** argv) {
  auto rt = weft::init(argc, argv);
  constexpr int n = 600;
  const wa::Shape shape{n, n};
  const wa::Chunks chunks{200, 200};
  const wa::Array a = wa::random_normal(shape, chunks, {.seed = 1});
  const wa::Array b = wa::random_normal(shape, chunks, {.seed = 2});
  const wa::Array c = wa::random_normal(shape, chunks, {.seed = 3});
  const wa::Array d = wa::random_normal(shape, chunks, {.seed = 4});

  const auto start = std::chrono::steady_clock::now();
  const wa::Dense result = (wa::matmul(a, b) + wa::matmul(c, d)).compute();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  // The same computation in one thread, from the same matrices.
  const auto values = [](const wa::Array& x) { return x.compute().to_vector<double>(); };
  const std::vector<double> ab = multiply(values(a), values(b), n);
  const std::vector<double> cd = multiply(values(c), values(d), n);
  const std::vector<double> got = result.to_vector<double>();
  double diff = 0, sum = 0, norm = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    diff = std::fmax(diff, std::fabs(got[i] - (ab[i] + cd[i])));
    sum += got[i];
    norm += got[i] * got[i];
  }
  std::printf("runtime: %s\n", rt.describe().c_str());
  std::printf("result: %lldx%lld, sum %.6f, frobenius norm %.3f\n",
              static_cast<long long>(result.shape()[0]), static_cast<long long>(result.shape()[1]),
              sum, std::sqrt(norm));
  std::printf("matches serial: %s (max abs difference %.3g)\n", diff < 1e-9 ? "yes" : "NO", diff);
  std::printf("elapsed: %.3f s\n", elapsed.count());
  return diff < 1e-9 ? 0 : 1;
}
