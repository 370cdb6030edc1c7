// The block products: OpenBLAS for floats, a loop for integers and bool.
#include "blas.hpp"

#include <cblas.h>

#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <type_traits>

#include "evaluator.hpp"
#include "node.hpp"
#include "partial.hpp"
#include "weft/remote.hpp"

namespace weft::array::detail {
namespace {

std::int64_t product_of(const Shape& s, std::size_t from, std::size_t to) {
  std::int64_t n = 1;
  for (std::size_t k = from; k < to; ++k) n *= s[k];
  return n;
}

// Unsigned arithmetic for integers, where overflow wraps around as NumPy's does.
template <class T>
using Acc =
    std::conditional_t<std::is_same_v<T, std::int32_t>, std::uint32_t,
                       std::conditional_t<std::is_same_v<T, std::int64_t>, std::uint64_t, T>>;

// c (m x n) += a (m x k) @ b (k x n), all row-major.
template <class T>
void multiply_add(const T* a, const T* b, T* c, std::int64_t m, std::int64_t n, std::int64_t k) {
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
    // Tasks are the parallelism: OpenBLAS's own threads would oversubscribe the workers.
    static std::once_flag single_threaded;
    std::call_once(single_threaded, [] { openblas_set_num_threads(1); });
    constexpr std::int64_t kMax = std::numeric_limits<blasint>::max();
    if (m > kMax || n > kMax || k > kMax) {
      throw ShapeError("matmul: a block is too large for BLAS (over 2^31 - 1 along an axis)");
    }
    const auto M = static_cast<blasint>(m), N = static_cast<blasint>(n),
               K = static_cast<blasint>(k);
    if constexpr (std::is_same_v<T, double>) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, a, K, b, N, 1.0, c, N);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a, K, b, N, 1.0f, c, N);
    }
  } else {
    for (std::int64_t i = 0; i < m; ++i) {
      T* row = c + i * n;
      for (std::int64_t p = 0; p < k; ++p) {
        const T x = a[i * k + p];
        if (x == T{}) continue;
        const T* brow = b + p * n;
        if constexpr (std::is_same_v<T, bool>) {
          for (std::int64_t j = 0; j < n; ++j) row[j] = row[j] || brow[j];
        } else {
          const auto ax = static_cast<Acc<T>>(x);
          for (std::int64_t j = 0; j < n; ++j) {
            row[j] =
                static_cast<T>(static_cast<Acc<T>>(row[j]) + ax * static_cast<Acc<T>>(brow[j]));
          }
        }
      }
    }
  }
}

}  // namespace

Dense array_product(const ProductSpec& spec, const std::vector<Dense>& a,
                    const std::vector<Dense>& b) {
  if (a.size() != b.size()) throw ShapeError("matmul: as many a blocks as b blocks are needed");
  auto [out, bytes] = allocate(spec.dtype, spec.shape);
  const std::int64_t total = count_of(spec.shape);
  std::memset(bytes, 0, out.buffer().size());
  visit_dtype(spec.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* c = reinterpret_cast<T*>(bytes);
    for (std::size_t l = 0; l < a.size(); ++l) {
      const Shape& as = a[l].shape();
      const Shape& bs = b[l].shape();
      const auto af = static_cast<std::size_t>(spec.a_free);
      const auto bc = static_cast<std::size_t>(spec.b_contracted);
      if (as.size() < af || bs.size() < bc) throw ShapeError("matmul: a block has too few axes");
      const std::int64_t m = product_of(as, 0, af), k = product_of(as, af, as.size());
      const std::int64_t k2 = product_of(bs, 0, bc), n = product_of(bs, bc, bs.size());
      if (k != k2 || m * n != total) {
        throw ShapeError("matmul: blocks " + shape_string(as) + " and " + shape_string(bs) +
                         " do not multiply into " + shape_string(spec.shape));
      }
      if (m == 0 || n == 0 || k == 0) continue;
      multiply_add(a[l].data<T>(), b[l].data<T>(), c, m, n, k);
    }
  });
  return out;
}

WEFT_REMOTE(array_product);

}  // namespace weft::array::detail
