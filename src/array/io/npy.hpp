// NumPy .npy files: read (format versions 1.0, 2.0 and 3.0) and write (1.0, or 2.0 when the
// header does not fit 1.0's 64 KiB).
//
// Errors: a file whose contents are malformed or unsupported (bad magic, unknown version,
// truncated or oversized header, a header that is not the dict NumPy writes, an unsupported
// dtype, data shorter or longer than the shape needs) throws SerdeError naming the file and
// the fault; arguments that contradict each other throw ConfigError; the operating system's
// failures throw weft::Error (see file.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

#include "array/io/dtype.hpp"

namespace weft::array_io {

// Headers longer than this are refused as malformed: NumPy itself refuses over 10,000 bytes
// by default, and a legitimate header of even 64 axes needs under 2 KiB.
inline constexpr std::uint32_t kMaxNpyHeaderBytes = 1u << 20;

// What a .npy file holds, from its header.
struct NpyInfo {
  // The element type as the readers return it: always native (little-endian) byte order.
  DType dtype = DType::kFloat64;
  Shape shape;
  // The file stores the data in Fortran order; the readers transpose it to C order.
  bool fortran_order = false;
  // The file's descr is big-endian (">f8"); the readers byteswap to native order.
  bool big_endian = false;
  // The format version's major number: 1, 2 or 3.
  int major_version = 1;
  // Where the data starts in the file: a multiple of 16 (64 for files NumPy >= 1.x writes).
  std::uint64_t data_offset = 0;
  // The size of the data in bytes, in the file and in memory.
  std::size_t nbytes = 0;
};

// An array read whole from a file: dtype, shape and C-order bytes in native byte order.
struct NpyArray {
  NpyInfo info;
  // info.nbytes bytes (null when 0).
  std::unique_ptr<std::byte[]> data;

  std::span<const std::byte> bytes() const noexcept { return {data.get(), info.nbytes}; }
};

// Reads and checks the header of `path`, including that the file holds exactly
// info.nbytes bytes of data after it. Reads only the header.
NpyInfo read_npy_info(const std::filesystem::path& path);

// Reads `path` into `out` in C order and native byte order, and returns its header.
// REQUIRES: out.size() equals the data size (read_npy_info(path).nbytes); else ConfigError.
// For a C-order little-endian file this is one read straight into `out` and no per-element
// work; a Fortran-order file is read into a temporary and transposed, a big-endian one is
// byteswapped in place.
NpyInfo read_npy_into(const std::filesystem::path& path, std::span<std::byte> out);

// Reads the whole of `path` into a new buffer (not zero-filled first), as read_npy_into.
NpyArray read_npy(const std::filesystem::path& path);

// Writes `data` (C order, native byte order, dtype and shape as given) to `path` as a .npy
// file NumPy loads, replacing `path` atomically (see write_file_atomically).
// REQUIRES: data.size() == byte_count(dtype, shape); else ConfigError, as for a negative
// extent.
void write_npy(const std::filesystem::path& path, DType dtype, std::span<const std::int64_t> shape,
               std::span<const std::byte> data);

}  // namespace weft::array_io
