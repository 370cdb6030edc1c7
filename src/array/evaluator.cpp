#include "evaluator.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "ops.hpp"

namespace weft::array::detail {

Shape strides_of(const Shape& shape) {
  Shape s(shape.size(), 1);
  for (std::size_t k = shape.size(); k-- > 1;) s[k - 1] = s[k] * shape[k];
  return s;
}

std::int64_t count_of(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

Evaluator::Evaluator(const Program& program, const std::vector<Dense>& inputs, const Shape& shape)
    : program_(program) {
  const std::size_t pad = shape.size() < 2 ? 2 - shape.size() : 0;
  dims_.assign(pad, 1);
  dims_.insert(dims_.end(), shape.begin(), shape.end());
  bool contiguous = true;
  for (std::size_t n = 0; n < program.views.size(); ++n) {
    const std::vector<std::int32_t>& view = program.views[n];
    if (n >= inputs.size() || view.size() != shape.size()) {
      throw ShapeError("array kernel: program input " + std::to_string(n) + " does not match");
    }
    const Dense& in = inputs[n];
    const Shape in_strides = strides_of(in.shape());
    Source src{in.buffer().data(), Shape(dims_.size(), 0)};
    for (std::size_t k = 0; k < view.size(); ++k) {
      if (view[k] < 0) continue;
      const auto axis = static_cast<std::size_t>(view[k]);
      if (axis >= in.ndim() || in.shape()[axis] != shape[k]) {
        throw ShapeError("array kernel: input block " + std::to_string(n) +
                         " does not have the output block's length along axis " +
                         std::to_string(k));
      }
      src.strides[k + pad] = in_strides[axis];
    }
    if (src.strides.back() > 1) contiguous = false;
    sources_.push_back(std::move(src));
  }
  const std::int64_t rows = dims_[dims_.size() - 2], cols = dims_.back();
  if (contiguous) {
    tile_w_ = std::clamp<std::int64_t>(cols, 1, kTile);
    tile_h_ = std::clamp<std::int64_t>(kTile / tile_w_, 1, std::max<std::int64_t>(rows, 1));
  } else {
    tile_w_ = std::clamp<std::int64_t>(cols, 1, 64);
    tile_h_ = std::clamp<std::int64_t>(rows, 1, 64);
  }
  // Registers share slots once their last reader has run; constants keep theirs.
  const auto n = static_cast<std::int32_t>(program.code.size());
  std::vector<std::int32_t> last_use(n, -1);
  for (std::int32_t k = 0; k < n; ++k) {
    for (std::int32_t r : {program.code[k].a, program.code[k].b, program.code[k].c}) {
      if (r >= 0 && program.code[k].op != Op::kInput) last_use[r] = k;
    }
  }
  slot_of_.assign(n, -1);
  std::vector<std::int32_t> free_slots;
  for (std::int32_t k = 0; k < n; ++k) {
    // A constant is filled once, before any tile, so its slot must be nobody else's.
    if (free_slots.empty() || program.code[k].op == Op::kConst) {
      slots_.push_back(std::make_unique<double[]>(kTile));
      slot_of_[k] = static_cast<std::int32_t>(slots_.size() - 1);
    } else {
      slot_of_[k] = free_slots.back();
      free_slots.pop_back();
    }
    const Instr& in = program.code[k];
    if (in.op == Op::kConst) fill_const(in, reg(k), kTile);
    for (std::int32_t r : {in.a, in.b, in.c}) {
      if (in.op != Op::kInput && r >= 0 && last_use[r] == k && program.code[r].op != Op::kConst) {
        free_slots.push_back(slot_of_[r]);
      }
    }
  }
}

Evaluator::~Evaluator() = default;

void* Evaluator::reg(std::int32_t k) const noexcept { return slots_[slot_of_[k]].get(); }

std::int64_t Evaluator::outer_offset(std::int64_t outer, const Shape& strides) const noexcept {
  std::int64_t off = 0;
  for (std::size_t k = dims_.size() - 2; k-- > 0;) {
    off += (outer % dims_[k]) * strides[k];
    outer /= dims_[k];
  }
  return off;
}

namespace {
template <class T>
void gather(T* dst, const T* src, std::int64_t sr, std::int64_t sc, std::int64_t h,
            std::int64_t w) {
  for (std::int64_t r = 0; r < h; ++r, dst += w) {
    const T* row = src + r * sr;
    if (sc == 1) {
      std::memcpy(dst, row, static_cast<std::size_t>(w) * sizeof(T));
    } else if (sc == 0) {
      std::fill(dst, dst + w, *row);
    } else {
      for (std::int64_t c = 0; c < w; ++c) dst[c] = row[c * sc];
    }
  }
}
}  // namespace

void Evaluator::eval_tile(const Tile& t) {
  const std::int64_t n = t.h * t.w;
  const std::size_t pr = dims_.size() - 2, pc = dims_.size() - 1;
  for (std::size_t k = 0; k < program_.code.size(); ++k) {
    const Instr& in = program_.code[k];
    void* out = reg(static_cast<std::int32_t>(k));
    if (in.op == Op::kConst) continue;
    if (in.op == Op::kInput) {
      const Source& s = sources_[static_cast<std::size_t>(in.a)];
      const std::int64_t base =
          outer_offset(t.outer, s.strides) + t.r0 * s.strides[pr] + t.c0 * s.strides[pc];
      visit_dtype(in.dtype, [&](auto tag) {
        using T = decltype(tag);
        gather(static_cast<T*>(out), reinterpret_cast<const T*>(s.data) + base, s.strides[pr],
               s.strides[pc], t.h, t.w);
      });
      continue;
    }
    run_op(program_, in, in.a >= 0 ? reg(in.a) : nullptr, in.b >= 0 ? reg(in.b) : nullptr,
           in.c >= 0 ? reg(in.c) : nullptr, out, n);
  }
}

void Evaluator::for_each_tile(const std::function<void(const Tile&, const void*)>& f) {
  const std::int64_t rows = dims_[dims_.size() - 2], cols = dims_.back();
  std::int64_t outers = 1;
  for (std::size_t k = 0; k + 2 < dims_.size(); ++k) outers *= dims_[k];
  const void* result = reg(static_cast<std::int32_t>(program_.code.size() - 1));
  for (std::int64_t o = 0; o < outers; ++o) {
    for (std::int64_t r0 = 0; r0 < rows; r0 += tile_h_) {
      for (std::int64_t c0 = 0; c0 < cols; c0 += tile_w_) {
        const Tile t{o, r0, c0, std::min(tile_h_, rows - r0), std::min(tile_w_, cols - c0)};
        eval_tile(t);
        f(t, result);
      }
    }
  }
}

}  // namespace weft::array::detail
