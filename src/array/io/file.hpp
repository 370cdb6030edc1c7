// Files for the storage layer: exact reads at an offset, and atomic whole-file writes.
//
// Failures of the operating system (no such file, permission, disk full) throw weft::Error
// naming the file and the system's reason; none of weft's narrower error types is about I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>

namespace weft::array_io {

// "'PATH'": how every error message of the storage layer names a file.
std::string quote_path(const std::filesystem::path& path);

// A file open for reading. Move-only; closes on destruction.
class ReadFile {
 public:
  // Opens `path`. Throws weft::Error if it cannot (including when it does not exist).
  explicit ReadFile(const std::filesystem::path& path);
  // Opens `path`, or returns nullopt if it does not exist; other failures throw as above.
  static std::optional<ReadFile> open_if_exists(const std::filesystem::path& path);

  ReadFile(ReadFile&& other) noexcept;
  ReadFile& operator=(ReadFile&& other) noexcept;
  ReadFile(const ReadFile&) = delete;
  ReadFile& operator=(const ReadFile&) = delete;
  ~ReadFile();

  // The file's size in bytes when it was opened.
  std::uint64_t size() const noexcept { return size_; }
  const std::filesystem::path& path() const noexcept { return path_; }

  // Reads exactly out.size() bytes starting at `offset`, straight into `out`.
  // Throws SerdeError if the file ends first (a truncated file), weft::Error on I/O errors.
  void read_at(std::uint64_t offset, std::span<std::byte> out) const;

 private:
  ReadFile(int fd, std::filesystem::path path);

  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::filesystem::path path_;
};

// Writes the concatenation of `pieces` to `path` atomically: into a temporary file in the
// same directory whose name is unique to this process and call, then renamed over `path`.
// Readers see the previous file or the complete new one, never a part, and writers of
// different paths never touch each other's temporaries, from any thread or process. Of
// concurrent writers of the same path the last rename wins. The data is not fsync'd: the
// rename is atomic for readers, not durable across a power loss (as Zarr's DirectoryStore).
// On failure the temporary is removed and weft::Error names `path` and the reason.
void write_file_atomically(const std::filesystem::path& path,
                           std::initializer_list<std::span<const std::byte>> pieces);

}  // namespace weft::array_io
