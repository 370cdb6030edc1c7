#include "array/io/zstd_codec.hpp"

#include <zstd.h>

#include <string>

#include "array/io/file.hpp"
#include "weft/error.hpp"

namespace weft::array_io {

std::vector<std::byte> zstd_compress(std::span<const std::byte> data, int level) {
  std::vector<std::byte> out(ZSTD_compressBound(data.size()));
  const std::size_t size = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(size)) {
    // Only a bad level or an allocation failure can get here: the bound always fits.
    throw Error(std::string("zstd compression failed: ") + ZSTD_getErrorName(size));
  }
  out.resize(size);
  return out;
}

void zstd_decompress(std::span<const std::byte> compressed, std::span<std::byte> out,
                     const std::filesystem::path& file) {
  const auto fail = [&](const std::string& what) {
    throw SerdeError(quote_path(file) + ": zstd chunk " + what + ", expected " +
                     std::to_string(out.size()) + " bytes");
  };
  // Checked first, where the frame says, for the clearer message; ZSTD_decompress checks
  // again for frames that do not record their size.
  const unsigned long long declared =
      ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) fail("is not a valid zstd frame");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != out.size()) {
    fail("declares " + std::to_string(declared) + " bytes");
  }
  const std::size_t size =
      ZSTD_decompress(out.data(), out.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(size))
    fail(std::string("cannot be decompressed (") + ZSTD_getErrorName(size) + ")");
  if (size != out.size()) fail("holds " + std::to_string(size) + " bytes");
}

}  // namespace weft::array_io
