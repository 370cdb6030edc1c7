// weft::array: chunked N-d arrays, like dask.array, built on weft's lazy task graphs.
//
//   auto x = weft::array::random_normal({20000, 20000}, {2000, 2000}, {.seed = 42});
//   weft::array::Array y = (x + x.T()).sum();          // nothing has run yet
//   double s = y.compute().item<double>();             // runs on the current runtime
//   weft::array::Dense m = x.mean({.axis = {0}}).compute();
//
// An Array is a lazy expression over a grid of blocks. Creation functions make one graph
// node per block; elementwise operations (arithmetic, comparisons, math functions, where,
// astype, transpose) are not nodes at all but a small program recorded on the array, which
// becomes one task per output block when something needs the blocks (a reduction, or
// compute()). So `sqrt(abs(x * 2 + y.T()) + 1)` costs one task per block however long the
// chain, reads its inputs in cache-sized tiles (a transposed input is read tile by tile
// from the untransposed block, never copied), and keeps no temporary array per operation.
// Reductions are trees of tasks over per-block partial results, with a fan-in set by
// ReduceOptions::split_every (Dask's split_every).
//
// Memory: each block task frees its inputs once it has run and nothing else needs them
// (weft's graph executor releases a value with its last consumer), so computing a
// reduction of a large generated array holds only the blocks in flight.
//
// Every runtime runs arrays, including the cluster runtimes: block tasks are data (an op
// program plus parameters) run by a few functions registered with WEFT_REMOTE inside weft,
// and blocks (Dense) travel as out-of-band buffers. Only from_blocks() takes user code,
// which must then be registered with WEFT_REMOTE to run on a cluster.
//
// Element types and promotion follow NumPy 2 (NEP 50): see dtype.hpp for array-with-array
// promotion; a C++ scalar operand is "weak" like a Python scalar: it takes the array's type
// when that is of its kind or wider (int32 array + 1 -> int32, float32 array + 1.5 ->
// float32), and an integer or bool array with a floating scalar gives float64.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/array/dense.hpp"
#include "weft/array/dtype.hpp"
#include "weft/delayed.hpp"

namespace weft::array {

// How an array is split into blocks along each axis:
//  - {} (the default): one block per axis;
//  - one block size per axis, e.g. {2000, 2000}: full blocks plus a smaller last one;
//    -1 means the whole axis;
//  - explicit block lengths per axis, e.g. {{3, 3, 1}, {4}}: each list sums to the axis.
// Arrays built from such a spec throw ChunkError when it does not fit their shape.
class Chunks {
 public:
  Chunks() = default;
  Chunks(std::initializer_list<std::int64_t> block_sizes) : sizes_(block_sizes) {}
  Chunks(std::vector<std::int64_t> block_sizes) : sizes_(std::move(block_sizes)) {}  // NOLINT
  Chunks(std::initializer_list<std::vector<std::int64_t>> lists) : lists_(lists), explicit_(true) {}
  Chunks(std::vector<std::vector<std::int64_t>> lists)  // NOLINT: a spec converts implicitly
      : lists_(std::move(lists)), explicit_(true) {}

  // The block lengths along each axis of an array of `shape`. Throws ChunkError naming the
  // axis when the spec has the wrong number of axes, a block size below 1 (other than -1),
  // a negative length, or lists that do not sum to the axis length.
  std::vector<std::vector<std::int64_t>> resolve(const Shape& shape) const;

 private:
  std::vector<std::int64_t> sizes_;
  std::vector<std::vector<std::int64_t>> lists_;
  bool explicit_ = false;
};

// A C++ number as an operand: keeps its kind (bool, integer, floating) for NEP 50's weak
// scalar promotion.
class Scalar {
 public:
  template <class T>
  requires std::is_arithmetic_v<T> Scalar(T v)  // NOLINT: numbers convert implicitly
      : kind_(std::is_same_v<T, bool>       ? Kind::kBool
              : std::is_floating_point_v<T> ? Kind::kFloat
                                            : Kind::kInt),
        f_(static_cast<double>(v)),
        i_(std::is_floating_point_v<T> ? 0 : static_cast<std::int64_t>(v)) {}

  enum class Kind : std::uint8_t { kBool, kInt, kFloat };
  Kind kind() const noexcept { return kind_; }
  double as_double() const noexcept { return f_; }
  std::int64_t as_int() const noexcept { return i_; }

 private:
  Kind kind_;
  double f_;
  std::int64_t i_;
};

// Options of the reductions.
struct ReduceOptions {
  // Axes to reduce (negative counts from the end); empty reduces all of them. Throws
  // AxisError for an axis out of range or given twice.
  std::vector<int> axis;
  // Keep reduced axes with length 1, so the result broadcasts against the input.
  bool keepdims = false;
  // How many partial results one combining task merges (Dask's split_every); at least 2.
  // With several reduced axes, each axis gets about the k-th root of it.
  int split_every = 8;
  // var and std only: divide by n - ddof.
  int ddof = 0;
};

// Options of the random creation functions.
struct RandomOptions {
  // The same seed and chunking give the same values on every runtime and run; each block
  // draws from its own xoshiro256++ stream seeded from (seed, block index).
  std::uint64_t seed = 0;
  DType dtype = DType::kFloat64;  // float64 or float32
};

// What from_blocks() tells the function about the block it should produce.
struct BlockInfo {
  Shape index;        // the block's position in the grid of blocks
  Shape offset;       // its first element's position in the array
  Shape shape;        // its shape
  Shape array_shape;  // the whole array's shape
  DType dtype = DType::kFloat64;
  WEFT_SERIALIZE(index, offset, shape, array_shape, dtype);
};

namespace detail {
struct Node;
Dense array_check_block(const BlockInfo& info, const Dense& block);
}  // namespace detail

// A lazy chunked N-d array. Cheap to copy (a shared handle to an immutable expression), and
// safe to share between threads. Operations return new arrays and run nothing; compute()
// runs what the array needs.
class Array {
 public:
  const Shape& shape() const noexcept;
  std::size_t ndim() const noexcept { return shape().size(); }
  std::int64_t size() const noexcept;  // number of elements
  DType dtype() const noexcept;
  // Block lengths along each axis (Dask's .chunks).
  const std::vector<std::vector<std::int64_t>>& chunks() const noexcept;
  // Number of blocks along each axis.
  Shape numblocks() const;

  // Axes permuted: axis i of the result is axis axes[i] of this one. Empty reverses them
  // (NumPy's default). Throws AxisError unless `axes` is a permutation of 0..ndim-1
  // (negative values count from the end). Costs no task of its own: it is fused into
  // whatever reads it.
  Array transpose(std::vector<int> axes = {}) const;
  Array T() const { return transpose(); }
  // Converted elementwise, as NumPy's astype (floats to integers truncate; NaN and values
  // out of range give the type's minimum).
  Array astype(DType dtype) const;

  // Reductions; see ReduceOptions. Result dtypes are NumPy's: sum and prod of bool and
  // integers give int64, of floats their type; mean, var and std give float64 except
  // float32 for float32 input; min and max keep the dtype; argmin and argmax give int64;
  // any and all give bool. Sums are pairwise within tiles of a block and combined by tree;
  // var combines (count, mean, M2) triples with Chan et al.'s formula, so a large offset in
  // the data costs no precision. min and max propagate NaN, argmin and argmax return the
  // first NaN's position, and ties go to the lowest index. min, max, argmin and argmax of an
  // empty selection throw ShapeError (they have no identity); mean, var and std of one give
  // NaN. argmin and argmax take at most one axis; without one they index the flattened
  // array.
  Array sum(const ReduceOptions& options = {}) const;
  Array prod(const ReduceOptions& options = {}) const;
  Array mean(const ReduceOptions& options = {}) const;
  Array min(const ReduceOptions& options = {}) const;
  Array max(const ReduceOptions& options = {}) const;
  Array var(const ReduceOptions& options = {}) const;
  Array std(const ReduceOptions& options = {}) const;
  Array argmin(const ReduceOptions& options = {}) const;
  Array argmax(const ReduceOptions& options = {}) const;
  Array any(const ReduceOptions& options = {}) const;
  Array all(const ReduceOptions& options = {}) const;

  // The block at `index` (one entry per axis) as a graph node. Throws ShapeError when the
  // index is out of the grid.
  Delayed<Dense> block(const Shape& index) const;
  // Every block, row-major over the grid of blocks.
  std::vector<Delayed<Dense>> blocks() const;
  // One node that yields the whole array (the single block itself when there is one, else
  // a node that assembles the blocks): what compute() runs. Graph::of(a.to_delayed())
  // shows the graph, e.g. to count its tasks.
  Delayed<Dense> to_delayed() const;
  // Runs the graph on the current runtime and returns the whole array, contiguous.
  // Throws TaskError when a block task throws, and ConfigError on a cluster runtime when a
  // from_blocks() function is not registered with WEFT_REMOTE.
  Dense compute(const ComputeOptions& options = {}) const;

  // For weft's own use.
  explicit Array(std::shared_ptr<const detail::Node> node) noexcept : node_(std::move(node)) {}
  const std::shared_ptr<const detail::Node>& node() const noexcept { return node_; }

 private:
  std::shared_ptr<const detail::Node> node_;
};

// --- Creation ----------------------------------------------------------------------------
// Shapes must be non-negative (else ShapeError); `chunks` as in Chunks.

Array zeros(const Shape& shape, const Chunks& chunks = {}, DType dtype = DType::kFloat64);
Array ones(const Shape& shape, const Chunks& chunks = {}, DType dtype = DType::kFloat64);
// Every element `value`, converted to `dtype`.
Array full(const Shape& shape, Scalar value, const Chunks& chunks = {},
           DType dtype = DType::kFloat64);
// start, start + step, ... while below stop (above, for a negative step), as NumPy's
// arange: ceil((stop - start) / step) elements. Throws ShapeError for a zero step.
Array arange(double start, double stop, double step = 1, const Chunks& chunks = {},
             DType dtype = DType::kFloat64);
// `num` evenly spaced values from start to stop, stop included when `endpoint`.
Array linspace(double start, double stop, std::int64_t num, const Chunks& chunks = {},
               bool endpoint = true);
// Normal values with mean `loc` and standard deviation `scale` (a 128-layer ziggurat).
Array random_normal(const Shape& shape, const Chunks& chunks = {},
                    const RandomOptions& options = {}, double loc = 0, double scale = 1);
// Uniform values in [low, high).
Array random_uniform(const Shape& shape, const Chunks& chunks = {},
                     const RandomOptions& options = {}, double low = 0, double high = 1);
// An array over `data`'s elements (reshaped to `shape` if given, which must have as many
// elements, else ShapeError). The bytes are shared, not copied: `data` is immutable. Each
// block task copies its block out when it runs.
Array from_dense(const Dense& data, const Chunks& chunks = {});
// Copies `values` (row-major) into an array of `shape`. Throws ShapeError when the counts
// differ.
template <class T>
Array from_vector(const std::vector<T>& values, const Shape& shape, const Chunks& chunks = {}) {
  return from_dense(Dense::from_values(shape, values), chunks);
}
// Adopts `values` without copying them.
template <class T>
Array from_vector(std::vector<T>&& values, const Shape& shape, const Chunks& chunks = {}) {
  return from_dense(Dense::adopt(shape, std::move(values)), chunks);
}

namespace detail {
Array from_block_nodes(const Shape& shape, const std::vector<std::vector<std::int64_t>>& chunks,
                       DType dtype, std::vector<Delayed<Dense>> blocks);
std::vector<BlockInfo> block_infos(const Shape& shape, const Chunks& chunks, DType dtype);
}  // namespace detail

// An array whose blocks `fn` makes: fn(const BlockInfo&) -> Dense, called once per block
// per compute, on any thread (or worker). A block of the wrong shape or dtype fails its
// task with a ShapeError or DTypeError naming the block. On a cluster runtime `fn` must be
// a free function registered with WEFT_REMOTE (compute() throws ConfigError otherwise);
// lambdas are fine on threads and inline.
template <class F>
requires std::is_invocable_r_v<Dense, const F&, const BlockInfo&> Array
from_blocks(F fn, const Shape& shape, const Chunks& chunks = {}, DType dtype = DType::kFloat64) {
  std::vector<BlockInfo> infos = detail::block_infos(shape, chunks, dtype);
  auto make = weft::delayed(std::move(fn));
  auto check = weft::delayed(&detail::array_check_block);
  std::vector<Delayed<Dense>> nodes;
  nodes.reserve(infos.size());
  for (const BlockInfo& info : infos) nodes.push_back(check(info, make(info)));
  return detail::from_block_nodes(shape, chunks.resolve(shape), dtype, std::move(nodes));
}

// --- Elementwise -------------------------------------------------------------------------
// Operands broadcast as in NumPy: shapes align at the last axis, and each pair of lengths
// must be equal or one of them 1 (else ShapeError naming both shapes). Arrays that meet
// along an axis of length > 1 must have the same chunks there (else ChunkError naming the
// axis and both chunkings; a length-1 axis that broadcasts has any chunking).

namespace detail {
template <class T>
concept Operand =
    std::is_same_v<std::remove_cvref_t<T>, Array> || std::is_arithmetic_v<std::remove_cvref_t<T>>;
template <class A, class B>
concept ArrayOperands = Operand<A> && Operand<B> &&(std::is_same_v<std::remove_cvref_t<A>, Array> ||
                                                    std::is_same_v<std::remove_cvref_t<B>, Array>);

enum class Binary : std::uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kMin,
  kMax,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr
};
// An array or a scalar operand.
struct Term {
  Term(const Array& a) : array(a.node()), scalar(0) {}  // NOLINT: operands convert
  Term(Scalar s) : scalar(s) {}                         // NOLINT
  template <class T>
  requires std::is_arithmetic_v<T> Term(T v) : scalar(v) {}  // NOLINT
  std::shared_ptr<const Node> array;
  Scalar scalar;
};
Array binary(Binary op, const Term& a, const Term& b);
}  // namespace detail

// Arithmetic. bool + bool is logical or and bool * bool logical and, as in NumPy; bool -
// bool and -bool throw DTypeError. Division is true division: integers give float64.
// Integer overflow wraps around.
template <class A, class B>
requires detail::ArrayOperands<A, B> Array operator+(const A& a, const B& b) {
  return detail::binary(detail::Binary::kAdd, a, b);
}
template <class A, class B>
requires detail::ArrayOperands<A, B> Array operator-(const A& a, const B& b) {
  return detail::binary(detail::Binary::kSub, a, b);
}
template <class A, class B>
requires detail::ArrayOperands<A, B> Array operator*(const A& a, const B& b) {
  return detail::binary(detail::Binary::kMul, a, b);
}
template <class A, class B>
requires detail::ArrayOperands<A, B> Array operator/(const A& a, const B& b) {
  return detail::binary(detail::Binary::kDiv, a, b);
}
Array operator-(const Array& a);

// Comparisons give bool arrays (compared in the promoted type).
template <class A, class B>
requires detail::ArrayOperands<A, B> Array operator==(const A& a, const B& b) {
  return detail::binary(detail::Binary::kEq, a, b);
}
template <class A, class B>
requires detail::ArrayOperands<A, B> Array operator!=(const A& a, const B& b) {
  return detail::binary(detail::Binary::kNe, a, b);
}
template <class A, class B>
requires detail::ArrayOperands<A, B> Array operator<(const A& a, const B& b) {
  return detail::binary(detail::Binary::kLt, a, b);
}
template <class A, class B>
requires detail::ArrayOperands<A, B> Array operator<=(const A& a, const B& b) {
  return detail::binary(detail::Binary::kLe, a, b);
}
template <class A, class B>
requires detail::ArrayOperands<A, B> Array operator>(const A& a, const B& b) {
  return detail::binary(detail::Binary::kGt, a, b);
}
template <class A, class B>
requires detail::ArrayOperands<A, B> Array operator>=(const A& a, const B& b) {
  return detail::binary(detail::Binary::kGe, a, b);
}

// Math functions. abs keeps the dtype; sqrt, exp, log, sin and cos give float32 for
// float32 and bool input (NumPy gives float16 for bool, which weft lacks) and float64
// otherwise. pow promotes like the arithmetic operators (bool ** bool gives int64); an
// integer to a negative integer power fails its task, as in NumPy.
Array abs(const Array& x);
Array sqrt(const Array& x);
Array exp(const Array& x);
Array log(const Array& x);
Array sin(const Array& x);
Array cos(const Array& x);
Array pow(const detail::Term& base, const detail::Term& exponent);
// min(max(x, lo), hi) elementwise, promoting as the arithmetic operators do.
Array clip(const detail::Term& x, const detail::Term& lo, const detail::Term& hi);
// Elements of `a` where `cond` is true (nonzero), else of `b`; all three broadcast together,
// and the result has the promoted dtype of a and b.
Array where(const detail::Term& cond, const detail::Term& a, const detail::Term& b);

}  // namespace weft::array

#include "weft/array/linalg.hpp"   // matmul, dot, tensordot
#include "weft/array/storage.hpp"  // .npy and Zarr files

#include "weft/array/structure.hpp"  // slicing, indexing, joining, rechunk, reshape, map_blocks
