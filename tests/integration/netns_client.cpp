// The client of netns_test.sh: a 16 MiB object made on host A is consumed on host B, so it
// crosses hosts worker to worker (this program only gets the small report).
//   netns_client --weft-runtime=connect:tcp://10.77.0.1:PORT
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <weft/weft.hpp>

#include "netns_tasks.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// With WEFT_NETNS_BENCH_MAX=BYTES (bench/run_netns_bandwidth.sh), times moving blocks of
// 1 KiB up to that size across the link: worker A to worker B (a task on B reading a block
// made on A), and worker A to this program on host B (get). Best of three each.
void bandwidth() {
  const char* env = std::getenv("WEFT_NETNS_BENCH_MAX");
  if (env == nullptr) return;
  const std::int64_t max = std::atoll(env);
  const weft::TaskOptions on_a{.resources = {{"host_a", 1}}};
  const weft::TaskOptions on_b{.resources = {{"host_b", 1}}};
  for (const std::int64_t bytes : {std::int64_t{1} << 10, std::int64_t{1} << 20,
                                   std::int64_t{64} << 20, std::int64_t{1} << 30}) {
    if (bytes > max) break;
    double to_worker = 1e9, to_client = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
      weft::Ref<netns::Block> block = weft::remote(on_a, netns::produce, bytes / 8, 1.0);
      weft::get(weft::remote(on_a, netns::consume, block));  // made, and read where it is
      auto start = std::chrono::steady_clock::now();
      weft::get(weft::remote(on_b, netns::consume, block));
      to_worker = std::min(to_worker, seconds_since(start));
      start = std::chrono::steady_clock::now();
      weft::get(block);
      to_client = std::min(to_client, seconds_since(start));
    }
    std::printf(
        "netns-bandwidth %lld bytes: worker->worker %.3f ms (%.3f GB/s), "
        "worker->client %.3f ms (%.3f GB/s)\n",
        static_cast<long long>(bytes), to_worker * 1e3,
        static_cast<double>(bytes) / to_worker / 1e9, to_client * 1e3,
        static_cast<double>(bytes) / to_client / 1e9);
  }
}

}  // namespace

int main(int argc, char** argv) {
  weft::Runtime rt = weft::init(argc, argv);
  const std::int64_t n = 2 << 20;  // doubles: 16 MiB
  const double value = 0.25;
  weft::Ref<netns::Block> block =
      weft::remote(weft::TaskOptions{.name = "produce@a", .resources = {{"host_a", 1}}},
                   netns::produce, n, value);
  weft::Ref<netns::Report> report = weft::remote(
      weft::TaskOptions{.name = "consume@b", .resources = {{"host_b", 1}}}, netns::consume, block);
  const netns::Report& r = weft::get(report);

  std::printf("producer: pid %lld %s\n", static_cast<long long>(r.made_at.pid),
              r.made_at.netns.c_str());
  std::printf("consumer: pid %lld %s\n", static_cast<long long>(r.read_at.pid),
              r.read_at.netns.c_str());
  std::printf("values: %llu, sum: %.2f\n", static_cast<unsigned long long>(r.count), r.sum);
  const bool ok = r.count == static_cast<std::uint64_t>(n) && r.sum == value * double(n) &&
                  r.made_at.netns != r.read_at.netns;
  std::printf("netns cluster: %s\n", ok ? "ok" : "WRONG");
  if (ok) bandwidth();
  return ok ? 0 : 1;
}
