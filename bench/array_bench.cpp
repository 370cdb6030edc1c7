// (x + x.T).sum() and x.mean(axis=0) on a random normal array with weft::array, timed, with
// the process's peak resident memory: the weft side of bench/peers/array_peers.py. With
// --matmul, (a @ b).sum() of two random normal N x N arrays instead (blocked BLAS products).
//
//   array_bench [--weft-runtime=threads:2] [N] [BLOCK]     (default 20000 2000)
//   array_bench --matmul [--weft-runtime=threads:2] [N] [BLOCK]     (default 8000 2000)
//
// Each line: "weft <workload> n=N block=B: T s, peak RSS M MB". Peak RSS is the process's
// high-water mark (getrusage ru_maxrss), so the sum runs first and mean's figure covers both.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <weft/array.hpp>
#include <weft/weft.hpp>

namespace wa = weft::array;

namespace {

// CPU seconds used by the process so far (user + system): on a shared machine, a steadier
// figure than wall time.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  weft::Runtime rt = weft::init(argc, argv);
  std::vector<std::int64_t> sizes;  // positional arguments; --weft-* flags are init's
  bool matmul = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--matmul") matmul = true;
    if (std::string(argv[i]).rfind("--", 0) != 0) sizes.push_back(std::atoll(argv[i]));
  }
  const std::int64_t n = sizes.size() > 0 ? sizes[0] : matmul ? 8000 : 20000;
  const std::int64_t block = sizes.size() > 1 ? sizes[1] : 2000;
  wa::Array x = wa::random_normal({n, n}, {block, block}, {.seed = 0});
  std::printf("runtime: %s\n", rt.describe().c_str());

  const auto report = [&](const char* what, double wall, double cpu, const char* label,
                          double value) {
    std::printf("weft %s n=%lld block=%lld: %.3f s, cpu %.3f s, peak RSS %.0f MB (%s %.6f)\n", what,
                static_cast<long long>(n), static_cast<long long>(block), wall, cpu, peak_rss_mb(),
                label, value);
  };
  double value = 0;
  double cpu = cpu_seconds();
  if (matmul) {
    // Generation is inside the timing, as for the other workloads (NumPy's peer reports it
    // both ways).
    const wa::Array b = wa::random_normal({n, n}, {block, block}, {.seed = 1});
    const double wall = seconds([&] { value = wa::matmul(x, b).sum().compute().item<double>(); });
    report("sum(a@b)", wall, cpu_seconds() - cpu, "value", value);
    return 0;
  }
  double wall = seconds([&] { value = (x + x.T()).sum().compute().item<double>(); });
  report("sum(x+x.T)", wall, cpu_seconds() - cpu, "value", value);
  cpu = cpu_seconds();
  wall = seconds([&] { value = x.mean({.axis = {0}}).compute().at<double>({0}); });
  report("mean(x,axis=0)", wall, cpu_seconds() - cpu, "first", value);
  return 0;
}
