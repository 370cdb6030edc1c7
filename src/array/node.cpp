// Array's structure: the grid of blocks, lowering expressions to block tasks, transpose,
// astype and compute.
#include "node.hpp"

#include <algorithm>
#include <numeric>

#include "evaluator.hpp"
#include "kernels.hpp"

namespace weft::array::detail {

std::string shape_string(const Shape& shape) {
  std::string s = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (k > 0) s += ", ";
    s += std::to_string(shape[k]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

Shape grid_of(const ChunkLists& chunks) {
  Shape g;
  for (const auto& c : chunks) g.push_back(static_cast<std::int64_t>(c.size()));
  return g;
}

std::int64_t linear_index(const Shape& index, const Shape& grid) {
  std::int64_t i = 0;
  for (std::size_t k = 0; k < grid.size(); ++k) i = i * grid[k] + index[k];
  return i;
}

Shape block_offset(const ChunkLists& chunks, const Shape& index) {
  Shape off(chunks.size(), 0);
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    off[k] = std::accumulate(chunks[k].begin(), chunks[k].begin() + index[k], std::int64_t{0});
  }
  return off;
}

Shape block_shape(const ChunkLists& chunks, const Shape& index) {
  Shape s(chunks.size());
  for (std::size_t k = 0; k < chunks.size(); ++k)
    s[k] = chunks[k][static_cast<std::size_t>(index[k])];
  return s;
}

void for_each_block(const Shape& grid, const std::function<void(const Shape&)>& f) {
  Shape idx(grid.size(), 0);
  for (;;) {
    f(idx);
    std::size_t k = grid.size();
    while (k-- > 0) {
      if (++idx[k] < grid[k]) break;
      idx[k] = 0;
    }
    if (k == static_cast<std::size_t>(-1)) return;
  }
}

NodePtr leaf_node(Shape shape, ChunkLists chunks, DType dtype, std::vector<Delayed<Dense>> blocks) {
  auto n = std::make_shared<Node>();
  n->shape = std::move(shape);
  n->chunks = std::move(chunks);
  n->dtype = dtype;
  n->blocks = std::move(blocks);
  return n;
}

Program identity_program(DType dtype, std::size_t ndim) {
  Program p;
  p.code.push_back(Instr{.op = Op::kInput, .dtype = dtype, .a = 0});
  std::vector<std::int32_t> view(ndim);
  std::iota(view.begin(), view.end(), 0);
  p.views.push_back(std::move(view));
  return p;
}

Expr as_expr(const NodePtr& n) {
  if (n->leaf) return Expr{identity_program(n->dtype, n->shape.size()), {n}};
  return Expr{n->program, n->inputs};
}

NodePtr expr_node(Shape shape, ChunkLists chunks, Expr e) {
  auto n = std::make_shared<Node>();
  n->shape = std::move(shape);
  n->chunks = std::move(chunks);
  n->dtype = e.program.dtype();
  n->leaf = false;
  n->program = std::move(e.program);
  n->inputs = std::move(e.leaves);
  return n;
}

std::int32_t emit(Program& p, Instr in) {
  p.code.push_back(in);
  return static_cast<std::int32_t>(p.code.size() - 1);
}

std::int32_t cast_to(Program& p, std::int32_t r, DType dtype) {
  if (p.code[static_cast<std::size_t>(r)].dtype == dtype) return r;
  return emit(p, Instr{.op = Op::kCast, .dtype = dtype, .a = r});
}

int normalize_axis(int axis, std::size_t ndim, const char* what) {
  const auto n = static_cast<int>(ndim);
  if (axis < -n || axis >= n) {
    throw AxisError(std::string(what) + ": axis " + std::to_string(axis) +
                    " is out of bounds for an array of dimension " + std::to_string(n));
  }
  return axis < 0 ? axis + n : axis;
}

const std::vector<Delayed<Dense>>& Node::lowered() const {
  if (leaf) return blocks;
  std::call_once(once_, [this] {
    const Shape grid = grid_of(chunks);
    auto eval = weft::delayed(&array_evaluate);
    for_each_block(grid, [&](const Shape& b) {
      std::vector<Delayed<Dense>> in;
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        const Node& leaf_in = *inputs[i];
        Shape idx(leaf_in.shape.size(), 0);
        for (std::size_t k = 0; k < b.size(); ++k) {
          const std::int32_t axis = program.views[i][k];
          if (axis >= 0) idx[static_cast<std::size_t>(axis)] = b[k];
        }
        in.push_back(
            leaf_in.blocks[static_cast<std::size_t>(linear_index(idx, grid_of(leaf_in.chunks)))]);
      }
      lowered_.push_back(eval(EvalSpec{program, block_shape(chunks, b)}, std::move(in)));
    });
  });
  return lowered_;
}

}  // namespace weft::array::detail

namespace weft::array {

using detail::Node;

const Shape& Array::shape() const noexcept { return node_->shape; }
std::int64_t Array::size() const noexcept { return detail::count_of(node_->shape); }
DType Array::dtype() const noexcept { return node_->dtype; }
const std::vector<std::vector<std::int64_t>>& Array::chunks() const noexcept {
  return node_->chunks;
}
Shape Array::numblocks() const { return detail::grid_of(node_->chunks); }

Delayed<Dense> Array::block(const Shape& index) const {
  const Shape grid = numblocks();
  bool ok = index.size() == grid.size();
  for (std::size_t k = 0; ok && k < grid.size(); ++k) ok = index[k] >= 0 && index[k] < grid[k];
  if (!ok) {
    throw ShapeError("Array::block: index " + detail::shape_string(index) +
                     " is outside the grid of blocks " + detail::shape_string(grid));
  }
  return node_->lowered()[static_cast<std::size_t>(detail::linear_index(index, grid))];
}

std::vector<Delayed<Dense>> Array::blocks() const { return node_->lowered(); }

Delayed<Dense> Array::to_delayed() const {
  const std::vector<Delayed<Dense>>& b = node_->lowered();
  if (b.size() == 1) return b.front();
  return weft::delayed(&detail::array_assemble)(
      detail::AssembleSpec{node_->dtype, node_->shape, node_->chunks}, b);
}

Dense Array::compute(const ComputeOptions& options) const { return to_delayed().compute(options); }

Array Array::transpose(std::vector<int> axes) const {
  const std::size_t nd = ndim();
  if (axes.empty()) {
    for (std::size_t k = nd; k-- > 0;) axes.push_back(static_cast<int>(k));
  }
  if (axes.size() != nd) {
    throw AxisError("transpose: " + std::to_string(axes.size()) +
                    " axes given for an array of dimension " + std::to_string(nd));
  }
  std::vector<bool> seen(nd, false);
  for (int& a : axes) {
    a = detail::normalize_axis(a, nd, "transpose");
    if (seen[static_cast<std::size_t>(a)]) {
      throw AxisError("transpose: axis " + std::to_string(a) + " is repeated");
    }
    seen[static_cast<std::size_t>(a)] = true;
  }
  detail::Expr e = detail::as_expr(node_);
  for (std::vector<std::int32_t>& view : e.program.views) {
    std::vector<std::int32_t> permuted(nd);
    for (std::size_t k = 0; k < nd; ++k) permuted[k] = view[static_cast<std::size_t>(axes[k])];
    view = std::move(permuted);
  }
  Shape shape(nd);
  detail::ChunkLists chunks(nd);
  for (std::size_t k = 0; k < nd; ++k) {
    shape[k] = node_->shape[static_cast<std::size_t>(axes[k])];
    chunks[k] = node_->chunks[static_cast<std::size_t>(axes[k])];
  }
  return Array(detail::expr_node(std::move(shape), std::move(chunks), std::move(e)));
}

Array Array::astype(DType dtype) const {
  if (dtype == node_->dtype) return *this;
  detail::Expr e = detail::as_expr(node_);
  detail::cast_to(e.program, static_cast<std::int32_t>(e.program.code.size() - 1), dtype);
  return Array(detail::expr_node(node_->shape, node_->chunks, std::move(e)));
}

}  // namespace weft::array
