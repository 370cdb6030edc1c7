// Reductions as trees of tasks: a partial per block (the block's elementwise program fused
// in), combining tasks of about split_every partials each, and a finalising task per
// result block.
#include <cmath>
#include <string>

#include "kernels.hpp"
#include "node.hpp"
#include "partial.hpp"

namespace weft::array::detail {
namespace {

Array reduction(const Array& x, ReduceKind kind, const ReduceOptions& o, const char* what) {
  const std::size_t nd = x.ndim();
  std::vector<std::uint8_t> reduced(nd, o.axis.empty() ? 1 : 0);
  for (int a : o.axis) {
    const auto k = static_cast<std::size_t>(normalize_axis(a, nd, what));
    if (reduced[k])
      throw AxisError(std::string(what) + ": axis " + std::to_string(a) + " is repeated");
    reduced[k] = 1;
  }
  const bool arg = kind == ReduceKind::kArgmin || kind == ReduceKind::kArgmax;
  if (arg && o.axis.size() > 1) {
    throw AxisError(std::string(what) + ": takes one axis or none (the flattened array), not " +
                    std::to_string(o.axis.size()));
  }
  if (o.split_every < 2) {
    throw ConfigError(std::string(what) + ": split_every must be at least 2, not " +
                      std::to_string(o.split_every));
  }
  std::int64_t reduced_count = 1, kept_count = 1;
  for (std::size_t k = 0; k < nd; ++k) (reduced[k] ? reduced_count : kept_count) *= x.shape()[k];
  const bool no_identity = arg || kind == ReduceKind::kMin || kind == ReduceKind::kMax;
  if (no_identity && reduced_count == 0 && kept_count > 0) {
    throw ShapeError(std::string(what) + ": zero-size array " + shape_string(x.shape()) +
                     " to a reduction operation which has no identity");
  }
  const NodePtr& node = x.node();
  const Expr e = as_expr(node);
  const Shape grid = grid_of(node->chunks);
  std::vector<Delayed<Dense>> level;
  auto reduce = weft::delayed(&array_reduce);
  for_each_block(grid, [&](const Shape& b) {
    std::vector<Delayed<Dense>> in;
    for (std::size_t i = 0; i < e.leaves.size(); ++i) {
      const Node& leaf = *e.leaves[i];
      Shape idx(leaf.shape.size(), 0);
      for (std::size_t k = 0; k < nd; ++k) {
        if (e.program.views[i][k] >= 0) idx[static_cast<std::size_t>(e.program.views[i][k])] = b[k];
      }
      in.push_back(leaf.blocks[static_cast<std::size_t>(linear_index(idx, grid_of(leaf.chunks)))]);
    }
    level.push_back(reduce(ReduceSpec{e.program, block_shape(node->chunks, b), kind, reduced,
                                      block_offset(node->chunks, b), x.shape()},
                           std::move(in)));
  });
  // Combine along the reduced axes until each has one block left.
  FinalizeSpec spec{kind, x.dtype(), {}, o.ddof};
  auto combine = weft::delayed(&array_combine);
  Shape g = grid;
  for (;;) {
    int active = 0;
    for (std::size_t k = 0; k < nd; ++k) active += reduced[k] && g[k] > 1;
    if (active == 0) break;
    const auto fan = active == 1 ? static_cast<std::int64_t>(o.split_every)
                                 : std::max<std::int64_t>(
                                       2, std::llround(std::pow(o.split_every, 1.0 / active)));
    Shape next = g;
    for (std::size_t k = 0; k < nd; ++k) {
      if (reduced[k]) next[k] = (g[k] + fan - 1) / fan;
    }
    std::vector<Delayed<Dense>> up;
    for_each_block(next, [&](const Shape& c) {
      Shape lo(nd), hi(nd);
      for (std::size_t k = 0; k < nd; ++k) {
        lo[k] = reduced[k] ? c[k] * fan : c[k];
        hi[k] = reduced[k] ? std::min(g[k], lo[k] + fan) : c[k] + 1;
      }
      Shape span(nd);
      for (std::size_t k = 0; k < nd; ++k) span[k] = hi[k] - lo[k];
      std::vector<Delayed<Dense>> group;
      for_each_block(span, [&](const Shape& d) {
        Shape idx(nd);
        for (std::size_t k = 0; k < nd; ++k) idx[k] = lo[k] + d[k];
        group.push_back(level[static_cast<std::size_t>(linear_index(idx, g))]);
      });
      up.push_back(group.size() == 1 ? group.front() : combine(spec, std::move(group)));
    });
    level = std::move(up);
    g = std::move(next);
  }
  Shape shape;
  ChunkLists chunks;
  for (std::size_t k = 0; k < nd; ++k) {
    if (!reduced[k]) {
      shape.push_back(x.shape()[k]);
      chunks.push_back(node->chunks[k]);
    } else if (o.keepdims) {
      shape.push_back(1);
      chunks.push_back({1});
    }
  }
  auto finish = weft::delayed(&array_finalize);
  std::vector<Delayed<Dense>> blocks;
  std::size_t n = 0;
  for_each_block(grid_of(chunks), [&](const Shape& b) {
    spec.shape = block_shape(chunks, b);
    blocks.push_back(finish(spec, level[n++]));
  });
  return Array(leaf_node(std::move(shape), std::move(chunks), reduce_dtype(kind, x.dtype()),
                         std::move(blocks)));
}

}  // namespace
}  // namespace weft::array::detail

namespace weft::array {

using detail::ReduceKind;

Array Array::sum(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kSum, o, "sum");
}
Array Array::prod(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kProd, o, "prod");
}
Array Array::mean(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kMean, o, "mean");
}
Array Array::min(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kMin, o, "min");
}
Array Array::max(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kMax, o, "max");
}
Array Array::var(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kVar, o, "var");
}
Array Array::std(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kStd, o, "std");
}
Array Array::argmin(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kArgmin, o, "argmin");
}
Array Array::argmax(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kArgmax, o, "argmax");
}
Array Array::any(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kAny, o, "any");
}
Array Array::all(const ReduceOptions& o) const {
  return detail::reduction(*this, ReduceKind::kAll, o, "all");
}

}  // namespace weft::array
