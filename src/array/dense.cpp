// DType helpers, Dense and Chunks.
#include <algorithm>
#include <cstring>
#include <string>

#include "evaluator.hpp"
#include "node.hpp"
#include "partial.hpp"

namespace weft::array {

std::string_view dtype_name(DType t) noexcept {
  switch (t) {
    case DType::kBool:
      return "bool";
    case DType::kInt32:
      return "int32";
    case DType::kInt64:
      return "int64";
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      break;
  }
  return "float64";
}

std::size_t itemsize(DType t) noexcept {
  switch (t) {
    case DType::kBool:
      return 1;
    case DType::kInt32:
    case DType::kFloat32:
      return 4;
    default:
      return 8;
  }
}

bool is_float(DType t) noexcept { return t == DType::kFloat32 || t == DType::kFloat64; }
bool is_integer(DType t) noexcept { return t == DType::kInt32 || t == DType::kInt64; }

DType result_type(DType a, DType b) noexcept {
  if (a == b || b == DType::kBool) return a;
  if (a == DType::kBool) return b;
  if (is_integer(a) && is_integer(b)) return DType::kInt64;
  return DType::kFloat64;  // two floats of different widths, or an integer with a float
}

Dense::Dense() : shape_{0} {}

Dense::Dense(DType dtype, Shape shape, Buffer data)
    : dtype_(dtype), shape_(std::move(shape)), data_(std::move(data)) {
  for (std::int64_t d : shape_) {
    if (d < 0) throw ShapeError("Dense: negative length in shape " + detail::shape_string(shape_));
  }
  const auto want = static_cast<std::size_t>(size()) * itemsize(dtype_);
  if (data_.size() != want) {
    throw ShapeError("Dense: " + std::to_string(data_.size()) + " bytes given for shape " +
                     detail::shape_string(shape_) + " of " + std::string(dtype_name(dtype_)) +
                     ", which needs " + std::to_string(want));
  }
  realign();
}

std::int64_t Dense::size() const noexcept { return detail::count_of(shape_); }

void Dense::check_dtype(DType wanted) const {
  if (wanted != dtype_) {
    throw DTypeError("Dense: elements are " + std::string(dtype_name(dtype_)) + ", not " +
                     std::string(dtype_name(wanted)));
  }
}

std::int64_t Dense::flat_index(const Shape& index) const {
  bool ok = index.size() == shape_.size();
  std::int64_t flat = 0;
  for (std::size_t k = 0; ok && k < index.size(); ++k) {
    ok = index[k] >= 0 && index[k] < shape_[k];
    flat = flat * shape_[k] + index[k];
  }
  if (!ok) {
    throw ShapeError("Dense::at: index " + detail::shape_string(index) +
                     " is out of bounds for shape " + detail::shape_string(shape_));
  }
  return flat;
}

void Dense::realign() {
  const auto address = reinterpret_cast<std::uintptr_t>(data_.data());
  if (address % itemsize(dtype_) == 0) return;
  auto [copy, bytes] = detail::allocate(dtype_, shape_);
  std::memcpy(bytes, data_.data(), data_.size());
  data_ = copy.buffer();
}

std::vector<std::vector<std::int64_t>> Chunks::resolve(const Shape& shape) const {
  const std::size_t nd = shape.size();
  std::vector<std::vector<std::int64_t>> out(nd);
  const std::size_t given = explicit_ ? lists_.size() : sizes_.size();
  if (given == 0 && !explicit_) {
    for (std::size_t k = 0; k < nd; ++k) out[k] = {shape[k]};
    return out;
  }
  if (given != nd) {
    throw ChunkError("chunks: " + std::to_string(given) + " axes given for shape " +
                     detail::shape_string(shape));
  }
  for (std::size_t k = 0; k < nd; ++k) {
    const std::string axis =
        "chunks along axis " + std::to_string(k) + " (length " + std::to_string(shape[k]) + ")";
    if (explicit_) {
      std::int64_t total = 0;
      for (std::int64_t c : lists_[k]) {
        if (c < 0) throw ChunkError(axis + ": negative block length " + std::to_string(c));
        total += c;
      }
      if (total != shape[k]) {
        throw ChunkError(axis + ": block lengths sum to " + std::to_string(total));
      }
      out[k] = lists_[k].empty() ? std::vector<std::int64_t>{0} : lists_[k];
      continue;
    }
    std::int64_t size = sizes_[k];
    if (size == -1) size = std::max<std::int64_t>(shape[k], 1);
    if (size < 1)
      throw ChunkError(axis + ": block size " + std::to_string(sizes_[k]) +
                       " (must be at least 1, or -1)");
    if (shape[k] == 0) out[k] = {0};
    for (std::int64_t at = 0; at < shape[k]; at += size)
      out[k].push_back(std::min(size, shape[k] - at));
  }
  return out;
}

}  // namespace weft::array
