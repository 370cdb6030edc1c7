// Chunked arrays in the Zarr v2 directory format, readable and writable by zarr-python 2.
//
// An array is a directory: `.zarray` (JSON metadata), optional `.zattrs` (user attributes),
// and one file per chunk named by its block index joined with "." ("0.3"; "0" for a 0-d
// array). Every chunk file holds a full chunk, C order, raw or zstd-compressed; chunks at
// the array's far edges are stored padded with the fill value, as Zarr does. A missing chunk
// file means a chunk of fill values.
//
// Supported: dtypes <f8 <f4 <i8 <i4 |b1, compressor null or zstd, no filters, order "C",
// dimension_separator "." (or absent). Anything else in a `.zarray` is refused.
//
// Errors: a `.zarray`, `.zattrs` or chunk file that is malformed or unsupported throws
// SerdeError naming the file and the field or fault; bad arguments throw ConfigError; the
// operating system's failures throw weft::Error.
//
// Thread safety: a ZarrArray is immutable; any number of threads and processes may read and
// write chunks of the same array at once. Chunk files are replaced atomically (see
// write_file_atomically), so a reader sees a chunk whole, old or new; writers of the same
// chunk race and the last one wins.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "array/io/dtype.hpp"

namespace weft::array_io {

// The value of elements never written: JSON null (Zarr's "no fill value": missing chunks
// read as zeros here), a bool, an integer or a floating-point number (NaN and infinities
// allowed; Zarr writes them as "NaN", "Infinity", "-Infinity").
// It must suit the dtype: floats take a double or an integer, integers an integer in range,
// bool a bool or the integer 0 or 1. ZarrArray normalises it to the dtype's own alternative
// (double, int64, bool), so meta().fill_value compares equal to what a reader would expect.
using FillValue = std::variant<std::monostate, bool, std::int64_t, double>;

// What `.zarray` describes.
struct ZarrMeta {
  DType dtype = DType::kFloat64;
  Shape shape;
  // The chunk shape: one extent >= 1 per axis of `shape`.
  Shape chunks;
  // The zstd compression level of every chunk, or nullopt for uncompressed chunks.
  std::optional<int> zstd_level;
  FillValue fill_value = std::int64_t{0};
};

class ZarrArray {
 public:
  // Creates the array directory `dir` (and missing parents) and writes its `.zarray`.
  // Throws ConfigError if `meta` is invalid (chunks not matching shape, an extent below 1, a
  // zstd level outside zstd's range, a fill value unfit for the dtype) or if `dir` already
  // holds a `.zarray`: remove an old array first, its chunks would otherwise reappear.
  static ZarrArray create(const std::filesystem::path& dir, ZarrMeta meta);

  // Opens the array in `dir` by reading and checking its `.zarray`.
  static ZarrArray open(const std::filesystem::path& dir);

  const ZarrMeta& meta() const noexcept { return meta_; }
  const std::filesystem::path& dir() const noexcept { return dir_; }

  // The number of chunks along each axis: ceil(shape / chunks) (0 along an empty axis).
  Shape grid() const;

  // The extents of the block at `block` within the array: the chunk shape, clipped at the
  // far edges. REQUIRES: `block` lies in grid(); else ConfigError, as for every `block`.
  Shape block_shape(std::span<const std::int64_t> block) const;

  // The size in bytes of the data of that block (not padded).
  std::size_t block_nbytes(std::span<const std::int64_t> block) const;

  // The chunk file of a block: dir() / "I.J.K".
  std::filesystem::path chunk_path(std::span<const std::int64_t> block) const;

  // Writes the block at `block`: `data` holds block_shape(block) elements in C order
  // (REQUIRES: data.size() == block_nbytes(block); else ConfigError). Edge blocks are padded
  // with the fill value to a full chunk; the chunk file is replaced atomically.
  void write_chunk(std::span<const std::int64_t> block, std::span<const std::byte> data) const;

  // Reads the block at `block` into `out` (block_nbytes(block) bytes, C order). A missing
  // chunk file reads as fill values. Throws SerdeError if the file does not hold exactly one
  // full chunk (raw, or once decompressed).
  void read_chunk(std::span<const std::int64_t> block, std::span<std::byte> out) const;

  // Replaces `.zattrs` with `json`, which must be a JSON object (else ConfigError).
  void write_attrs(const std::string& json) const;

  // The JSON object in `.zattrs`, or "{}" if there is none.
  std::string read_attrs() const;

 private:
  ZarrArray(std::filesystem::path dir, ZarrMeta meta);

  std::filesystem::path dir_;
  ZarrMeta meta_;
  std::size_t chunk_nbytes_ = 0;  // of one full chunk
};

}  // namespace weft::array_io
