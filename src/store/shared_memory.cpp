#include "store/shared_memory.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

#include "weft/error.hpp"

namespace weft::store {
namespace {

// A mapping, and for the creator the duty to unlink the name.
struct Segment {
  void* addr = MAP_FAILED;
  std::size_t size = 0;
  std::string name;
  bool owner = false;
  ~Segment() {
    if (addr != MAP_FAILED && size > 0) ::munmap(addr, size);
    if (owner) ::shm_unlink(name.c_str());
  }
};

std::string prefix_of(int pid) { return "weft-" + std::to_string(pid) + "-"; }

[[noreturn]] void fail(const std::string& what, const std::string& name) {
  throw Error("weft shared memory: " + what + " '" + name + "': " + std::strerror(errno));
}

}  // namespace

bool enabled() {
  static const bool on = [] {
    const char* e = std::getenv("WEFT_SHARED_MEMORY");
    return e == nullptr || std::strcmp(e, "0") != 0;
  }();
  return on;
}

const std::string& node_id() {
  static const std::string id = [] {
    if (const char* e = std::getenv("WEFT_NODE_ID"); e != nullptr && *e != '\0') {
      return std::string(e);
    }
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::ifstream boot("/proc/sys/kernel/random/boot_id");
    std::string boot_id;
    std::getline(boot, boot_id);
    return std::string(host) + "/" + boot_id;
  }();
  return id;
}

std::uint64_t frame_bytes(const serde::Message& m) {
  std::uint64_t n = 0;
  for (const Buffer& f : m.frames) n += f.size();
  return n;
}

Shared share(const serde::Message& m, const std::string& tag, bool owner) {
  Shared out;
  // Built with snprintf and moved in: GCC 12 warns falsely (-Wrestrict, its bug 105329) on
  // assigning or concatenating short literals here at -O3.
  char name[128];
  std::snprintf(name, sizeof name, "/weft-%d-%s", static_cast<int>(::getpid()), tag.c_str());
  out.name = std::string(name);
  const std::uint64_t total = frame_bytes(m);
  const int fd = ::shm_open(out.name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot create", out.name);
  auto seg = std::make_shared<Segment>();
  seg->name = out.name;
  seg->owner = true;  // until the copy is done: a failure below removes the name
  seg->size = total;
  // posix_fallocate, not just ftruncate: tmpfs reserves no pages for a sized file, and a
  // full /dev/shm would then kill the process with SIGBUS during the copy instead of
  // failing here (a small /dev/shm is common in containers).
  if (total > 0) {
    if (const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(total)); err != 0) {
      ::close(fd);
      errno = err;
      fail("no room in /dev/shm for", out.name);
    }
  }
  seg->addr = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (seg->addr == MAP_FAILED) fail("cannot map", out.name);
  auto* base = static_cast<std::byte*>(seg->addr);
  std::uint64_t offset = 0;
  out.message.body = m.body;
  for (const Buffer& f : m.frames) {
    if (f.size() > 0) std::memcpy(base + offset, f.data(), f.size());
    out.layout.emplace_back(offset, f.size());
    out.message.frames.emplace_back(base + offset, f.size(), seg);
    offset += f.size();
  }
  seg->owner = owner;
  return out;
}

std::vector<Buffer> map_shared(const std::string& name, const Layout& layout, bool take_ownership) {
  const int fd = ::shm_open(name.c_str(), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) fail("cannot open", name);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail("cannot stat", name);
  }
  auto seg = std::make_shared<Segment>();
  seg->name = name;
  seg->owner = take_ownership;
  seg->size = static_cast<std::size_t>(st.st_size);
  if (seg->size > 0) {
    seg->addr = ::mmap(nullptr, seg->size, PROT_READ, MAP_SHARED, fd, 0);
  }
  ::close(fd);
  if (seg->size > 0 && seg->addr == MAP_FAILED) fail("cannot map", name);
  std::vector<Buffer> frames;
  frames.reserve(layout.size());
  for (const auto& [offset, size] : layout) {
    if (offset > seg->size || size > seg->size - offset) {
      throw Error("weft shared memory: frame [" + std::to_string(offset) + ", +" +
                  std::to_string(size) + ") lies outside segment '" + name + "' of " +
                  std::to_string(seg->size) + " bytes");
    }
    frames.emplace_back(static_cast<const std::byte*>(seg->addr) + offset, size, seg);
  }
  return frames;
}

void unlink(const std::string& name) noexcept { ::shm_unlink(name.c_str()); }

void remove_segments_of(int pid) {
  const std::string prefix = prefix_of(pid);
  DIR* dir = ::opendir("/dev/shm");
  if (dir == nullptr) return;
  while (dirent* e = ::readdir(dir)) {
    if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0) {
      char name[300];
      std::snprintf(name, sizeof name, "/%s", e->d_name);
      ::shm_unlink(name);
    }
  }
  ::closedir(dir);
}

}  // namespace weft::store
