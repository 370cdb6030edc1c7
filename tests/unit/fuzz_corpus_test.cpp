// Replays the fuzz targets' seed corpus (tests/fuzz/corpus/) through the same decode paths in
// the normal build, so the corpus guards it too: valid-* inputs must decode, bad-* inputs
// must be refused with a weft::Error, and no input may crash (regress-* once did, or broke an
// invariant that the targets check).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "fuzz_input.hpp"

namespace {

using Target = bool (*)(std::span<const std::uint8_t>);

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void replay(const std::string& target, Target run) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(WEFT_FUZZ_CORPUS) / target)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::size_t valid = 0;
  std::size_t bad = 0;
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    SCOPED_TRACE(target + "/" + name);
    const bool accepted = run(read_file(path));
    if (name.starts_with("valid-")) {
      EXPECT_TRUE(accepted);
      ++valid;
    } else if (name.starts_with("bad-")) {
      EXPECT_FALSE(accepted);
      ++bad;
    }
  }
  EXPECT_GE(valid, 20u);
  EXPECT_GE(bad, 10u);
}

TEST(FuzzCorpus, WireMessagesDecodeOrAreRefused) { replay("wire", weft::fuzz::wire_target); }

TEST(FuzzCorpus, SerdeValuesDecodeOrAreRefused) { replay("serde", weft::fuzz::serde_target); }

}  // namespace
