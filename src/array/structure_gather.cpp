// Planning gather tasks: which parts of which input blocks make each output block.
#include <algorithm>
#include <map>
#include <numeric>

#include "structure_gather.hpp"

namespace weft::array::detail {
namespace {

// A run of output positions [dst, dst + sel.size()) read from input block `block`.
struct Run {
  std::int64_t block = 0;
  std::int64_t dst = 0;
  AxisSel sel;
};

// The first position of each input block, plus the axis length at the end.
std::vector<std::int64_t> starts_of(const std::vector<std::int64_t>& chunks) {
  std::vector<std::int64_t> s{0};
  for (std::int64_t c : chunks) s.push_back(s.back() + c);
  return s;
}

std::int64_t block_of(const std::vector<std::int64_t>& starts, std::int64_t pos) {
  // The last block starting at or before pos that is not empty.
  return std::upper_bound(starts.begin(), starts.end() - 1, pos) - starts.begin() - 1;
}

// Output positions [lo, hi) of one axis split into runs, each within one input block and
// described as an arithmetic progression where it is one.
std::vector<Run> runs_of(const std::vector<std::int64_t>& map,
                         const std::vector<std::int64_t>& starts, std::int64_t lo,
                         std::int64_t hi) {
  std::vector<Run> runs;
  for (std::int64_t o = lo; o < hi;) {
    const std::int64_t b = block_of(starts, map[static_cast<std::size_t>(o)]);
    std::int64_t e = o + 1;
    while (e < hi && block_of(starts, map[static_cast<std::size_t>(e)]) == b) ++e;
    Run r{b, o - lo, {}};
    const std::int64_t first =
        map[static_cast<std::size_t>(o)] - starts[static_cast<std::size_t>(b)];
    const std::int64_t step =
        e - o > 1 ? map[static_cast<std::size_t>(o + 1)] - map[static_cast<std::size_t>(o)] : 1;
    bool progression = true;
    for (std::int64_t k = o + 1; progression && k < e; ++k) {
      progression = map[static_cast<std::size_t>(k)] - map[static_cast<std::size_t>(k - 1)] == step;
    }
    if (progression) {
      r.sel = AxisSel{first, step, e - o, {}};
    } else {
      for (std::int64_t k = o; k < e; ++k) {
        r.sel.index.push_back(map[static_cast<std::size_t>(k)] -
                              starts[static_cast<std::size_t>(b)]);
      }
    }
    runs.push_back(std::move(r));
    o = e;
  }
  return runs;
}

}  // namespace

std::vector<std::int64_t> iota_map(std::int64_t n) {
  std::vector<std::int64_t> m(static_cast<std::size_t>(n));
  std::iota(m.begin(), m.end(), std::int64_t{0});
  return m;
}

std::vector<std::int64_t> runs_by_block(const std::vector<std::int64_t>& map,
                                        const std::vector<std::int64_t>& in_chunks,
                                        std::int64_t merge_up_to) {
  if (map.empty()) return {0};
  const std::vector<std::int64_t> starts = starts_of(in_chunks);
  std::vector<std::int64_t> out;
  for (const Run& r : runs_of(map, starts, 0, static_cast<std::int64_t>(map.size()))) {
    const std::int64_t n = r.sel.size();
    if (!out.empty() && out.back() + n <= merge_up_to) {
      out.back() += n;
    } else {
      out.push_back(n);
    }
  }
  return out;
}

Array gather(const Array& x, const AxisMaps& maps, const ChunkLists& chunks) {
  const std::size_t nd = x.ndim();
  const Shape in_grid = x.numblocks();
  const std::vector<Delayed<Dense>>& in_blocks = x.node()->lowered();
  std::vector<std::vector<std::int64_t>> starts(nd);
  for (std::size_t k = 0; k < nd; ++k) starts[k] = starts_of(x.chunks()[k]);
  Shape shape(nd);
  for (std::size_t k = 0; k < nd; ++k) shape[k] = static_cast<std::int64_t>(maps[k].size());

  auto run = weft::delayed(&array_gather);
  std::vector<Delayed<Dense>> blocks;
  for_each_block(grid_of(chunks), [&](const Shape& b) {
    const Shape offset = block_offset(chunks, b);
    const Shape bshape = block_shape(chunks, b);
    std::vector<std::vector<Run>> axis_runs(nd);
    for (std::size_t k = 0; k < nd; ++k) {
      axis_runs[k] = runs_of(maps[k], starts[k], offset[k], offset[k] + bshape[k]);
    }
    GatherSpec spec{x.dtype(), bshape, {}};
    std::vector<Delayed<Dense>> inputs;
    std::map<std::int64_t, std::int32_t> slot;  // input block -> position in `inputs`
    // Every combination of one run per axis is a piece.
    std::vector<std::size_t> pick(nd, 0);
    bool any = std::all_of(axis_runs.begin(), axis_runs.end(), [](auto& r) { return !r.empty(); });
    while (any) {
      Piece p;
      Shape in_idx(nd);
      for (std::size_t k = 0; k < nd; ++k) {
        const Run& r = axis_runs[k][pick[k]];
        in_idx[k] = r.block;
        p.dst.push_back(r.dst);
        p.sel.push_back(r.sel);
      }
      const std::int64_t lin = linear_index(in_idx, in_grid);
      auto [it, added] = slot.emplace(lin, static_cast<std::int32_t>(inputs.size()));
      if (added) inputs.push_back(in_blocks[static_cast<std::size_t>(lin)]);
      p.input = it->second;
      spec.pieces.push_back(std::move(p));
      std::size_t k = nd;
      while (k-- > 0) {
        if (++pick[k] < axis_runs[k].size()) break;
        pick[k] = 0;
      }
      any = k != static_cast<std::size_t>(-1);
    }
    // An output block that is one whole input block, as it is, needs no task.
    if (spec.pieces.size() == 1) {
      const Piece& p = spec.pieces.front();
      const Shape in_idx = [&] {
        Shape s(nd);
        for (std::size_t k = 0; k < nd; ++k) s[k] = axis_runs[k].front().block;
        return s;
      }();
      bool whole = true;
      for (std::size_t k = 0; whole && k < nd; ++k) {
        const AxisSel& s = p.sel[k];
        whole = s.index.empty() && s.start == 0 && (s.step == 1 || s.count == 1) &&
                s.count == x.chunks()[k][static_cast<std::size_t>(in_idx[k])];
      }
      if (whole) {
        blocks.push_back(inputs.front());
        return;
      }
    }
    blocks.push_back(run(std::move(spec), std::move(inputs)));
  });
  return Array(leaf_node(std::move(shape), chunks, x.dtype(), std::move(blocks)));
}

}  // namespace weft::array::detail
