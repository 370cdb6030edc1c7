// The functions that array block tasks run, registered with WEFT_REMOTE in kernels.cpp so
// that the same tasks run on every runtime. Each takes specs (program.hpp) and blocks.
#pragma once

#include <vector>

#include "program.hpp"
#include "weft/array/dense.hpp"

namespace weft::array::detail {

// A block of a creation function (zeros, arange, random_normal, ...).
Dense array_generate(const GenSpec& spec);
// An elementwise program's output block.
Dense array_evaluate(const EvalSpec& spec, const std::vector<Dense>& inputs);
// A program's output block reduced to a partial result.
Dense array_reduce(const ReduceSpec& spec, const std::vector<Dense>& inputs);
// Partials of the same layout merged into one.
Dense array_combine(const FinalizeSpec& spec, const std::vector<Dense>& partials);
// A partial turned into the reduction's result block.
Dense array_finalize(const FinalizeSpec& spec, const Dense& partial);
// Blocks (row-major over the grid `spec.chunks`) copied into one array.
Dense array_assemble(const AssembleSpec& spec, const std::vector<Dense>& blocks);
// The block at spec.chunks[0] (offset) of shape spec.chunks[1], copied out of `whole`.
Dense array_extract(const AssembleSpec& spec, const Dense& whole);
// Its argument: the root node that from_dense() blocks read from.
Dense array_share(const Dense& whole);

}  // namespace weft::array::detail
