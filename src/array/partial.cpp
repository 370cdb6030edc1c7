#include "partial.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "evaluator.hpp"
#include "ops.hpp"

namespace weft::array::detail {

namespace {
constexpr std::size_t kMapThreshold = std::size_t{1} << 20;
}  // namespace

DType reduce_dtype(ReduceKind kind, DType input) noexcept {
  switch (kind) {
    case ReduceKind::kSum:
    case ReduceKind::kProd:
      return is_float(input) ? input : DType::kInt64;
    case ReduceKind::kMin:
    case ReduceKind::kMax:
      return input;
    case ReduceKind::kAny:
    case ReduceKind::kAll:
      return DType::kBool;
    case ReduceKind::kArgmin:
    case ReduceKind::kArgmax:
      return DType::kInt64;
    default:
      return input == DType::kFloat32 ? DType::kFloat32 : DType::kFloat64;
  }
}

std::int64_t partial_fields(ReduceKind kind) noexcept {
  switch (kind) {
    case ReduceKind::kMean:
    case ReduceKind::kArgmin:
    case ReduceKind::kArgmax:
      return 2;
    case ReduceKind::kVar:
    case ReduceKind::kStd:
      return 3;
    default:
      return 1;
  }
}

DType partial_dtype(ReduceKind kind, DType input) noexcept {
  switch (kind) {
    case ReduceKind::kMean:
    case ReduceKind::kVar:
    case ReduceKind::kStd:
      return DType::kFloat64;
    case ReduceKind::kSum:
    case ReduceKind::kProd:
    case ReduceKind::kMin:
    case ReduceKind::kMax:
      return is_float(input) ? DType::kFloat64 : DType::kInt64;
    default:
      return DType::kInt64;
  }
}

std::pair<Dense, std::byte*> allocate(DType dtype, const Shape& shape) {
  const auto bytes = static_cast<std::size_t>(count_of(shape)) * itemsize(dtype);
  // Large blocks are mapped directly, so that freeing one returns its pages to the system at
  // once: through malloc, freed blocks stay cached in per-thread arenas and the process's
  // resident memory grows with every thread that ever held a block. MAP_POPULATE faults the
  // pages in with one call instead of one fault per page.
  if (bytes >= kMapThreshold) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    std::shared_ptr<std::byte> owner(static_cast<std::byte*>(p),
                                     [bytes](std::byte* q) { munmap(q, bytes); });
    std::byte* data = owner.get();
    return {Dense(dtype, shape, Buffer(data, bytes, std::move(owner))), data};
  }
  std::shared_ptr<std::byte[]> owner(
      new (std::align_val_t{64}) std::byte[bytes + 1],
      [](std::byte* p) { operator delete[](p, std::align_val_t{64}); });
  std::byte* data = owner.get();
  return {Dense(dtype, shape, Buffer(data, bytes, std::move(owner))), data};
}

namespace {

bool is_arg(ReduceKind k) { return k == ReduceKind::kArgmin || k == ReduceKind::kArgmax; }

// Slot arithmetic on one partial: `f` points at field 0, fields lie `slots` apart.
template <class A>
struct Slots {
  A* f;
  std::int64_t slots;
  A& at(std::int64_t field, std::int64_t s) const { return f[field * slots + s]; }
};

template <class A>
A wrap_add(A a, A b) {
  if constexpr (std::is_integral_v<A>) {
    return static_cast<A>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
  } else {
    return a + b;
  }
}
template <class A>
A wrap_mul(A a, A b) {
  if constexpr (std::is_integral_v<A>) {
    return static_cast<A>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
  } else {
    return a * b;
  }
}
template <class A>
A nan_max(A a, A b) {
  return a != a ? a : (b != b || b > a ? b : a);
}
template <class A>
A nan_min(A a, A b) {
  return a != a ? a : (b != b || b < a ? b : a);
}

// Pairwise summation: error grows with log(n), not n.
template <class T, class A>
A pairwise_sum(const T* x, std::int64_t n) {
  if (n <= 32) {
    A s = 0;
    for (std::int64_t i = 0; i < n; ++i) s = wrap_add(s, static_cast<A>(x[i]));
    return s;
  }
  const std::int64_t half = n / 2;
  return wrap_add(pairwise_sum<T, A>(x, half), pairwise_sum<T, A>(x + half, n - half));
}

// Chan et al.: merges (n2, mean2, m2b) into the slot's (count, mean, M2).
void chan_merge(Slots<double> p, std::int64_t s, double n2, double mean2, double m2b) {
  const double n1 = p.at(0, s);
  if (n2 == 0) return;
  const double n = n1 + n2;
  const double delta = mean2 - p.at(1, s);
  p.at(1, s) += delta * n2 / n;
  p.at(2, s) += m2b + delta * delta * n1 * n2 / n;
  p.at(0, s) = n;
}

// argmin/argmax values as int64 bits: a double's bits for floating input, else the value.
template <class T>
std::int64_t arg_bits(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::bit_cast<std::int64_t>(static_cast<double>(v));
  } else {
    return static_cast<std::int64_t>(v);
  }
}
template <class T>
auto arg_value(std::int64_t bits) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::bit_cast<double>(bits);
  } else {
    return bits;
  }
}
// Whether (v, i) beats (w, j): NaN first, then the better value, then the lower index.
template <class V>
bool beats(bool want_max, V v, std::int64_t i, V w, std::int64_t j) {
  if (j < 0) return true;
  if (v != v || w != w) return w == w || i < j;
  if (v != w) return want_max ? v > w : v < w;
  return i < j;
}
bool beats_bits(bool floating, bool want_max, std::int64_t v, std::int64_t i, std::int64_t w,
                std::int64_t j) {
  if (floating) {
    return beats(want_max, std::bit_cast<double>(v), i, std::bit_cast<double>(w), j);
  }
  return beats(want_max, v, i, w, j);
}

// Adds elements x[0..w) to slot s (step 0) or to slots s, s+1, ... (step 1).
template <class T, class A>
void accumulate(ReduceKind k, const T* x, std::int64_t w, Slots<A> p, std::int64_t s,
                std::int64_t step, std::int64_t idx, std::int64_t idx_step) {
  if (step == 0) {
    switch (k) {
      case ReduceKind::kSum:
        p.at(0, s) = wrap_add(p.at(0, s), pairwise_sum<T, A>(x, w));
        return;
      case ReduceKind::kMean:
        if constexpr (std::is_same_v<A, double>) {
          p.at(0, s) += static_cast<double>(w);
          p.at(1, s) += pairwise_sum<T, double>(x, w);
        }
        return;
      case ReduceKind::kVar:
      case ReduceKind::kStd:
        if constexpr (std::is_same_v<A, double>) {
          const double mean = pairwise_sum<T, double>(x, w) / static_cast<double>(w);
          double m2 = 0;
          for (std::int64_t c = 0; c < w; ++c) {
            const double d = static_cast<double>(x[c]) - mean;
            m2 += d * d;
          }
          chan_merge(p, s, static_cast<double>(w), mean, m2);
        }
        return;
      default:
        break;
    }
  }
  for (std::int64_t c = 0; c < w; ++c) {
    const std::int64_t slot = s + c * step;
    A& acc = p.at(0, slot);
    const T v = x[c];
    switch (k) {
      case ReduceKind::kSum:
        acc = wrap_add(acc, static_cast<A>(v));
        break;
      case ReduceKind::kProd:
        acc = wrap_mul(acc, static_cast<A>(v));
        break;
      case ReduceKind::kMin:
        acc = nan_min(acc, static_cast<A>(v));
        break;
      case ReduceKind::kMax:
        acc = nan_max(acc, static_cast<A>(v));
        break;
      case ReduceKind::kAny:
        acc = acc || v != T{};
        break;
      case ReduceKind::kAll:
        acc = acc && v != T{};
        break;
      case ReduceKind::kMean:
        acc += 1;
        p.at(1, slot) += static_cast<double>(v);
        break;
      case ReduceKind::kVar:
      case ReduceKind::kStd:
        if constexpr (std::is_same_v<A, double>) chan_merge(p, slot, 1, static_cast<double>(v), 0);
        break;
      case ReduceKind::kArgmin:
      case ReduceKind::kArgmax:
        if constexpr (std::is_same_v<A, std::int64_t>) {
          const std::int64_t i = idx + c * idx_step;
          using V = decltype(arg_value<T>(0));
          if (beats(k == ReduceKind::kArgmax, static_cast<V>(v), i, arg_value<T>(acc),
                    p.at(1, slot))) {
            acc = arg_bits(v);
            p.at(1, slot) = i;
          }
        }
        break;
    }
  }
}

template <class A>
void init(ReduceKind k, Slots<A> p) {
  A v = 0;
  if (k == ReduceKind::kProd || k == ReduceKind::kAll) v = 1;
  if (k == ReduceKind::kMin)
    v = std::numeric_limits<A>::has_infinity ? std::numeric_limits<A>::infinity()
                                             : std::numeric_limits<A>::max();
  if (k == ReduceKind::kMax)
    v = std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity()
                                             : std::numeric_limits<A>::min();
  for (std::int64_t s = 0; s < p.slots; ++s) p.at(0, s) = v;
  for (std::int64_t f = 1; f < partial_fields(k); ++f) {
    for (std::int64_t s = 0; s < p.slots; ++s) p.at(f, s) = is_arg(k) ? -1 : 0;
  }
}

// Merges slot s of `b` into slot s of `a`.
template <class A>
void merge(ReduceKind k, bool floating, Slots<A> a, Slots<const A> b, std::int64_t s) {
  A& x = a.at(0, s);
  const A y = b.at(0, s);
  switch (k) {
    case ReduceKind::kSum:
      x = wrap_add(x, y);
      return;
    case ReduceKind::kProd:
      x = wrap_mul(x, y);
      return;
    case ReduceKind::kMin:
      x = nan_min(x, y);
      return;
    case ReduceKind::kMax:
      x = nan_max(x, y);
      return;
    case ReduceKind::kAny:
      x = x || y;
      return;
    case ReduceKind::kAll:
      x = x && y;
      return;
    case ReduceKind::kMean:
      x += y;
      a.at(1, s) += b.at(1, s);
      return;
    case ReduceKind::kVar:
    case ReduceKind::kStd:
      if constexpr (std::is_same_v<A, double>) {
        chan_merge(a, s, b.at(0, s), b.at(1, s), b.at(2, s));
      }
      return;
    case ReduceKind::kArgmin:
    case ReduceKind::kArgmax:
      if constexpr (std::is_same_v<A, std::int64_t>) {
        if (b.at(1, s) >= 0 &&
            beats_bits(floating, k == ReduceKind::kArgmax, y, b.at(1, s), x, a.at(1, s))) {
          x = y;
          a.at(1, s) = b.at(1, s);
        }
      }
      return;
  }
}

Shape partial_shape(ReduceKind k, const Shape& slots_shape) {
  Shape s{partial_fields(k)};
  s.insert(s.end(), slots_shape.begin(), slots_shape.end());
  return s;
}

}  // namespace

Dense reduce_block(const ReduceSpec& spec, const std::vector<Dense>& inputs) {
  Evaluator ev(spec.program, inputs, spec.shape);
  const Shape& dims = ev.dims();
  const std::size_t pad = dims.size() - spec.shape.size();
  Shape slots_shape = spec.shape;
  for (std::size_t k = 0; k < slots_shape.size(); ++k) {
    if (spec.reduced[k]) slots_shape[k] = 1;
  }
  // Per padded axis: the slot stride (0 along reduced axes) and, for argmin/argmax, the
  // stride of the index reported (flat over the array, or along the one reduced axis).
  Shape pstride(dims.size(), 0), istride(dims.size(), 0);
  const Shape ss = strides_of(slots_shape);
  std::int64_t nreduced = 0;
  for (std::uint8_t r : spec.reduced) nreduced += r;
  const bool flat = nreduced == static_cast<std::int64_t>(spec.shape.size());
  const Shape gs = strides_of(spec.array_shape);
  std::int64_t idx_base = 0;
  for (std::size_t k = 0; k < spec.shape.size(); ++k) {
    if (!spec.reduced[k]) pstride[k + pad] = ss[k];
    if (is_arg(spec.kind) && (flat || spec.reduced[k])) {
      istride[k + pad] = flat ? gs[k] : 1;
      idx_base += spec.offset[k] * istride[k + pad];
    }
  }
  const DType in = ev.dtype();
  const DType pd = partial_dtype(spec.kind, in);
  auto [out, bytes] = allocate(pd, partial_shape(spec.kind, slots_shape));
  const std::int64_t nslots = count_of(slots_shape);
  const std::size_t pr = dims.size() - 2, pc = dims.size() - 1;
  visit_dtype(pd, [&](auto acc_tag) {
    using A = decltype(acc_tag);
    if constexpr (std::is_same_v<A, double> || std::is_same_v<A, std::int64_t>) {
      Slots<A> p{reinterpret_cast<A*>(bytes), nslots};
      init(spec.kind, p);
      visit_dtype(in, [&](auto in_tag) {
        using T = decltype(in_tag);
        ev.for_each_tile([&](const Tile& t, const void* values) {
          const T* x = static_cast<const T*>(values);
          const std::int64_t s0 = ev.outer_offset(t.outer, pstride) + t.c0 * pstride[pc];
          const std::int64_t i0 = idx_base + ev.outer_offset(t.outer, istride) + t.c0 * istride[pc];
          for (std::int64_t r = 0; r < t.h; ++r) {
            accumulate<T, A>(spec.kind, x + r * t.w, t.w, p, s0 + (t.r0 + r) * pstride[pr],
                             pstride[pc], i0 + (t.r0 + r) * istride[pr], istride[pc]);
          }
        });
      });
    }
  });
  return out;
}

Dense merge_partials(const FinalizeSpec& spec, const std::vector<Dense>& partials) {
  if (partials.size() == 1) return partials.front();
  const Dense& first = partials.front();
  auto [out, bytes] = allocate(first.dtype(), first.shape());
  std::memcpy(bytes, first.buffer().data(), first.buffer().size());
  const std::int64_t nslots = first.size() / partial_fields(spec.kind);
  visit_dtype(first.dtype(), [&](auto tag) {
    using A = decltype(tag);
    if constexpr (std::is_same_v<A, double> || std::is_same_v<A, std::int64_t>) {
      Slots<A> a{reinterpret_cast<A*>(bytes), nslots};
      for (std::size_t n = 1; n < partials.size(); ++n) {
        if (partials[n].shape() != first.shape() || partials[n].dtype() != first.dtype()) {
          throw ShapeError("array reduction: partials of different layouts");
        }
        Slots<const A> b{partials[n].data<A>(), nslots};
        for (std::int64_t s = 0; s < nslots; ++s) merge(spec.kind, is_float(spec.input), a, b, s);
      }
    }
  });
  return out;
}

Dense finish_partial(const FinalizeSpec& spec, const Dense& partial) {
  const DType rd = reduce_dtype(spec.kind, spec.input);
  auto [out, bytes] = allocate(rd, spec.shape);
  const std::int64_t nslots = partial.size() / partial_fields(spec.kind);
  if (nslots != count_of(spec.shape)) throw ShapeError("array reduction: partial does not fit");
  visit_dtype(partial.dtype(), [&](auto acc_tag) {
    using A = decltype(acc_tag);
    if constexpr (std::is_same_v<A, double> || std::is_same_v<A, std::int64_t>) {
      Slots<const A> p{partial.data<A>(), nslots};
      visit_dtype(rd, [&](auto out_tag) {
        using R = decltype(out_tag);
        R* y = reinterpret_cast<R*>(bytes);
        for (std::int64_t s = 0; s < nslots; ++s) {
          double v = 0;
          switch (spec.kind) {
            case ReduceKind::kMean:
              v = static_cast<double>(p.at(1, s)) / static_cast<double>(p.at(0, s));
              break;
            case ReduceKind::kVar:
            case ReduceKind::kStd: {
              const double n =
                  std::max(static_cast<double>(p.at(0, s)) - static_cast<double>(spec.ddof), 0.0);
              v = static_cast<double>(p.at(2, s)) / n;
              if (spec.kind == ReduceKind::kStd) v = std::sqrt(v);
              break;
            }
            case ReduceKind::kArgmin:
            case ReduceKind::kArgmax:
              y[s] = static_cast<R>(p.at(1, s));
              continue;
            default:
              y[s] = convert<R>(p.at(0, s));
              continue;
          }
          y[s] = static_cast<R>(v);
        }
      });
    }
  });
  return out;
}

}  // namespace weft::array::detail
