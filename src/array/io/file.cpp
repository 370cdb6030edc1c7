#include "array/io/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "weft/error.hpp"

namespace weft::array_io {
namespace {

[[noreturn]] void throw_os_error(const std::filesystem::path& path, const char* action, int error) {
  throw Error(quote_path(path) + ": cannot " + action + ": " + std::strerror(error));
}

// "DIR/.NAME.PID.N.partial": unique per process (PID) and per call within it (N).
std::filesystem::path temporary_path(const std::filesystem::path& path) {
  static std::atomic<std::uint64_t> counter{0};
  std::string name = ".";
  name += path.filename().string();
  name += '.';
  name += std::to_string(::getpid());
  name += '.';
  name += std::to_string(counter.fetch_add(1));
  name += ".partial";
  return path.parent_path() / name;
}

void write_all(int fd, std::span<const std::byte> bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_os_error(path, "write", errno);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string quote_path(const std::filesystem::path& path) {
  // Appended piecewise: GCC 12 warns falsely (-Wrestrict, its bug 105329) on "'" + string.
  std::string out = "'";
  out += path.native();
  out += '\'';
  return out;
}

ReadFile::ReadFile(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw_os_error(path_, "stat", error);
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
}

ReadFile::ReadFile(const std::filesystem::path& path)
    : ReadFile(
          [&] {
            const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) throw_os_error(path, "open for reading", errno);
            return fd;
          }(),
          path) {}

std::optional<ReadFile> ReadFile::open_if_exists(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw_os_error(path, "open for reading", errno);
  }
  return ReadFile(fd, path);
}

ReadFile::ReadFile(ReadFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_), path_(std::move(other.path_)) {}

ReadFile& ReadFile::operator=(ReadFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    path_ = std::move(other.path_);
  }
  return *this;
}

ReadFile::~ReadFile() {
  if (fd_ >= 0) ::close(fd_);
}

void ReadFile::read_at(std::uint64_t offset, std::span<std::byte> out) const {
  while (!out.empty()) {
    const ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_os_error(path_, "read", errno);
    }
    if (n == 0) {
      throw SerdeError(quote_path(path_) + ": truncated: ends at byte " + std::to_string(offset) +
                       ", " + std::to_string(out.size()) + " bytes short");
    }
    out = out.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
}

void write_file_atomically(const std::filesystem::path& path,
                           std::initializer_list<std::span<const std::byte>> pieces) {
  const std::filesystem::path temporary = temporary_path(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw_os_error(path, "create a temporary file", errno);
  bool open = true;
  try {
    for (std::span<const std::byte> piece : pieces) write_all(fd, piece, path);
    open = false;  // close() releases the descriptor even when it fails
    if (::close(fd) != 0) throw_os_error(path, "write", errno);
  } catch (...) {
    if (open) ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    throw_os_error(path, "rename the temporary file into place", error);
  }
}

}  // namespace weft::array_io
