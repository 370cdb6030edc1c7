// Joining arrays (concatenate, stack), new axes (expand_dims) and rechunk.
#include <string>

#include "structure_gather.hpp"

namespace weft::array {

Array rechunk(const Array& x, const Chunks& chunks) {
  detail::ChunkLists lists = chunks.resolve(x.shape());
  if (lists == x.chunks()) return x;
  detail::AxisMaps maps;
  for (std::int64_t n : x.shape()) maps.push_back(detail::iota_map(n));
  return detail::gather(x, maps, lists);
}

Array expand_dims(const Array& x, int axis) {
  const std::size_t nd = x.ndim() + 1;
  const auto a = static_cast<std::size_t>(detail::normalize_axis(axis, nd, "expand_dims"));
  detail::Expr e = detail::as_expr(x.node());
  // The new output axis walks no input axis: a broadcast of length 1.
  for (std::vector<std::int32_t>& view : e.program.views) view.insert(view.begin() + a, -1);
  Shape shape = x.shape();
  detail::ChunkLists chunks = x.chunks();
  shape.insert(shape.begin() + a, 1);
  chunks.insert(chunks.begin() + a, {1});
  return Array(detail::expr_node(std::move(shape), std::move(chunks), std::move(e)));
}

Array concatenate(const std::vector<Array>& arrays, int axis) {
  if (arrays.empty()) throw ConfigError("concatenate: need at least one array to concatenate");
  const Array& first = arrays.front();
  const std::size_t nd = first.ndim();
  if (nd == 0) throw ShapeError("concatenate: zero-dimensional arrays cannot be concatenated");
  const auto a = static_cast<std::size_t>(detail::normalize_axis(axis, nd, "concatenate"));
  DType dtype = first.dtype();
  for (const Array& x : arrays) {
    bool same = x.ndim() == nd;
    for (std::size_t k = 0; same && k < nd; ++k) same = k == a || x.shape()[k] == first.shape()[k];
    if (!same) {
      throw ShapeError("concatenate: shapes " + detail::shape_string(first.shape()) + " and " +
                       detail::shape_string(x.shape()) + " differ outside axis " +
                       std::to_string(a));
    }
    dtype = result_type(dtype, x.dtype());
  }
  // Arrays empty along the axis add nothing (unless all are).
  std::vector<Array> parts;
  for (const Array& x : arrays) {
    if (x.shape()[a] == 0) continue;
    detail::ChunkLists want = first.chunks();
    want[a] = x.chunks()[a];
    parts.push_back(rechunk(x.astype(dtype), want));
  }
  if (parts.empty()) parts.push_back(first.astype(dtype));

  Shape shape = first.shape();
  detail::ChunkLists chunks = first.chunks();
  shape[a] = 0;
  chunks[a].clear();
  for (const Array& p : parts) {
    shape[a] += p.shape()[a];
    chunks[a].insert(chunks[a].end(), p.chunks()[a].begin(), p.chunks()[a].end());
  }
  // The result's grid, row-major, takes each block from the part that holds it.
  const Shape grid = detail::grid_of(chunks);
  std::vector<std::int64_t> part_of, local_of;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    for (std::size_t j = 0; j < parts[i].chunks()[a].size(); ++j) {
      part_of.push_back(static_cast<std::int64_t>(i));
      local_of.push_back(static_cast<std::int64_t>(j));
    }
  }
  std::vector<Delayed<Dense>> blocks;
  detail::for_each_block(grid, [&](const Shape& b) {
    const Array& p = parts[static_cast<std::size_t>(part_of[static_cast<std::size_t>(b[a])])];
    Shape local = b;
    local[a] = local_of[static_cast<std::size_t>(b[a])];
    blocks.push_back(p.block(local));
  });
  return Array(detail::leaf_node(std::move(shape), std::move(chunks), dtype, std::move(blocks)));
}

Array stack(const std::vector<Array>& arrays, int axis) {
  if (arrays.empty()) throw ConfigError("stack: need at least one array to stack");
  std::vector<Array> expanded;
  for (const Array& x : arrays) {
    if (x.shape() != arrays.front().shape()) {
      throw ShapeError("stack: all input arrays must have the same shape, not " +
                       detail::shape_string(arrays.front().shape()) + " and " +
                       detail::shape_string(x.shape()));
    }
    expanded.push_back(expand_dims(x, axis));
  }
  return concatenate(expanded, axis);
}

}  // namespace weft::array
