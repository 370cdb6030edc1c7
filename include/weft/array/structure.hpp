// Structure operations on weft::array::Array: slicing, integer and boolean indexing,
// concatenate, stack, expand_dims, rechunk, reshape, map_blocks and blockwise. Included by
// weft/array.hpp.
//
// All are lazy and cost at most one task per output block, which reads only the input
// blocks it overlaps and copies out only the part of each that it needs (a slice never
// copies a whole input block to keep a few rows of it). An output block that is exactly
// one input block is that block's node, with no task at all: x[:], a rechunk to the same
// chunks, and concatenate() add no tasks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/array.hpp"

namespace weft::array {

// An index out of range for its axis, as NumPy's IndexError.
class IndexError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

// One axis of a slice, as Python's start:stop:step with NumPy's meaning: negative start
// and stop count from the end, out-of-range bounds are clipped, a negative step walks
// backwards (its defaults are then the last element and "before the first"), and bounds
// that select nothing give a length-0 axis. Slice{} is `:`. A zero step throws ShapeError.
struct Slice {
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> stop;
  std::int64_t step = 1;
};

// x[s0, s1, ...]: slices for the leading axes (axes not given are kept whole); more slices
// than axes throw IndexError. Output chunks follow the input's: each output block is the
// part of one input block that the slice keeps (in reverse for a negative step), so a
// block task copies only that part.
Array slice(const Array& x, const std::vector<Slice>& slices);

// np.take(x, indices, axis): the elements at `indices` (negative from the end, repeats and
// any order allowed) along `axis`. Throws IndexError for an index out of range and
// AxisError for a bad axis. Output blocks along `axis` hold runs of indices that fall in
// one input block, merged up to the input's largest block length along `axis`.
Array take(const Array& x, const std::vector<std::int64_t>& indices, int axis = 0);

// np.compress(mask, x, axis), i.e. x[..., mask, ...] along `axis`: the elements where
// `mask` is true. `mask` must have the axis' length (else IndexError, as NumPy's boolean
// indexing). The overload taking an Array computes the 1-d bool mask now, on the current
// runtime, because the result's shape depends on its values.
Array compress(const Array& x, const std::vector<bool>& mask, int axis = 0);
Array compress(const Array& x, const Array& mask, int axis = 0);

// np.concatenate(arrays, axis): arrays of the same number of axes and equal lengths except
// along `axis`, promoted to their common dtype (result_type). Adds no task: the result's
// blocks are the inputs' blocks. Along the other axes the result has arrays[0]'s chunks;
// other arrays are rechunked to them. Throws ConfigError for no arrays, ShapeError for
// lengths that differ, AxisError for a bad axis.
Array concatenate(const std::vector<Array>& arrays, int axis = 0);

// np.stack(arrays, axis): arrays of equal shape joined along a new axis `axis` (in
// -(ndim+1)..ndim), as concatenate() of expand_dims(). Throws ShapeError for shapes that
// differ.
Array stack(const std::vector<Array>& arrays, int axis = 0);

// np.expand_dims(x, axis): a new length-1 axis at `axis` (in -(ndim+1)..ndim). Costs no
// task: it is a view fused into whatever reads it.
Array expand_dims(const Array& x, int axis);

// The same values in new chunks (see Chunks). Each output block is assembled from the
// input blocks it overlaps, so memory in flight is bounded by an output block plus the
// input blocks it overlaps, never the array. Throws ChunkError when `chunks` does not fit
// the shape.
Array rechunk(const Array& x, const Chunks& chunks);

// np.reshape(x, shape) (C order; one length may be -1, inferred), where the chunks allow it
// as in dask: axes are matched in groups whose lengths have equal products (length-1 axes
// aside), and a group of input axes may become a group of output axes when the input
// axes after its first are each one whole block and every block length of the merged
// axis divides evenly by the product of the output axes after its first. Then each output
// block is one input block with a new shape: a task that copies nothing. Throws ShapeError
// when the sizes differ and ChunkError (naming the axes and a rechunk that would do)
// otherwise.
Array reshape(const Array& x, Shape shape);

// What map_blocks() and blockwise() make: the output dtype (else the first input's) and
// the output chunks as explicit lists (else derived from the inputs; given lists must have
// the derived number of blocks along each axis, else ChunkError).
struct BlockOptions {
  std::optional<DType> dtype;
  std::vector<std::vector<std::int64_t>> chunks;
};

// An array and a name per axis, for blockwise(): Indexed{x, "ij"}.
struct Indexed {
  Array array;
  std::string index;
};

namespace detail {
// Per output block: its description and, per input, the input block it reads.
struct BlockwisePlan {
  Shape shape;
  std::vector<std::vector<std::int64_t>> chunks;
  DType dtype = DType::kFloat64;
  std::vector<BlockInfo> infos;
  std::vector<std::vector<Delayed<Dense>>> inputs;
};
BlockwisePlan blockwise_plan(std::string_view out_index, const std::vector<Indexed>& inputs,
                             const BlockOptions& out, const char* what);
// Checks a user function's block against what was declared; names `what` in the error.
Dense array_check_mapped(const BlockInfo& info, const Dense& block);

template <std::size_t N, class F>
Array run_blockwise(F fn, const BlockwisePlan& plan) {
  auto make = weft::delayed(std::move(fn));
  auto check = weft::delayed(&array_check_mapped);
  std::vector<Delayed<Dense>> nodes;
  nodes.reserve(plan.infos.size());
  for (std::size_t b = 0; b < plan.infos.size(); ++b) {
    const std::vector<Delayed<Dense>>& in = plan.inputs[b];
    nodes.push_back([&]<std::size_t... K>(std::index_sequence<K...>) {
      return check(plan.infos[b], make(in[K]...));
    }(std::make_index_sequence<N>{}));
  }
  return from_block_nodes(plan.shape, plan.chunks, plan.dtype, std::move(nodes));
}

template <class T>
using DenseArg = const Dense&;
}  // namespace detail

// dask's blockwise without contraction: output block (i, j, ...) is fn(blocks...), where
// each input contributes its block at the positions its index letters name in out_index,
// e.g. blockwise(f, "ij", {}, Indexed{x, "ij"}, Indexed{v, "j"}) calls f(x block (i, j),
// v block (j)) for output block (i, j). Every input letter must appear in out_index and
// every out_index letter in some input (else AxisError); inputs that share a letter must
// have the same chunks along it, except a length-1 axis, which broadcasts (else
// ChunkError). fn(const Dense&...) -> Dense runs once per output block; a block of another
// shape or dtype than declared fails its task with ShapeError or DTypeError. On a cluster
// runtime fn must be a free function registered with WEFT_REMOTE (compute() throws
// ConfigError otherwise); lambdas are fine on threads and inline.
template <class F, class... I>
requires(std::is_same_v<I, Indexed>&&...) &&
    std::is_invocable_r_v<Dense, const F&, detail::DenseArg<I>...> Array
    blockwise(F fn, std::string_view out_index, const BlockOptions& out, const I&... inputs) {
  const detail::BlockwisePlan plan =
      detail::blockwise_plan(out_index, {inputs...}, out, "blockwise");
  return detail::run_blockwise<sizeof...(I)>(std::move(fn), plan);
}

// fn applied to corresponding blocks of arrays of the same number of axes (blockwise()
// with the same letters for every input): map_blocks(f, x, y) calls f(x block, y block).
template <class F, class... A>
requires(std::is_same_v<A, Array>&&...) &&
    std::is_invocable_r_v<Dense, const F&, detail::DenseArg<A>...> Array
    map_blocks(F fn, const BlockOptions& out, const A&... arrays) {
  static_assert(sizeof...(A) > 0, "map_blocks needs at least one array");
  const std::size_t nd = std::get<0>(std::tie(arrays...)).ndim();
  std::string letters;
  for (std::size_t k = 0; k < nd; ++k)
    letters += static_cast<char>(k < 26 ? 'a' + k : 'A' + k - 26);
  const detail::BlockwisePlan plan =
      detail::blockwise_plan(letters, {Indexed{arrays, letters}...}, out, "map_blocks");
  return detail::run_blockwise<sizeof...(A)>(std::move(fn), plan);
}
template <class F, class... A>
requires(std::is_same_v<A, Array>&&...) &&
    std::is_invocable_r_v<Dense, const F&, detail::DenseArg<A>...> Array
    map_blocks(F fn, const A&... arrays) {
  return map_blocks(std::move(fn), BlockOptions{}, arrays...);
}

}  // namespace weft::array
