// Slicing, integer indexing and boolean indexing: each builds per-axis maps for gather().
#include <algorithm>
#include <string>

#include "structure_gather.hpp"

namespace weft::array {
namespace {

// The positions a slice selects along an axis of length n, as Python's slice.indices(n).
std::vector<std::int64_t> slice_map(const Slice& s, std::int64_t n) {
  if (s.step == 0) throw ShapeError("slice: step cannot be zero");
  const bool up = s.step > 0;
  auto clip = [&](std::optional<std::int64_t> v, std::int64_t dflt) {
    if (!v) return dflt;
    std::int64_t i = *v < 0 ? *v + n : *v;
    if (i < 0) return up ? std::int64_t{0} : std::int64_t{-1};
    if (i >= n) return up ? n : n - 1;
    return i;
  };
  const std::int64_t start = clip(s.start, up ? 0 : n - 1);
  const std::int64_t stop = clip(s.stop, up ? n : -1);
  std::vector<std::int64_t> m;
  for (std::int64_t i = start; up ? i < stop : i > stop; i += s.step) m.push_back(i);
  return m;
}

}  // namespace

Array slice(const Array& x, const std::vector<Slice>& slices) {
  const std::size_t nd = x.ndim();
  if (slices.size() > nd) {
    throw IndexError("slice: too many indices for array: array is " + std::to_string(nd) +
                     "-dimensional, but " + std::to_string(slices.size()) + " were indexed");
  }
  detail::AxisMaps maps(nd);
  detail::ChunkLists chunks(nd);
  for (std::size_t k = 0; k < nd; ++k) {
    maps[k] =
        k < slices.size() ? slice_map(slices[k], x.shape()[k]) : detail::iota_map(x.shape()[k]);
    chunks[k] = detail::runs_by_block(maps[k], x.chunks()[k], 0);
  }
  return detail::gather(x, maps, chunks);
}

Array take(const Array& x, const std::vector<std::int64_t>& indices, int axis) {
  const std::size_t nd = x.ndim();
  const auto a = static_cast<std::size_t>(detail::normalize_axis(axis, nd, "take"));
  const std::int64_t n = x.shape()[a];
  std::vector<std::int64_t> m;
  m.reserve(indices.size());
  for (std::int64_t i : indices) {
    if (i < -n || i >= n) {
      throw IndexError("take: index " + std::to_string(i) + " is out of bounds for axis " +
                       std::to_string(a) + " with size " + std::to_string(n));
    }
    m.push_back(i < 0 ? i + n : i);
  }
  detail::AxisMaps maps(nd);
  detail::ChunkLists chunks = x.chunks();
  for (std::size_t k = 0; k < nd; ++k) maps[k] = detail::iota_map(x.shape()[k]);
  const std::vector<std::int64_t>& in = x.chunks()[a];
  const std::int64_t largest = in.empty() ? 0 : *std::max_element(in.begin(), in.end());
  chunks[a] = detail::runs_by_block(m, in, std::max<std::int64_t>(largest, 1));
  maps[a] = std::move(m);
  return detail::gather(x, maps, chunks);
}

Array compress(const Array& x, const std::vector<bool>& mask, int axis) {
  const std::size_t nd = x.ndim();
  const auto a = static_cast<std::size_t>(detail::normalize_axis(axis, nd, "compress"));
  if (static_cast<std::int64_t>(mask.size()) != x.shape()[a]) {
    throw IndexError("compress: boolean index did not match indexed array along axis " +
                     std::to_string(a) + "; size of axis is " + std::to_string(x.shape()[a]) +
                     " but size of corresponding boolean axis is " + std::to_string(mask.size()));
  }
  std::vector<std::int64_t> indices;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    if (mask[i]) indices.push_back(static_cast<std::int64_t>(i));
  }
  return take(x, indices, axis);
}

Array compress(const Array& x, const Array& mask, int axis) {
  if (mask.ndim() != 1 || mask.dtype() != DType::kBool) {
    throw IndexError("compress: the mask must be a 1-d bool array, not " +
                     std::string(dtype_name(mask.dtype())) + " of shape " +
                     detail::shape_string(mask.shape()));
  }
  return compress(x, mask.compute().to_vector<bool>(), axis);
}

}  // namespace weft::array
