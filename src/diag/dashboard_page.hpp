// The dashboard page's files, embedded at build time from src/diag/dashboard_page/ by
// cmake/EmbedFiles.cmake (see src/CMakeLists.txt).
#pragma once

#include <cstddef>
#include <string_view>

namespace weft::diag {

struct PageFile {
  std::string_view path;  // e.g. "/app.js"
  std::string_view content_type;
  std::string_view body;
};

extern const PageFile kPageFiles[];
extern const std::size_t kPageFileCount;

}  // namespace weft::diag
