// The client of netns_test.sh: a 16 MiB object made on host A is consumed on host B, so it
// crosses hosts worker to worker (this program only gets the small report).
//   netns_client --weft-runtime=connect:tcp://10.77.0.1:PORT
#include <cstdio>

#include <weft/weft.hpp>

#include "netns_tasks.hpp"

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
  return ok ? 0 : 1;
}
