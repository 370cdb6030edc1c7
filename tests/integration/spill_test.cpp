// A worker's memory limit on the processes runtime: objects spill to disk and reload, the
// worker's peak resident memory stays under its limit, a task too large for the limit
// fails saying so, and forced spilling changes no result. Each test starts its own local
// cluster (a scheduler and one worker from this binary) with the limit in its environment.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <weft/weft.hpp>

#include "store/spill.hpp"

namespace {

constexpr std::uint64_t kMiB = 1 << 20;

// The value at index k of block i: every byte of every block differs from its neighbours'.
std::uint64_t pattern(int i, std::uint64_t k) {
  return (static_cast<std::uint64_t>(i) << 40) ^ (k * 0x9E3779B97F4A7C15ull);
}

std::vector<std::uint64_t> make_block(int i, std::uint64_t bytes) {
  std::vector<std::uint64_t> v(bytes / sizeof(std::uint64_t));
  for (std::uint64_t k = 0; k < v.size(); ++k) v[k] = pattern(i, k);
  return v;
}
WEFT_REMOTE(make_block);

bool block_ok(const std::vector<std::uint64_t>& v, int i, std::uint64_t bytes) {
  if (v.size() != bytes / sizeof(std::uint64_t)) return false;
  for (std::uint64_t k = 0; k < v.size(); ++k) {
    if (v[k] != pattern(i, k)) return false;
  }
  return true;
}
WEFT_REMOTE(block_ok);

std::uint64_t block_sum(const std::vector<std::uint64_t>& v) {
  return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
}
WEFT_REMOTE(block_sum);

std::uint64_t add(std::uint64_t a, std::uint64_t b) { return a + b; }
WEFT_REMOTE(add);

// A line of this process's /proc/self/status, in bytes ("VmHWM", "VmRSS").
std::uint64_t status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == field + ":") {
      std::uint64_t kb = 0;
      in >> kb;
      return kb * 1024;
    }
    std::getline(in, key);
  }
  return 0;
}
std::uint64_t worker_peak_rss() { return status_bytes("VmHWM"); }
WEFT_REMOTE(worker_peak_rss);
std::uint64_t worker_rss() { return status_bytes("VmRSS"); }
WEFT_REMOTE(worker_rss);
int worker_pid() { return static_cast<int>(getpid()); }
WEFT_REMOTE(worker_pid);

std::size_t files_in(const std::string& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); ++it) {
    ++n;
  }
  return n;
}

// A local cluster of one worker with WEFT_MEMORY_LIMIT=`limit` (and WEFT_SPILL_ALL=1 when
// `spill_all`), spilling under a fresh directory.
class SpillCluster {
 public:
  SpillCluster(std::uint64_t limit, bool spill_all)
      : dir_(std::filesystem::temp_directory_path() /
             ("weft-spill-test-" + std::to_string(getpid()))),
        runtime_(start(dir_, limit, spill_all)),
        pid_(weft::get(weft::remote(worker_pid))) {}
  ~SpillCluster() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  static weft::Runtime start(const std::filesystem::path& dir, std::uint64_t limit,
                             bool spill_all) {
    std::filesystem::create_directories(dir);
    ::setenv("WEFT_MEMORY_LIMIT", std::to_string(limit).c_str(), 1);
    ::setenv("WEFT_SPILL_DIR", dir.c_str(), 1);
    if (spill_all) ::setenv("WEFT_SPILL_ALL", "1", 1);
    weft::Runtime rt = weft::init("processes:1");  // the workers inherit the environment
    ::unsetenv("WEFT_MEMORY_LIMIT");
    ::unsetenv("WEFT_SPILL_ALL");
    ::unsetenv("WEFT_SPILL_DIR");
    return rt;
  }
  // The worker's spill directory, and its number of files.
  std::string spill_dir() const { return weft::store::spill_directory(dir_, pid_); }
  std::size_t spill_files() const { return files_in(spill_dir()); }
  // Shuts the cluster down: the worker exits and removes its spill directory.
  void stop() { runtime_.shutdown(); }

 private:
  std::filesystem::path dir_;
  weft::Runtime runtime_;
  int pid_ = 0;
};

// Sanitizers keep freed memory in quarantine and add shadow memory, so resident memory says
// nothing about the worker's own accounting there; the Release build checks the bound, the
// sanitized builds everything else.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST(Spill, FourTimesTheLimitInObjectsStayUnderTheLimitAndReadBackIntact) {
  constexpr std::uint64_t kLimit = 64 * kMiB;
  constexpr std::uint64_t kBlock = 2 * kMiB;
  constexpr int kBlocks = 4 * kLimit / kBlock;
  SpillCluster cluster(kLimit, false);
  // The idle worker's own footprint (program, threads, sockets): the fixed overhead that
  // the peak may add to the limit. The 40% between the spill threshold and the limit is
  // the running tasks' working memory: here 2 threads, each with a block, its encoding and
  // its copy in shared memory (or a reloaded input and its decoded copy).
  const std::uint64_t baseline = weft::get(weft::remote(worker_rss));

  std::vector<weft::Ref<std::vector<std::uint64_t>>> blocks;
  for (int i = 0; i < kBlocks; ++i) blocks.push_back(weft::remote(make_block, i, kBlock));
  weft::wait(blocks);
  // At most 60% of the limit stays in memory: most blocks are on disk now.
  EXPECT_GE(cluster.spill_files(), static_cast<std::size_t>(kBlocks) / 2);

  // Every block is reloaded on the worker as a task's input, then fetched by this client.
  std::vector<weft::Ref<bool>> checks;
  for (int i = 0; i < kBlocks; ++i) checks.push_back(weft::remote(block_ok, blocks[i], i, kBlock));
  for (int i = 0; i < kBlocks; ++i) EXPECT_TRUE(weft::get(checks[i])) << "block " << i;
  for (int i = 0; i < kBlocks; ++i) {
    EXPECT_TRUE(block_ok(weft::get(blocks[i]), i, kBlock)) << "block " << i << " as fetched";
  }

  const std::uint64_t peak = weft::get(weft::remote(worker_peak_rss));
  std::printf("objects %d MiB, limit %llu MiB, idle worker %.1f MiB, worker peak %.1f MiB\n",
              kBlocks * static_cast<int>(kBlock / kMiB),
              static_cast<unsigned long long>(kLimit / kMiB), static_cast<double>(baseline) / kMiB,
              static_cast<double>(peak) / kMiB);
  if (!kSanitized) {
    EXPECT_LT(peak, kLimit + baseline);
  }

  const std::string dir = cluster.spill_dir();
  cluster.stop();
  EXPECT_FALSE(std::filesystem::exists(dir)) << "the worker leaves no spill files behind";
}

TEST(Spill, ATaskWhoseResultOrInputsAloneExceedTheLimitFailsSayingSo) {
  SpillCluster cluster(16 * kMiB, false);
  try {
    weft::get(weft::remote(make_block, 1, 24 * kMiB));
    FAIL() << "a 24 MiB result on a worker limited to 16 MiB must fail";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.type_name(), "weft::MemoryLimitError");
    EXPECT_NE(e.message().find("result alone take 24.0 MiB"), std::string::npos) << e.what();
    EXPECT_NE(e.message().find("memory limit of 16.0 MiB"), std::string::npos) << e.what();
  }
  // A put() is stored (and spilled) whatever its size; a task cannot take it as input.
  auto big = weft::put(make_block(2, 20 * kMiB));
  try {
    weft::get(weft::remote(block_sum, big));
    FAIL() << "a task with a 20 MiB input on a worker limited to 16 MiB must fail";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.type_name(), "weft::MemoryLimitError");
    EXPECT_NE(e.message().find("inputs alone take 20.0 MiB"), std::string::npos) << e.what();
  }
  // The worker goes on with tasks that fit.
  EXPECT_EQ(weft::get(weft::remote(block_sum, weft::remote(make_block, 3, kMiB))),
            block_sum(make_block(3, kMiB)));
}

TEST(Spill, AWorkerPausedBelowItsIdleFootprintStillFinishesItsWork) {
  // 4 MiB is less than an idle worker's resident memory: it is paused throughout, and
  // runs one task at a time rather than none.
  SpillCluster cluster(4 * kMiB, false);
  std::vector<weft::Ref<std::uint64_t>> sums;
  for (int i = 0; i < 50; ++i) {
    sums.push_back(weft::remote(block_sum, weft::remote(make_block, i, 64 * 1024)));
  }
  std::uint64_t expected = 0;
  for (int i = 0; i < 50; ++i) expected += block_sum(make_block(i, 64 * 1024));
  EXPECT_EQ(std::accumulate(sums.begin(), sums.end(), std::uint64_t{0},
                            [](std::uint64_t a, const weft::Ref<std::uint64_t>& r) {
                              return a + weft::get(r);
                            }),
            expected);
}

TEST(Spill, ForcedSpillingGivesIdenticalResults) {
  SpillCluster cluster(0, true);
  // Small and large objects, each spilled as it arrives and reloaded by its consumer.
  std::vector<weft::Ref<std::uint64_t>> sums;
  std::uint64_t expected = 0;
  for (int i = 0; i < 20; ++i) {
    const std::uint64_t bytes = (i % 2 == 0 ? 2 * kMiB : 4096) + 8 * static_cast<std::uint64_t>(i);
    sums.push_back(weft::remote(block_sum, weft::remote(make_block, i, bytes)));
    expected += block_sum(make_block(i, bytes));
  }
  weft::Ref<std::uint64_t> total = sums[0];
  for (int i = 1; i < 20; ++i) total = weft::remote(add, total, sums[i]);
  EXPECT_EQ(weft::get(total), expected);
  EXPECT_GE(cluster.spill_files(), 20u) << "every kept object is on disk";
  auto put = weft::put(make_block(7, 3 * kMiB));
  EXPECT_TRUE(weft::get(weft::remote(block_ok, put, 7, 3 * kMiB)));
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("WEFT_ROLE") != nullptr) weft::init(argc, argv);  // a worker: never returns
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
