// The registered block kernels. Every array task runs one of these, so that arrays run on
// the cluster runtimes with no user code registered (except from_blocks' functions).
#include "kernels.hpp"

#include <cstring>
#include <string>

#include "evaluator.hpp"
#include "ops.hpp"
#include "partial.hpp"
#include "random.hpp"
#include "weft/remote.hpp"

namespace weft::array::detail {
namespace {

// Calls f(offset, n) for each run of the last axis of a block of `shape` at `offset` in an
// array whose strides are `strides`; `offset` is the run's first element's flat index.
template <class F>
void for_each_row(const Shape& shape, const Shape& origin, const Shape& strides, F f) {
  if (count_of(shape) == 0) return;
  const std::size_t nd = shape.size();
  if (nd == 0) return f(std::int64_t{0}, std::int64_t{1});
  Shape idx(nd, 0);
  for (;;) {
    std::int64_t off = 0;
    for (std::size_t k = 0; k < nd; ++k) off += (origin[k] + idx[k]) * strides[k];
    f(off, shape.back());
    std::size_t k = nd - 1;
    while (k-- > 0) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
    if (k == static_cast<std::size_t>(-1)) return;
  }
}

}  // namespace

Dense array_generate(const GenSpec& spec) {
  auto [out, bytes] = allocate(spec.dtype, spec.shape);
  const std::int64_t n = count_of(spec.shape);
  visit_dtype(spec.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* y = reinterpret_cast<T*>(bytes);
    switch (spec.kind) {
      case GenKind::kFull:
        std::fill_n(y, n, convert<T>(spec.a));
        return;
      case GenKind::kArange:
      case GenKind::kLinspace:
        for (std::int64_t i = 0; i < n; ++i) {
          const std::int64_t g = spec.offset[0] + i;
          y[i] = convert<T>(g == spec.last ? spec.stop : spec.a + static_cast<double>(g) * spec.b);
        }
        return;
      case GenKind::kNormal:
      case GenKind::kUniform: {
        Xoshiro256 rng(spec.seed, spec.stream);
        if constexpr (std::is_same_v<T, double>) {
          if (spec.kind == GenKind::kNormal) {
            fill_normal(rng, y, n);
            for (std::int64_t i = 0; i < n; ++i) y[i] = spec.a + spec.b * y[i];
            return;
          }
        }
        double tile[1024];
        for (std::int64_t i0 = 0; i0 < n; i0 += 1024) {
          const std::int64_t m = std::min<std::int64_t>(1024, n - i0);
          if (spec.kind == GenKind::kNormal) {
            fill_normal(rng, tile, m);
          } else {
            for (std::int64_t i = 0; i < m; ++i) tile[i] = rng.uniform();
          }
          for (std::int64_t i = 0; i < m; ++i)
            y[i0 + i] = static_cast<T>(spec.a + spec.b * tile[i]);
        }
        return;
      }
    }
  });
  return out;
}

Dense array_evaluate(const EvalSpec& spec, const std::vector<Dense>& inputs) {
  Evaluator ev(spec.program, inputs, spec.shape);
  const std::size_t bytes_per = itemsize(ev.dtype());
  auto [out, bytes] = allocate(ev.dtype(), spec.shape);
  const Shape& dims = ev.dims();
  const Shape strides = strides_of(dims);
  const std::int64_t row = dims.back();
  ev.for_each_tile([&](const Tile& t, const void* values) {
    std::byte* dst = bytes + (ev.outer_offset(t.outer, strides) + t.r0 * row + t.c0) * bytes_per;
    const auto* src = static_cast<const std::byte*>(values);
    for (std::int64_t r = 0; r < t.h; ++r) {
      std::memcpy(dst + r * row * bytes_per, src + r * t.w * bytes_per, t.w * bytes_per);
    }
  });
  return out;
}

Dense array_reduce(const ReduceSpec& spec, const std::vector<Dense>& inputs) {
  return reduce_block(spec, inputs);
}

Dense array_combine(const FinalizeSpec& spec, const std::vector<Dense>& partials) {
  return merge_partials(spec, partials);
}

Dense array_finalize(const FinalizeSpec& spec, const Dense& partial) {
  return finish_partial(spec, partial);
}

Dense array_assemble(const AssembleSpec& spec, const std::vector<Dense>& blocks) {
  auto [out, bytes] = allocate(spec.dtype, spec.shape);
  const std::size_t size = itemsize(spec.dtype);
  const Shape strides = strides_of(spec.shape);
  const std::size_t nd = spec.shape.size();
  Shape idx(nd, 0), origin(nd, 0);
  for (const Dense& b : blocks) {
    if (b.dtype() != spec.dtype) throw DTypeError("array assemble: a block has another dtype");
    const std::byte* src = b.buffer().data();
    for_each_row(b.shape(), origin, strides, [&](std::int64_t off, std::int64_t n) {
      std::memcpy(bytes + off * size, src, n * size);
      src += n * size;
    });
    // Next block, row-major over the grid; its origin is the sum of the lengths before it.
    for (std::size_t k = nd; k-- > 0;) {
      origin[k] += spec.chunks[k][idx[k]];
      if (++idx[k] < static_cast<std::int64_t>(spec.chunks[k].size())) break;
      idx[k] = 0;
      origin[k] = 0;
    }
  }
  return out;
}

Dense array_extract(const AssembleSpec& spec, const Dense& whole) {
  const Shape& origin = spec.chunks[0];
  const Shape& shape = spec.chunks[1];
  auto [out, bytes] = allocate(whole.dtype(), shape);
  const std::size_t size = itemsize(whole.dtype());
  const std::byte* src = whole.buffer().data();
  std::byte* dst = bytes;
  for_each_row(shape, origin, strides_of(whole.shape()), [&](std::int64_t off, std::int64_t n) {
    std::memcpy(dst, src + off * size, n * size);
    dst += n * size;
  });
  return out;
}

Dense array_share(const Dense& whole) { return whole; }

Dense array_check_block(const BlockInfo& info, const Dense& block) {
  if (block.dtype() != info.dtype) {
    throw DTypeError("from_blocks: the function returned a " +
                     std::string(dtype_name(block.dtype())) + " block where " +
                     std::string(dtype_name(info.dtype)) + " was declared");
  }
  if (block.shape() != info.shape) {
    throw ShapeError("from_blocks: the function returned a block of the wrong shape for block " +
                     std::to_string(info.index.empty() ? 0 : info.index[0]) + "...");
  }
  return block;
}

WEFT_REMOTE(array_generate);
WEFT_REMOTE(array_evaluate);
WEFT_REMOTE(array_reduce);
WEFT_REMOTE(array_combine);
WEFT_REMOTE(array_finalize);
WEFT_REMOTE(array_assemble);
WEFT_REMOTE(array_extract);
WEFT_REMOTE(array_share);
WEFT_REMOTE(array_check_block);

}  // namespace weft::array::detail
