#include "array/io/zarr.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "array/io/file.hpp"
#include "array/io/zarr_meta.hpp"
#include "array/io/zstd_codec.hpp"
#include "weft/error.hpp"

namespace weft::array_io {
namespace {

// Metadata files are a few hundred bytes; a far larger one is not a `.zarray` or `.zattrs`.
constexpr std::uint64_t kMaxMetadataBytes = 1 << 20;

std::string read_metadata(const ReadFile& file) {
  if (file.size() > kMaxMetadataBytes) {
    throw SerdeError(quote_path(file.path()) + ": " + std::to_string(file.size()) +
                     " bytes is too large for Zarr metadata");
  }
  std::string text(file.size(), '\0');
  file.read_at(0, std::as_writable_bytes(std::span(text)));
  return text;
}

void fill(std::span<std::byte> out, const std::array<std::byte, 8>& element, std::size_t size) {
  if (std::all_of(element.begin(), element.end(), [](std::byte b) { return b == std::byte{0}; })) {
    std::memset(out.data(), 0, out.size());
    return;
  }
  for (std::size_t i = 0; i < out.size(); i += size)
    std::memcpy(out.data() + i, element.data(), size);
}

// Copies the region of extents `region` at the origin of a C-order array of shape
// `src_shape` into the origin of one of shape `dst_shape`, a row of the last axis at a time.
void copy_region(const std::byte* src, const Shape& src_shape, std::byte* dst,
                 const Shape& dst_shape, const Shape& region, std::size_t item) {
  const std::size_t ndim = region.size();
  if (ndim == 0) {
    std::memcpy(dst, src, item);
    return;
  }
  // Byte strides of each axis in the two arrays.
  std::vector<std::size_t> src_stride(ndim), dst_stride(ndim);
  src_stride[ndim - 1] = dst_stride[ndim - 1] = item;
  for (std::size_t k = ndim - 1; k > 0; --k) {
    src_stride[k - 1] = src_stride[k] * static_cast<std::size_t>(src_shape[k]);
    dst_stride[k - 1] = dst_stride[k] * static_cast<std::size_t>(dst_shape[k]);
  }
  const std::size_t row = item * static_cast<std::size_t>(region[ndim - 1]);
  std::vector<std::int64_t> index(ndim, 0);
  for (;;) {
    std::size_t s = 0, d = 0;
    for (std::size_t k = 0; k + 1 < ndim; ++k) {
      s += static_cast<std::size_t>(index[k]) * src_stride[k];
      d += static_cast<std::size_t>(index[k]) * dst_stride[k];
    }
    std::memcpy(dst + d, src + s, row);
    std::size_t k = ndim - 1;
    for (;;) {
      if (k == 0) return;
      --k;
      if (++index[k] < region[k]) break;
      index[k] = 0;
    }
  }
}

}  // namespace

ZarrArray::ZarrArray(std::filesystem::path dir, ZarrMeta meta)
    : dir_(std::move(dir)),
      meta_(std::move(meta)),
      chunk_nbytes_(byte_count(meta_.dtype, meta_.chunks, quote_path(dir_))) {}

ZarrArray ZarrArray::create(const std::filesystem::path& dir, ZarrMeta meta) {
  meta = checked_meta(std::move(meta), quote_path(dir));
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error(quote_path(dir) + ": cannot create the directory: " + error.message());
  const std::filesystem::path zarray = dir / ".zarray";
  if (std::filesystem::exists(zarray, error)) {
    throw ConfigError(quote_path(dir) + ": already holds a Zarr array (.zarray)");
  }
  const std::string text = zarray_json(meta);
  write_file_atomically(zarray, {std::as_bytes(std::span(text))});
  return ZarrArray(dir, std::move(meta));
}

ZarrArray ZarrArray::open(const std::filesystem::path& dir) {
  const std::filesystem::path zarray = dir / ".zarray";
  ZarrMeta meta = parse_zarray(read_metadata(ReadFile(zarray)), zarray);
  return ZarrArray(dir, std::move(meta));
}

Shape ZarrArray::grid() const {
  Shape out(meta_.shape.size());
  for (std::size_t k = 0; k < out.size(); ++k) {
    const std::int64_t extent = meta_.shape[k], chunk = meta_.chunks[k];
    out[k] = extent / chunk + (extent % chunk != 0 ? 1 : 0);
  }
  return out;
}

Shape ZarrArray::block_shape(std::span<const std::int64_t> block) const {
  const Shape blocks = grid();
  if (block.size() != blocks.size()) {
    throw ConfigError(quote_path(dir_) + ": block index " + shape_string(block) + " has " +
                      std::to_string(block.size()) + " axes, the array " +
                      std::to_string(blocks.size()));
  }
  Shape out(block.size());
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (block[k] < 0 || block[k] >= blocks[k]) {
      throw ConfigError(quote_path(dir_) + ": block index " + shape_string(block) +
                        " is outside the grid of chunks " + shape_string(blocks));
    }
    out[k] = std::min(meta_.chunks[k], meta_.shape[k] - block[k] * meta_.chunks[k]);
  }
  return out;
}

std::size_t ZarrArray::block_nbytes(std::span<const std::int64_t> block) const {
  return byte_count(meta_.dtype, block_shape(block), quote_path(dir_));
}

std::filesystem::path ZarrArray::chunk_path(std::span<const std::int64_t> block) const {
  block_shape(block);  // checks the index
  // A 0-d array has one chunk, which Zarr names "0".
  std::string key = block.empty() ? "0" : "";
  for (std::size_t k = 0; k < block.size(); ++k) {
    if (k > 0) key += '.';
    key += std::to_string(block[k]);
  }
  return dir_ / key;
}

void ZarrArray::write_chunk(std::span<const std::int64_t> block,
                            std::span<const std::byte> data) const {
  const Shape extents = block_shape(block);
  const std::size_t nbytes = byte_count(meta_.dtype, extents, quote_path(dir_));
  if (data.size() != nbytes) {
    throw ConfigError(quote_path(dir_) + ": " + std::to_string(data.size()) +
                      " bytes given for block " + shape_string(block) + " of shape " +
                      shape_string(extents) + ", which needs " + std::to_string(nbytes));
  }
  const std::size_t item = item_size(meta_.dtype);
  std::span<const std::byte> chunk = data;
  std::unique_ptr<std::byte[]> padded;
  if (extents != meta_.chunks) {
    padded = std::make_unique_for_overwrite<std::byte[]>(chunk_nbytes_);
    fill({padded.get(), chunk_nbytes_}, fill_element(meta_), item);
    copy_region(data.data(), extents, padded.get(), meta_.chunks, extents, item);
    chunk = {padded.get(), chunk_nbytes_};
  }
  const std::filesystem::path path = chunk_path(block);
  if (meta_.zstd_level) {
    const std::vector<std::byte> compressed = zstd_compress(chunk, *meta_.zstd_level);
    write_file_atomically(path, {compressed});
  } else {
    write_file_atomically(path, {chunk});
  }
}

void ZarrArray::read_chunk(std::span<const std::int64_t> block, std::span<std::byte> out) const {
  const Shape extents = block_shape(block);
  const std::size_t nbytes = byte_count(meta_.dtype, extents, quote_path(dir_));
  if (out.size() != nbytes) {
    throw ConfigError(quote_path(dir_) + ": a buffer of " + std::to_string(out.size()) +
                      " bytes for block " + shape_string(block) + " of shape " +
                      shape_string(extents) + ", which needs " + std::to_string(nbytes));
  }
  const std::size_t item = item_size(meta_.dtype);
  const std::filesystem::path path = chunk_path(block);
  const std::optional<ReadFile> file = ReadFile::open_if_exists(path);
  if (!file) {
    fill(out, fill_element(meta_), item);
    return;
  }
  // An interior block is the whole chunk: read straight into `out`.
  const bool whole = extents == meta_.chunks;
  std::unique_ptr<std::byte[]> staging;
  std::span<std::byte> chunk = out;
  if (!whole) {
    staging = std::make_unique_for_overwrite<std::byte[]>(chunk_nbytes_);
    chunk = {staging.get(), chunk_nbytes_};
  }
  if (meta_.zstd_level) {
    std::vector<std::byte> compressed(file->size());
    file->read_at(0, compressed);
    zstd_decompress(compressed, chunk, path);
  } else {
    if (file->size() != chunk_nbytes_) {
      throw SerdeError(quote_path(path) + ": chunk file holds " + std::to_string(file->size()) +
                       " bytes, a chunk of shape " + shape_string(meta_.chunks) + " of " +
                       std::string(descr(meta_.dtype)) + " needs " + std::to_string(chunk_nbytes_));
    }
    file->read_at(0, chunk);
  }
  if (!whole) copy_region(chunk.data(), meta_.chunks, out.data(), extents, extents, item);
}

void ZarrArray::write_attrs(const std::string& json) const {
  const std::string text = attrs_json(json, quote_path(dir_));
  write_file_atomically(dir_ / ".zattrs", {std::as_bytes(std::span(text))});
}

std::string ZarrArray::read_attrs() const {
  const std::filesystem::path path = dir_ / ".zattrs";
  const std::optional<ReadFile> file = ReadFile::open_if_exists(path);
  if (!file) return "{}";
  try {
    return attrs_json(read_metadata(*file), quote_path(path));
  } catch (const ConfigError& e) {
    // The text came from the file, so it is the file that is malformed.
    throw SerdeError(e.what());
  }
}

}  // namespace weft::array_io
