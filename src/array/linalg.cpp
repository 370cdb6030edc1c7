// matmul, dot and tensordot: the graph of a blocked product, one task per output block.
#include "weft/array/linalg.hpp"

#include <numeric>
#include <string>

#include "blas.hpp"
#include "node.hpp"

namespace weft::array {
namespace detail {
namespace {

std::string chunks_string(const std::vector<std::int64_t>& c) { return shape_string(c); }

// `x` with its axes in `order`, without an elementwise pass when the order is already so.
Array permuted(const Array& x, const std::vector<int>& order) {
  std::vector<int> identity(order.size());
  std::iota(identity.begin(), identity.end(), 0);
  return order == identity ? x : x.transpose(order);
}

// tensordot with axes already normalised and checked for range; `what` names the caller.
Array contract(const char* what, const Array& a, const Array& b, const std::vector<int>& a_axes,
               const std::vector<int>& b_axes) {
  if (a_axes.size() != b_axes.size()) {
    throw ShapeError(std::string(what) + ": " + std::to_string(a_axes.size()) +
                     " axes of a paired with " + std::to_string(b_axes.size()) + " of b");
  }
  std::vector<bool> in_a(a.ndim(), false), in_b(b.ndim(), false);
  for (std::size_t i = 0; i < a_axes.size(); ++i) {
    const auto x = static_cast<std::size_t>(a_axes[i]);
    const auto y = static_cast<std::size_t>(b_axes[i]);
    if (in_a[x] || in_b[y]) throw AxisError(std::string(what) + ": an axis is repeated");
    in_a[x] = in_b[y] = true;
    if (a.shape()[x] != b.shape()[y]) {
      throw ShapeError(std::string(what) + ": shapes " + shape_string(a.shape()) + " and " +
                       shape_string(b.shape()) + " are not aligned: axis " + std::to_string(x) +
                       " of a has length " + std::to_string(a.shape()[x]) + ", axis " +
                       std::to_string(y) + " of b " + std::to_string(b.shape()[y]));
    }
    if (a.chunks()[x] != b.chunks()[y]) {
      throw ChunkError(std::string(what) + ": axis " + std::to_string(x) + " of a has chunks " +
                       chunks_string(a.chunks()[x]) + " but axis " + std::to_string(y) +
                       " of b has chunks " + chunks_string(b.chunks()[y]) +
                       ": contracted axes need the same chunks (rechunk one side)");
    }
  }
  // a as (free..., contracted...), b as (contracted..., free...): each block is then a
  // row-major matrix, rows times columns.
  std::vector<int> a_order, b_order(b_axes.begin(), b_axes.end());
  for (std::size_t k = 0; k < a.ndim(); ++k) {
    if (!in_a[k]) a_order.push_back(static_cast<int>(k));
  }
  const std::size_t a_free = a_order.size();
  a_order.insert(a_order.end(), a_axes.begin(), a_axes.end());
  for (std::size_t k = 0; k < b.ndim(); ++k) {
    if (!in_b[k]) b_order.push_back(static_cast<int>(k));
  }
  const DType dtype = result_type(a.dtype(), b.dtype());
  const Array at = permuted(a.astype(dtype), a_order);
  const Array bt = permuted(b.astype(dtype), b_order);

  const std::size_t nc = a_axes.size();
  Shape shape;
  ChunkLists chunks;
  for (std::size_t k = 0; k < a_free; ++k) {
    shape.push_back(at.shape()[k]);
    chunks.push_back(at.chunks()[k]);
  }
  for (std::size_t k = nc; k < bt.ndim(); ++k) {
    shape.push_back(bt.shape()[k]);
    chunks.push_back(bt.chunks()[k]);
  }
  const Shape a_grid = at.numblocks(), b_grid = bt.numblocks();
  const Shape c_grid(b_grid.begin(), b_grid.begin() + static_cast<std::ptrdiff_t>(nc));
  const std::vector<Delayed<Dense>> a_blocks = at.blocks(), b_blocks = bt.blocks();
  auto product = weft::delayed(&array_product);
  std::vector<Delayed<Dense>> blocks;
  for_each_block(grid_of(chunks), [&](const Shape& o) {
    std::vector<Delayed<Dense>> as, bs;
    for_each_block(c_grid, [&](const Shape& c) {
      Shape ai(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(a_free));
      ai.insert(ai.end(), c.begin(), c.end());
      Shape bi(c);
      bi.insert(bi.end(), o.begin() + static_cast<std::ptrdiff_t>(a_free), o.end());
      as.push_back(a_blocks[static_cast<std::size_t>(linear_index(ai, a_grid))]);
      bs.push_back(b_blocks[static_cast<std::size_t>(linear_index(bi, b_grid))]);
    });
    blocks.push_back(
        product(ProductSpec{dtype, block_shape(chunks, o), static_cast<std::int32_t>(a_free),
                            static_cast<std::int32_t>(nc)},
                std::move(as), std::move(bs)));
  });
  return Array(leaf_node(std::move(shape), std::move(chunks), dtype, std::move(blocks)));
}

void check_matrix_operands(const char* what, const Array& a, const Array& b) {
  for (const Array* x : {&a, &b}) {
    if (x->ndim() == 0 || x->ndim() > 2) {
      throw ShapeError(std::string(what) + ": operands need 1 or 2 axes, not " +
                       std::to_string(x->ndim()) + " (shape " + shape_string(x->shape()) +
                       (x->ndim() == 0 ? ")" : "); use tensordot for more"));
    }
  }
}

}  // namespace
}  // namespace detail

Array matmul(const Array& a, const Array& b) {
  detail::check_matrix_operands("matmul", a, b);
  const int b_axis = b.ndim() == 1 ? 0 : static_cast<int>(b.ndim()) - 2;
  return detail::contract("matmul", a, b, {static_cast<int>(a.ndim()) - 1}, {b_axis});
}

Array dot(const Array& a, const Array& b) {
  if (a.ndim() == 0 || b.ndim() == 0) return a * b;
  detail::check_matrix_operands("dot", a, b);
  return matmul(a, b);
}

Array tensordot(const Array& a, const Array& b, std::vector<int> a_axes, std::vector<int> b_axes) {
  for (int& x : a_axes) x = detail::normalize_axis(x, a.ndim(), "tensordot");
  for (int& y : b_axes) y = detail::normalize_axis(y, b.ndim(), "tensordot");
  return detail::contract("tensordot", a, b, a_axes, b_axes);
}

Array tensordot(const Array& a, const Array& b, int n) {
  if (n < 0 || static_cast<std::size_t>(n) > a.ndim() || static_cast<std::size_t>(n) > b.ndim()) {
    throw AxisError("tensordot: cannot contract " + std::to_string(n) + " axes of shapes " +
                    detail::shape_string(a.shape()) + " and " + detail::shape_string(b.shape()));
  }
  std::vector<int> a_axes(static_cast<std::size_t>(n)), b_axes(static_cast<std::size_t>(n));
  std::iota(a_axes.begin(), a_axes.end(), static_cast<int>(a.ndim()) - n);
  std::iota(b_axes.begin(), b_axes.end(), 0);
  return detail::contract("tensordot", a, b, a_axes, b_axes);
}

}  // namespace weft::array
