// Arrays to and from files: NumPy's .npy and Zarr v2 directories (raw or zstd), so that
// weft's results open in NumPy and zarr-python, and theirs open in weft. Included by
// weft/array.hpp.
//
//   wa::to_zarr(x, "out.zarr", {.zstd_level = 3});     // one task per block, in parallel
//   wa::Array y = wa::from_zarr("out.zarr");             // one read task per Zarr chunk
//   wa::to_npy(x, "x.npy");                              // np.load("x.npy") == x
//   wa::Array z = wa::from_npy("x.npy", {1000, 1000});   // each block reads its own slab
//
// Reading and writing are block tasks like any other, run on the current runtime: on a
// cluster runtime they run on the workers, so a path must name the same file on every
// machine that runs tasks (a shared file system, or one machine). Writes are eager: to_npy
// and to_zarr return once every block is on disk. Reads are lazy: from_npy and from_zarr
// read the metadata at once (so shape and dtype are known) and the data when something
// computes the blocks, each time it does.
//
// Memory: a write holds only the blocks in flight (each block task writes its own part of
// the file and drops the block); a read holds only the blocks its consumers still need.
//
// Errors: a malformed or unsupported file throws SerdeError naming the file and the fault
// (from the metadata, when the Array is made; from a chunk, as the TaskError of its read
// task); the operating system's failures throw weft::Error naming the file.
#pragma once

#include <filesystem>
#include <optional>

#include "weft/array.hpp"

namespace weft::array {

// Writes `x` to `path` as a C-order .npy file (format 1.0, or 2.0 for huge headers) that
// np.load reads, replacing any file there. Each block task writes its block's rows into a
// temporary file beside `path` at their offsets; the temporary is renamed over `path` once
// every block is written, so readers see the old file or the whole new one. On failure the
// temporary is removed and the error rethrown (TaskError for a failed block task).
void to_npy(const Array& x, const std::filesystem::path& path, const ComputeOptions& options = {});

// An array over the .npy file at `path`, split as `chunks` (see Chunks; default one block),
// each block read by its own task straight from the file at its offsets. Accepts what the
// storage layer reads: format 1.0 to 3.0, the five dtypes, little- or big-endian (swapped on
// read), C or Fortran order (a Fortran-order file is read as its C-order transpose and
// transposed back, which is free: see Array::transpose). Throws SerdeError now if the
// header is malformed or the file's length does not match it, and ChunkError for chunks
// that do not fit the shape. The file must not change while the array is in use.
Array from_npy(const std::filesystem::path& path, const Chunks& chunks = {});

// How to_zarr stores an array.
struct ZarrOptions {
  // zstd compression level of every chunk (zstd's range, e.g. 1..22, 3 a good default), or
  // nullopt for uncompressed chunks.
  std::optional<int> zstd_level;
  // Remove an existing array (any file or directory) at the target first. Without it an
  // existing `.zarray` there is an error, as its chunks would mix with the new ones.
  bool overwrite = false;
};

// Writes `x` as a Zarr v2 array in directory `dir` whose chunks are x's blocks: one task per
// block writes its chunk file, in parallel. Zarr chunks are regular, so every block but the
// last along each axis must have the same length (else ChunkError naming the axis: rechunk
// first). Fill value 0. Throws ConfigError when `dir` already holds an array and
// !options.overwrite, or for a zstd level out of range; a failed block task's TaskError.
void to_zarr(const Array& x, const std::filesystem::path& dir, const ZarrOptions& options = {},
             const ComputeOptions& compute = {});

// An array over the Zarr v2 array in `dir`, one block (and one read task) per Zarr chunk,
// the last along each axis clipped to the shape. Reads what the storage layer supports:
// dtypes <f8 <f4 <i8 <i4 |b1, raw or zstd chunks, C order; missing chunks read as the fill
// value. Throws SerdeError now for a missing or unsupported `.zarray`.
Array from_zarr(const std::filesystem::path& dir);

}  // namespace weft::array
