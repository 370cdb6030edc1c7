// zstd compression of whole Zarr chunks, compatible with numcodecs' Zstd codec (one zstd
// frame per chunk). Internal to zarr.cpp.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <vector>

namespace weft::array_io {

// One zstd frame holding `data`, at `level` (REQUIRES: within ZSTD_minCLevel()..maxCLevel()).
std::vector<std::byte> zstd_compress(std::span<const std::byte> data, int level);

// Decompresses `compressed`, read from `file`, into `out`, which it must fill exactly.
// Never writes past `out`. Throws SerdeError naming `file` if the data is not zstd, is
// corrupt, or decompresses to any other size.
void zstd_decompress(std::span<const std::byte> compressed, std::span<std::byte> out,
                     const std::filesystem::path& file);

}  // namespace weft::array_io
