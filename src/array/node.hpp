// The expression behind an Array.
//
// A node is either a grid of block graph nodes (a leaf: created, reduced or assembled
// data), or an elementwise Program over leaves. Elementwise operations never nest: an
// operation on expressions merges their programs into one over their leaves, composing the
// views (broadcasts, transposes) on the way, so that however long the chain, lowering makes
// one task per output block.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "program.hpp"
#include "weft/array.hpp"

namespace weft::array::detail {

using ChunkLists = std::vector<std::vector<std::int64_t>>;

struct Node {
  Shape shape;
  ChunkLists chunks;
  DType dtype = DType::kFloat64;
  bool leaf = true;
  // A leaf's blocks, row-major over the grid.
  std::vector<Delayed<Dense>> blocks;
  // An expression's program, and the leaf behind each of its inputs.
  Program program;
  std::vector<std::shared_ptr<const Node>> inputs;

  // An expression's blocks, lowered once, on first use.
  const std::vector<Delayed<Dense>>& lowered() const;

 private:
  mutable std::once_flag once_;
  mutable std::vector<Delayed<Dense>> lowered_;
};
using NodePtr = std::shared_ptr<const Node>;

// "(2, 3)", as NumPy prints shapes.
std::string shape_string(const Shape& shape);
// Number of blocks per axis, and the linear index of a block.
Shape grid_of(const ChunkLists& chunks);
std::int64_t linear_index(const Shape& index, const Shape& grid);
// Block `index`'s offset and shape.
Shape block_offset(const ChunkLists& chunks, const Shape& index);
Shape block_shape(const ChunkLists& chunks, const Shape& index);
// Calls f(index) for every block index, row-major.
void for_each_block(const Shape& grid, const std::function<void(const Shape&)>& f);

// A node for blocks made elsewhere.
NodePtr leaf_node(Shape shape, ChunkLists chunks, DType dtype, std::vector<Delayed<Dense>> blocks);
// The node's blocks as the input of a program: its program (the identity for a leaf) and
// leaves.
struct Expr {
  Program program;
  std::vector<NodePtr> leaves;
};
Expr as_expr(const NodePtr& n);
// An expression node from a program over leaves; `shape` and `chunks` of its output.
NodePtr expr_node(Shape shape, ChunkLists chunks, Expr e);

// Appends instruction `in` to the program and returns its register.
std::int32_t emit(Program& p, Instr in);
// A register of `dtype` holding register r's values (r itself when it already is).
std::int32_t cast_to(Program& p, std::int32_t r, DType dtype);

// Normalises `axis` (negative from the end) for an array of `ndim` axes. Throws AxisError
// naming `what`.
int normalize_axis(int axis, std::size_t ndim, const char* what);

}  // namespace weft::array::detail
