// Planning blockwise() and map_blocks(): which input blocks each output block reads.
#include <string>

#include "node.hpp"
#include "weft/array/structure.hpp"

namespace weft::array::detail {
namespace {

void check_letters(std::string_view index, const char* what, const std::string& whose) {
  for (std::size_t k = 0; k < index.size(); ++k) {
    if (index.find(index[k], k + 1) != std::string_view::npos) {
      throw AxisError(std::string(what) + ": index letter '" + index[k] + "' repeats in " + whose);
    }
  }
}

}  // namespace

BlockwisePlan blockwise_plan(std::string_view out_index, const std::vector<Indexed>& inputs,
                             const BlockOptions& out, const char* what) {
  check_letters(out_index, what, "the output index");
  const std::size_t nd = out_index.size();
  BlockwisePlan plan;
  plan.chunks.assign(nd, {});
  std::vector<bool> found(nd, false);
  for (std::size_t n = 0; n < inputs.size(); ++n) {
    const Indexed& in = inputs[n];
    const std::string whose = "input " + std::to_string(n);
    check_letters(in.index, what, whose);
    if (in.index.size() != in.array.ndim()) {
      throw AxisError(std::string(what) + ": " + whose + " has " + std::to_string(in.array.ndim()) +
                      " axes but index \"" + in.index + "\"");
    }
    for (std::size_t j = 0; j < in.index.size(); ++j) {
      const std::size_t k = out_index.find(in.index[j]);
      if (k == std::string_view::npos) {
        throw AxisError(std::string(what) + ": letter '" + in.index[j] + "' of " + whose +
                        " is not in the output index (contraction is not supported)");
      }
      const std::vector<std::int64_t>& c = in.array.chunks()[j];
      const bool broadcasts = in.array.shape()[j] == 1;
      if (!found[k] || (plan.chunks[k] == std::vector<std::int64_t>{1} && !broadcasts)) {
        plan.chunks[k] = c;
        found[k] = true;
      } else if (plan.chunks[k] != c && !broadcasts) {
        throw ChunkError(std::string(what) + ": inputs have different chunks along '" +
                         in.index[j] + "'; rechunk one of them to match the other");
      }
    }
  }
  for (std::size_t k = 0; k < nd; ++k) {
    if (!found[k]) {
      throw AxisError(std::string(what) + ": output letter '" + out_index[k] + "' is in no input");
    }
  }
  const Shape grid = grid_of(plan.chunks);
  if (!out.chunks.empty()) {
    bool fits = out.chunks.size() == nd;
    for (std::size_t k = 0; fits && k < nd; ++k) {
      fits = static_cast<std::int64_t>(out.chunks[k].size()) == grid[k];
    }
    if (!fits) {
      throw ChunkError(std::string(what) + ": the output chunks must have " + shape_string(grid) +
                       " blocks, as the inputs do");
    }
    plan.chunks = out.chunks;
  }
  plan.dtype = out.dtype ? *out.dtype : inputs.empty() ? DType::kFloat64 : inputs[0].array.dtype();
  for (const auto& c : plan.chunks) {
    std::int64_t n = 0;
    for (std::int64_t len : c) n += len;
    plan.shape.push_back(n);
  }
  for_each_block(grid, [&](const Shape& b) {
    plan.infos.push_back(BlockInfo{b, block_offset(plan.chunks, b), block_shape(plan.chunks, b),
                                   plan.shape, plan.dtype});
    std::vector<Delayed<Dense>> blocks;
    for (const Indexed& in : inputs) {
      Shape idx(in.index.size(), 0);
      for (std::size_t j = 0; j < idx.size(); ++j) {
        if (in.array.numblocks()[j] > 1) idx[j] = b[out_index.find(in.index[j])];
      }
      blocks.push_back(in.array.block(idx));
    }
    plan.inputs.push_back(std::move(blocks));
  });
  return plan;
}

}  // namespace weft::array::detail
