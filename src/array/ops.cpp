#include "ops.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace weft::array::detail {
namespace {

// Integer arithmetic wraps around, as NumPy's does: done in the unsigned type, where
// overflow is defined.
template <class T>
struct WideOf {
  using type = T;
};
template <>
struct WideOf<std::int32_t> {
  using type = std::uint32_t;
};
template <>
struct WideOf<std::int64_t> {
  using type = std::uint64_t;
};
template <class T>
using Wide = typename WideOf<T>::type;

template <class T>
T ipow(T base, T exp) {
  if (exp < 0) throw std::domain_error("Integers to negative integer powers are not allowed.");
  using U = Wide<T>;
  U result = 1, b = static_cast<U>(base);
  for (auto e = static_cast<std::uint64_t>(exp); e != 0; e >>= 1, b *= b) {
    if (e & 1) result *= b;
  }
  return static_cast<T>(result);
}

// NaN wins, as in np.maximum / np.minimum.
template <class T>
T maximum(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(b)) return b;
  }
  return a > b || a != a ? a : b;
}
template <class T>
T minimum(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(b)) return b;
  }
  return a < b || a != a ? a : b;
}

template <class T, class R, class F>
void unary(const void* a, void* out, std::int64_t n, F f) {
  const T* x = static_cast<const T*>(a);
  R* y = static_cast<R*>(out);
  for (std::int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <class T, class R, class F>
void binary(const void* a, const void* b, void* out, std::int64_t n, F f) {
  const T* x = static_cast<const T*>(a);
  const T* y = static_cast<const T*>(b);
  R* z = static_cast<R*>(out);
  for (std::int64_t i = 0; i < n; ++i) z[i] = f(x[i], y[i]);
}

template <class T>
void arithmetic(Op op, const void* a, const void* b, void* out, std::int64_t n) {
  using W = Wide<T>;
  switch (op) {
    case Op::kAdd:
      if constexpr (std::is_same_v<T, bool>) {
        return binary<T, T>(a, b, out, n, [](T x, T y) { return x || y; });
      } else {
        return binary<T, T>(a, b, out, n, [](T x, T y) { return T(W(x) + W(y)); });
      }
    case Op::kSub:
      if constexpr (!std::is_same_v<T, bool>) {  // bool - bool is refused when built
        return binary<T, T>(a, b, out, n, [](T x, T y) { return T(W(x) - W(y)); });
      }
      return;
    case Op::kMul:
      if constexpr (std::is_same_v<T, bool>) {
        return binary<T, T>(a, b, out, n, [](T x, T y) { return x && y; });
      } else {
        return binary<T, T>(a, b, out, n, [](T x, T y) { return T(W(x) * W(y)); });
      }
    case Op::kDiv:
      return binary<T, T>(a, b, out, n, [](T x, T y) { return T(x / y); });
    case Op::kPow:
      if constexpr (std::is_floating_point_v<T>) {
        return binary<T, T>(a, b, out, n, [](T x, T y) { return T(std::pow(x, y)); });
      } else if constexpr (!std::is_same_v<T, bool>) {  // bool ** bool is built as int64
        return binary<T, T>(a, b, out, n, [](T x, T y) { return ipow(x, y); });
      }
      return;
    case Op::kMin:
      return binary<T, T>(a, b, out, n, [](T x, T y) { return minimum(x, y); });
    case Op::kMax:
      return binary<T, T>(a, b, out, n, [](T x, T y) { return maximum(x, y); });
    case Op::kEq:
      return binary<T, bool>(a, b, out, n, [](T x, T y) { return x == y; });
    case Op::kNe:
      return binary<T, bool>(a, b, out, n, [](T x, T y) { return x != y; });
    case Op::kLt:
      return binary<T, bool>(a, b, out, n, [](T x, T y) { return x < y; });
    case Op::kLe:
      return binary<T, bool>(a, b, out, n, [](T x, T y) { return x <= y; });
    case Op::kGt:
      return binary<T, bool>(a, b, out, n, [](T x, T y) { return x > y; });
    case Op::kGe:
      return binary<T, bool>(a, b, out, n, [](T x, T y) { return x >= y; });
    case Op::kAnd:
      return binary<T, bool>(a, b, out, n, [](T x, T y) { return x && y; });
    case Op::kOr:
      return binary<T, bool>(a, b, out, n, [](T x, T y) { return x || y; });
    default:
      break;
  }
}

template <class T>
void math(Op op, const void* a, void* out, std::int64_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case Op::kSqrt:
        return unary<T, T>(a, out, n, [](T x) { return std::sqrt(x); });
      case Op::kExp:
        return unary<T, T>(a, out, n, [](T x) { return std::exp(x); });
      case Op::kLog:
        return unary<T, T>(a, out, n, [](T x) { return std::log(x); });
      case Op::kSin:
        return unary<T, T>(a, out, n, [](T x) { return std::sin(x); });
      case Op::kCos:
        return unary<T, T>(a, out, n, [](T x) { return std::cos(x); });
      default:
        break;
    }
  }
  if (op == Op::kNeg) {
    if constexpr (!std::is_same_v<T, bool>) {
      return unary<T, T>(a, out, n, [](T x) { return T(-Wide<T>(x)); });
    }
  }
  if (op == Op::kAbs) {
    if constexpr (std::is_floating_point_v<T>) {
      return unary<T, T>(a, out, n, [](T x) { return std::fabs(x); });
    } else if constexpr (std::is_same_v<T, bool>) {
      return unary<T, T>(a, out, n, [](T x) { return x; });
    } else {
      return unary<T, T>(a, out, n, [](T x) { return x < 0 ? T(-Wide<T>(x)) : x; });
    }
  }
}

}  // namespace

void fill_const(const Instr& in, void* out, std::int64_t n) {
  visit_dtype(in.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T v = std::is_floating_point_v<T> ? static_cast<T>(in.f) : static_cast<T>(in.i);
    std::fill_n(static_cast<T*>(out), n, v);
  });
}

void run_op(const Program& p, const Instr& in, const void* a, const void* b, const void* c,
            void* out, std::int64_t n) {
  const DType operand = p.code[static_cast<std::size_t>(in.a)].dtype;
  switch (in.op) {
    case Op::kCast:
      return visit_dtype(operand, [&](auto from) {
        visit_dtype(in.dtype, [&](auto to) {
          using F = decltype(from);
          using T = decltype(to);
          unary<F, T>(a, out, n, [](F x) { return convert<T>(x); });
        });
      });
    case Op::kWhere:
      return visit_dtype(in.dtype, [&](auto tag) {
        using T = decltype(tag);
        const bool* m = static_cast<const bool*>(a);
        const T* x = static_cast<const T*>(b);
        const T* y = static_cast<const T*>(c);
        T* z = static_cast<T*>(out);
        for (std::int64_t i = 0; i < n; ++i) z[i] = m[i] ? x[i] : y[i];
      });
    case Op::kNeg:
    case Op::kAbs:
    case Op::kSqrt:
    case Op::kExp:
    case Op::kLog:
    case Op::kSin:
    case Op::kCos:
      return visit_dtype(operand, [&](auto tag) { math<decltype(tag)>(in.op, a, out, n); });
    default:
      return visit_dtype(operand,
                         [&](auto tag) { arithmetic<decltype(tag)>(in.op, a, b, out, n); });
  }
}

}  // namespace weft::array::detail
