#include "store/spill.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "weft/error.hpp"

namespace weft::store {
namespace {

constexpr std::uint64_t kAlign = 64;

std::uint64_t align_up(std::uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// A read-only mapping of a spill file, unmapped with its last Buffer.
struct Mapping {
  void* addr = MAP_FAILED;
  std::size_t size = 0;
  ~Mapping() {
    if (addr != MAP_FAILED) ::munmap(addr, size);
  }
};

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
  throw Error("weft spill: " + what + " '" + path + "': " + std::strerror(err));
}

// Writes all of `bytes` at `offset`, through short writes and interruptions.
bool write_all(int fd, const std::byte* data, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

std::string parent_or_tmp(std::string parent) {
  if (!parent.empty()) return parent;
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

}  // namespace

std::string spill_directory(const std::string& parent, int pid) {
  return parent_or_tmp(parent) + "/weft-spill-" + std::to_string(pid);
}

void remove_spill_directory(const std::string& parent, int pid) noexcept {
  std::error_code ignored;
  std::filesystem::remove_all(spill_directory(parent, pid), ignored);
}

std::uint64_t resident_bytes() noexcept {
  // statm's second field is resident pages; one read, cheap enough for every loop turn.
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

SpillFiles::SpillFiles(std::string parent) : parent_(parent_or_tmp(std::move(parent))) {}

SpillFiles::~SpillFiles() {
  if (dir_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string SpillFiles::path_of(std::uint64_t id) const {
  char name[32];
  std::snprintf(name, sizeof name, "/%016llx", static_cast<unsigned long long>(id));
  return dir_ + name;
}

void SpillFiles::write(std::uint64_t id, const serde::Message& m) {
  if (dir_.empty()) {
    const std::string dir = spill_directory(parent_, static_cast<int>(::getpid()));
    // A directory left by an earlier process with this pid holds nothing of ours.
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (::mkdir(dir.c_str(), 0700) != 0) fail("cannot create directory", dir, errno);
    dir_ = dir;
  }
  const std::string path = path_of(id);
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot create", path, errno);
  File file;
  file.body = m.body.size();
  bool ok = write_all(fd, m.body.data(), m.body.size(), 0);
  std::uint64_t offset = align_up(m.body.size());
  for (const Buffer& f : m.frames) {
    if (!ok) break;
    ok = write_all(fd, f.data(), f.size(), offset);
    file.frames.emplace_back(offset, f.size());
    offset = align_up(offset + f.size());
  }
  const int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    fail("cannot write", path, err);
  }
  file.bytes = m.total_bytes();
  bytes_ += file.bytes;
  files_.emplace(id, std::move(file));
}

serde::Message SpillFiles::read(std::uint64_t id) const {
  const File& file = files_.at(id);
  const std::string path = path_of(id);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    fail("cannot stat", path, err);
  }
  auto map = std::make_shared<Mapping>();
  map->size = static_cast<std::size_t>(st.st_size);
  if (map->size > 0) map->addr = ::mmap(nullptr, map->size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (map->size > 0 && map->addr == MAP_FAILED) fail("cannot map", path, err);
  const auto* base = map->size > 0 ? static_cast<const std::byte*>(map->addr) : nullptr;
  const auto fits = [&](std::uint64_t offset, std::uint64_t size) {
    return offset <= map->size && size <= map->size - offset;
  };
  if (!fits(0, file.body)) throw Error("weft spill: '" + path + "' was truncated");
  serde::Message m;
  m.body = Buffer(base, file.body, map);
  for (const auto& [offset, size] : file.frames) {
    if (!fits(offset, size)) throw Error("weft spill: '" + path + "' was truncated");
    m.frames.emplace_back(base + offset, size, map);
  }
  return m;
}

void SpillFiles::remove(std::uint64_t id) noexcept {
  auto it = files_.find(id);
  if (it == files_.end()) return;
  ::unlink(path_of(id).c_str());
  bytes_ -= it->second.bytes;
  files_.erase(it);
}

}  // namespace weft::store
