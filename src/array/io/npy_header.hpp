// The preamble of a .npy file (magic, version, header length, header dict): building one
// and parsing one. Internal to npy.cpp; split out because parsing the dict is its own job.
#pragma once

#include <span>
#include <string>

#include "array/io/dtype.hpp"
#include "array/io/file.hpp"
#include "array/io/npy.hpp"

namespace weft::array_io {

// The bytes that precede the data of a C-order .npy file of `dtype` and `shape`: the header
// dict as NumPy writes it, padded with spaces and a newline so the data starts at a multiple
// of 64 bytes; version 1.0 unless the header needs more than 65535 bytes, then 2.0.
std::string npy_preamble(DType dtype, std::span<const std::int64_t> shape);

// Reads and checks the preamble of `file` and returns what it declares; data_offset and
// nbytes are filled in but not compared with the file's size. Throws SerdeError naming the
// file and the fault for anything that is not a well-formed header of a supported dtype.
NpyInfo read_npy_preamble(const ReadFile& file);

}  // namespace weft::array_io
