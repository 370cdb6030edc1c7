// Spill and reload bandwidth of a worker's spill files (src/store/spill.*) for 1 GiB of
// objects, against the same bytes written and read back with std::ofstream/std::ifstream
// in the same run. Both go through the page cache (no fsync), as spilling does.
//
// Usage: spill_bench [--bytes B] [--object-bytes B] [--dir DIR]   (defaults: 1 GiB, 16 MiB,
// $TMPDIR)
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/spill.hpp"
#include "weft/serde.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Reads every byte (one word per cache line is not enough: mapped pages fault in per page,
// but a reader of the object would touch all of it).
std::uint64_t touch(const weft::Buffer& b) {
  std::uint64_t sum = 0;
  const auto* p = reinterpret_cast<const std::uint64_t*>(b.data());
  for (std::size_t i = 0; i < b.size() / 8; ++i) sum += p[i];
  return sum;
}

void row(const char* what, std::uint64_t bytes, double s) {
  std::printf("%-28s %8.3f s  %8.0f MB/s\n", what, s, static_cast<double>(bytes) / s / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t total = 1ull << 30, object = 16ull << 20;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--bytes")
      total = std::strtoull(argv[i + 1], nullptr, 10);
    else if (arg == "--object-bytes")
      object = std::strtoull(argv[i + 1], nullptr, 10);
    else if (arg == "--dir")
      dir = argv[i + 1];
  }
  const std::size_t n = total / object;
  std::vector<weft::serde::Message> objects(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::uint64_t> v(object / 8, i * 0x9E3779B97F4A7C15ull);
    objects[i].body = weft::Buffer::copy("body", 4);
    objects[i].frames.push_back(weft::Buffer::take(std::move(v)));
  }
  std::printf("%zu objects of %llu MiB (%llu MiB), page cache, no fsync\n", n,
              static_cast<unsigned long long>(object >> 20),
              static_cast<unsigned long long>(total >> 20));
  std::uint64_t check = 0;
  {
    weft::store::SpillFiles files(dir);
    auto start = Clock::now();
    for (std::size_t i = 0; i < n; ++i) files.write(i, objects[i]);
    row("spill write (SpillFiles)", total, seconds_since(start));
    start = Clock::now();
    for (std::size_t i = 0; i < n; ++i) check += touch(files.read(i).frames[0]);
    row("reload + read (mmap)", total, seconds_since(start));
  }
  const std::filesystem::path peer_dir = weft::store::spill_directory(dir, 0) + "-ofstream-peer";
  std::filesystem::create_directories(peer_dir);
  auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    std::ofstream out(peer_dir / std::to_string(i), std::ios::binary);
    out.write(reinterpret_cast<const char*>(objects[i].body.data()), objects[i].body.size());
    const weft::Buffer& f = objects[i].frames[0];
    out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
  }
  row("peer write (std::ofstream)", total, seconds_since(start));
  start = Clock::now();
  std::vector<std::uint64_t> back(object / 8);
  for (std::size_t i = 0; i < n; ++i) {
    std::ifstream in(peer_dir / std::to_string(i), std::ios::binary);
    char body[4];
    in.read(body, 4);
    in.read(reinterpret_cast<char*>(back.data()), static_cast<std::streamsize>(object));
    check -= touch(weft::Buffer::borrow(back.data(), object));
  }
  row("peer read (std::ifstream)", total, seconds_since(start));
  std::filesystem::remove_all(peer_dir);
  if (check != 0) {
    std::fprintf(stderr, "spill_bench: reloaded bytes differ from those written\n");
    return 1;
  }
  return 0;
}
