// Four 1000x1000 random normal matrices, multiplied in pairs and the two products added:
// a task tree where the two products run in parallel.
//
//        make A   make B   make C   make D
//            \   /            \   /
//            A * B            C * D
//                 \          /
//                  AB  +  CD
//
//   ./matrix_tree                                  # threads
//   ./matrix_tree --weft-runtime=processes:2       # two worker processes
//
// On processes, each matrix moves between tasks as its shape plus one out-of-band frame
// that points at the matrix's own storage (the Codec below), never copied into a message.
#include <Eigen/Dense>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include <weft/weft.hpp>

using Matrix = Eigen::MatrixXd;

// Makes Eigen::MatrixXd serializable: [rows, cols, data], the data as a raw float64 array
// (out of band from serde::kOutOfBandThreshold bytes). Decoding copies the frame into the
// matrix once: a MatrixXd owns its storage.
template <>
struct weft::serde::Codec<Matrix> {
  static void write(Writer& w, const Matrix& m) {
    w.write_array_header(3);
    w.write_int(m.rows());
    w.write_int(m.cols());
    w.write_array(layout_of<double>, m.data(), static_cast<std::size_t>(m.size()) * sizeof(double));
  }
  static void read(Reader& r, Matrix& m) {
    r.read_array_header(3, "Eigen::MatrixXd");
    constexpr std::int64_t kMax = std::numeric_limits<Eigen::Index>::max();
    const std::int64_t rows = r.read_int(0, kMax, "Eigen::MatrixXd rows");
    const std::int64_t cols = r.read_int(0, kMax, "Eigen::MatrixXd cols");
    const Reader::ArrayBytes a = r.read_array(layout_of<double>, "Eigen::MatrixXd");
    const std::size_t n = a.bytes.size() / sizeof(double);
    if (cols != 0 && (static_cast<std::size_t>(rows) > n / static_cast<std::size_t>(cols) ||
                      static_cast<std::size_t>(rows * cols) != n)) {
      r.fail("a " + std::to_string(rows) + "x" + std::to_string(cols) + " matrix with " +
             std::to_string(n) + " elements");
    }
    if (cols == 0 && n != 0)
      r.fail("a matrix with no columns and " + std::to_string(n) + " elements");
    m.resize(rows, cols);
    if (n != 0) std::memcpy(m.data(), a.bytes.data(), a.bytes.size());
  }
  static void signature(std::string& out) { out += "eigen_matrix<f64>"; }
};

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
