// The registered block kernels of the structure operations (see structure_gather.hpp), so
// that they run on every runtime.
#include <cstring>
#include <string>

#include "evaluator.hpp"
#include "partial.hpp"
#include "structure_gather.hpp"
#include "weft/remote.hpp"

namespace weft::array::detail {
namespace {

template <class T>
void copy_piece(const Piece& p, const Dense& in, const Shape& out_strides, T* out) {
  const T* src = in.data<T>();
  const Shape in_strides = strides_of(in.shape());
  const std::size_t nd = p.sel.size();
  const AxisSel& last = p.sel.back();
  const std::int64_t n = last.size();
  const bool contiguous = last.index.empty() && last.step == 1;
  Shape idx(nd, 0);
  for (;;) {
    std::int64_t s = 0, d = 0;
    for (std::size_t k = 0; k + 1 < nd; ++k) {
      s += p.sel[k].at(idx[k]) * in_strides[k];
      d += (p.dst[k] + idx[k]) * out_strides[k];
    }
    d += p.dst[nd - 1];
    if (contiguous) {
      std::memcpy(out + d, src + s + last.start, static_cast<std::size_t>(n) * sizeof(T));
    } else {
      for (std::int64_t j = 0; j < n; ++j) out[d + j] = src[s + last.at(j)];
    }
    std::size_t k = nd - 1;
    while (k-- > 0) {
      if (++idx[k] < p.sel[k].size()) break;
      idx[k] = 0;
    }
    if (k == static_cast<std::size_t>(-1)) return;
  }
}

}  // namespace

Dense array_gather(const GatherSpec& spec, const std::vector<Dense>& inputs) {
  auto [out, bytes] = allocate(spec.dtype, spec.shape);
  const Shape strides = strides_of(spec.shape);
  visit_dtype(spec.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* y = reinterpret_cast<T*>(bytes);
    for (const Piece& p : spec.pieces) {
      const Dense& in = inputs.at(static_cast<std::size_t>(p.input));
      if (p.sel.empty()) {
        *y = *in.data<T>();  // a 0-d array: its one element
        continue;
      }
      bool empty = false;
      for (const AxisSel& s : p.sel) empty = empty || s.size() == 0;
      if (!empty) copy_piece(p, in, strides, y);
    }
  });
  return out;
}

Dense array_relabel(const RelabelSpec& spec, const Dense& block) {
  return Dense(block.dtype(), spec.shape, block.buffer());
}

Dense array_check_mapped(const BlockInfo& info, const Dense& block) {
  if (block.dtype() != info.dtype) {
    throw DTypeError("map_blocks/blockwise: the function returned a " +
                     std::string(dtype_name(block.dtype())) + " block where " +
                     std::string(dtype_name(info.dtype)) + " was declared");
  }
  if (block.shape() != info.shape) {
    throw ShapeError("map_blocks/blockwise: the function returned a block of shape " +
                     shape_string(block.shape()) + " for block " + shape_string(info.index) +
                     ", which has shape " + shape_string(info.shape));
  }
  return block;
}

WEFT_REMOTE(array_gather);
WEFT_REMOTE(array_relabel);
WEFT_REMOTE(array_check_mapped);

}  // namespace weft::array::detail
