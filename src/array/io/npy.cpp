#include "array/io/npy.hpp"

#include <bit>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "array/io/file.hpp"
#include "array/io/npy_header.hpp"
#include "weft/error.hpp"

namespace weft::array_io {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the storage layer assumes a little-endian host, as its descrs say");

void check_data_length(const ReadFile& file, const NpyInfo& info) {
  const std::uint64_t available = file.size() - info.data_offset;
  if (available == info.nbytes) return;
  const std::string needs = "shape " + shape_string(info.shape) + " of " +
                            std::string(descr(info.dtype)) + " needs " +
                            std::to_string(info.nbytes) + " bytes";
  if (available < info.nbytes) {
    throw SerdeError(quote_path(file.path()) + ": truncated: " + std::to_string(available) +
                     " bytes of data, " + needs);
  }
  throw SerdeError(quote_path(file.path()) + ": " + std::to_string(available - info.nbytes) +
                   " bytes after the data: " + needs);
}

// Copies a Fortran-order array of N-byte elements into C order: walks the destination in
// order and gathers from the source, whose strides (in elements) grow from the first axis.
template <std::size_t N>
void fortran_to_c(const std::byte* src, std::byte* dst, const Shape& shape) {
  const std::size_t ndim = shape.size();
  std::vector<std::int64_t> stride(ndim, 1);
  for (std::size_t k = 1; k < ndim; ++k) stride[k] = stride[k - 1] * shape[k - 1];
  const std::int64_t inner = shape[ndim - 1];
  const std::int64_t inner_stride = stride[ndim - 1];
  std::vector<std::int64_t> index(ndim, 0);
  std::int64_t base = 0;  // source offset of `index` with its last entry at 0
  for (;;) {
    for (std::int64_t j = 0; j < inner; ++j) {
      std::memcpy(dst, src + (base + j * inner_stride) * static_cast<std::int64_t>(N), N);
      dst += N;
    }
    // Advances the odometer over every axis but the last; returns once it wraps around.
    std::size_t k = ndim - 1;
    for (;;) {
      if (k == 0) return;
      --k;
      if (++index[k] < shape[k]) {
        base += stride[k];
        break;
      }
      index[k] = 0;
      base -= stride[k] * (shape[k] - 1);
    }
  }
}

template <std::size_t N>
void byteswap(std::span<std::byte> data) {
  for (std::size_t i = 0; i + N <= data.size(); i += N) {
    std::byte* item = data.data() + i;
    for (std::size_t a = 0, b = N - 1; a < b; ++a, --b) std::swap(item[a], item[b]);
  }
}

// Reads the data of an already checked file into `out` (exactly info.nbytes bytes).
void load(const ReadFile& file, const NpyInfo& info, std::span<std::byte> out) {
  const std::size_t size = item_size(info.dtype);
  // With fewer than two axes, or any axis of extent 0, both orders are the same bytes.
  if (!info.fortran_order || info.shape.size() < 2 || info.nbytes == 0) {
    file.read_at(info.data_offset, out);
  } else {
    const auto staging = std::make_unique_for_overwrite<std::byte[]>(info.nbytes);
    file.read_at(info.data_offset, {staging.get(), info.nbytes});
    switch (size) {
      case 8:
        fortran_to_c<8>(staging.get(), out.data(), info.shape);
        break;
      case 4:
        fortran_to_c<4>(staging.get(), out.data(), info.shape);
        break;
      default:
        fortran_to_c<1>(staging.get(), out.data(), info.shape);
        break;
    }
  }
  if (info.big_endian) {
    if (size == 8) byteswap<8>(out);
    if (size == 4) byteswap<4>(out);
  }
}

NpyInfo open_checked(const ReadFile& file) {
  NpyInfo info = read_npy_preamble(file);
  check_data_length(file, info);
  return info;
}

}  // namespace

NpyInfo read_npy_info(const std::filesystem::path& path) { return open_checked(ReadFile(path)); }

NpyInfo read_npy_into(const std::filesystem::path& path, std::span<std::byte> out) {
  const ReadFile file(path);
  const NpyInfo info = open_checked(file);
  if (out.size() != info.nbytes) {
    throw ConfigError(quote_path(path) + ": a buffer of " + std::to_string(out.size()) +
                      " bytes for " + std::to_string(info.nbytes) + " bytes of data");
  }
  load(file, info, out);
  return info;
}

NpyArray read_npy(const std::filesystem::path& path) {
  const ReadFile file(path);
  NpyArray array{open_checked(file), nullptr};
  if (array.info.nbytes > 0) {
    array.data = std::make_unique_for_overwrite<std::byte[]>(array.info.nbytes);
  }
  load(file, array.info, {array.data.get(), array.info.nbytes});
  return array;
}

void write_npy(const std::filesystem::path& path, DType dtype, std::span<const std::int64_t> shape,
               std::span<const std::byte> data) {
  const std::size_t nbytes = byte_count(dtype, shape, quote_path(path));
  if (data.size() != nbytes) {
    throw ConfigError(quote_path(path) + ": " + std::to_string(data.size()) +
                      " bytes given for shape " + shape_string(shape) + " of " +
                      std::string(descr(dtype)) + ", which needs " + std::to_string(nbytes));
  }
  const std::string preamble = npy_preamble(dtype, shape);
  write_file_atomically(path, {std::as_bytes(std::span(preamble)), data});
}

}  // namespace weft::array_io
