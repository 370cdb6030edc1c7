// Four 1000x1000 random normal matrices, multiplied in pairs and the two products added:
// a task tree where the two products run in parallel.
//
//        make A   make B   make C   make D
//            \   /            \   /
//            A * B            C * D
//                 \          /
//                  AB  +  CD
#include <Eigen/Dense>

#include <chrono>
#include <cstdio>
#include <random>

#include <weft/weft.hpp>

using Matrix = Eigen::MatrixXd;

Matrix random_normal(int n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  return Matrix::NullaryExpr(n, n, [&] { return normal(rng); });
}
Matrix multiply(const Matrix& a, const Matrix& b) { return a * b; }
Matrix add(const Matrix& a, const Matrix& b) { return a + b; }
WEFT_REMOTE(random_normal);
WEFT_REMOTE(multiply);
WEFT_REMOTE(add);

int main(int argc, char** argv) {
  auto rt = weft::init(argc, argv);
  constexpr int n = 1000;

  const auto start = std::chrono::steady_clock::now();
  auto a = weft::remote(random_normal, n, 1u);
  auto b = weft::remote(random_normal, n, 2u);
  auto c = weft::remote(random_normal, n, 3u);
  auto d = weft::remote(random_normal, n, 4u);
  auto total = weft::remote(add, weft::remote(multiply, a, b), weft::remote(multiply, c, d));
  const Matrix& result = weft::get(total);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  // The same computation in one thread, to show the tree computed the right thing.
  const Matrix serial =
      random_normal(n, 1) * random_normal(n, 2) + random_normal(n, 3) * random_normal(n, 4);
  const double diff = (result - serial).cwiseAbs().maxCoeff();

  std::printf("runtime: %s\n", rt.describe().c_str());
  std::printf("result: %dx%d, sum %.6f, frobenius norm %.3f\n", static_cast<int>(result.rows()),
              static_cast<int>(result.cols()), result.sum(), result.norm());
  std::printf("matches serial: %s (max abs difference %.3g)\n", diff < 1e-9 ? "yes" : "NO", diff);
  std::printf("elapsed: %.3f s\n", elapsed.count());
  return diff < 1e-9 ? 0 : 1;
}
