// What observing costs (weft/observe.hpp): no-op task throughput with recording off, and
// with recording and the dashboard on, on a local cluster (2 workers) and on the threads
// runtime. The runs alternate (off, on, off, on, ...) so that drift of a shared machine
// hits both alike; the figure is the ratio of the medians.
//
// Usage: observe_bench [--rounds R] [--cluster-n N] [--threads-n M] [--quick]
// Prints one JSON object per runtime on stdout, a table on stderr.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <weft/weft.hpp>

namespace {

int noop(int i) { return i; }
WEFT_REMOTE(noop);

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Tasks per second of n no-op tasks (submitted, then gathered) on a runtime started afresh.
double throughput(const std::string& spec, bool observed, int n) {
  weft::Config c = weft::Config::parse(spec);
  if (observed) {
    c.record = true;
    c.dashboard_port = 0;
  }
  auto rt = weft::init(c);
  auto batch = [](int count) {
    std::vector<weft::Ref<int>> refs;
    refs.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) refs.push_back(weft::remote(noop, i));
    long sum = 0;
    for (int v : weft::get(refs)) sum += v;
    return sum;
  };
  batch(std::min(n, 2000));  // warm-up: connections, allocations
  const auto start = Clock::now();
  const long sum = batch(n);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (sum != static_cast<long>(n) * (n - 1) / 2) {
    std::fprintf(stderr, "observe_bench: wrong sum %ld\n", sum);
    std::exit(1);
  }
  return n / seconds;
}

void compare(const std::string& spec, int n, int rounds) {
  std::vector<double> off, on;
  for (int r = 0; r < rounds; ++r) {
    // Alternate which goes first, so neither always gets the warmer machine.
    if (r % 2 == 0) {
      off.push_back(throughput(spec, false, n));
      on.push_back(throughput(spec, true, n));
    } else {
      on.push_back(throughput(spec, true, n));
      off.push_back(throughput(spec, false, n));
    }
  }
  const double ratio = median(on) / median(off);
  std::printf(
      "{\"runtime\": \"%s\", \"tasks\": %d, \"rounds\": %d, \"off_per_s\": %.0f, "
      "\"on_per_s\": %.0f, \"on_over_off\": %.4f}\n",
      spec.c_str(), n, rounds, median(off), median(on), ratio);
  std::fflush(stdout);
  std::fprintf(stderr, "  %-12s %8d tasks  off %9.0f/s  on %9.0f/s  on/off %.3f (cost %+.1f%%)\n",
               spec.c_str(), n, median(off), median(on), ratio, 100 * (1 - ratio));
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("WEFT_ROLE") != nullptr) weft::init(argc, argv);  // a worker: never returns
  int rounds = 7, cluster_n = 100'000, threads_n = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : "0";
    if (arg == "--quick") {
      rounds = 2, cluster_n = 5000, threads_n = 20000;
    } else if (arg == "--rounds") {
      rounds = std::atoi(value), ++i;
    } else if (arg == "--cluster-n") {
      cluster_n = std::atoi(value), ++i;
    } else if (arg == "--threads-n") {
      threads_n = std::atoi(value), ++i;
    } else {
      std::fprintf(stderr,
                   "usage: observe_bench [--rounds R] [--cluster-n N] [--threads-n M]"
                   " [--quick]\n");
      return 2;
    }
  }
  std::fprintf(stderr, "no-op task throughput, recording and dashboard off vs on (medians of %d)\n",
               rounds);
  compare("processes:2", cluster_n, rounds);
  compare("threads:2", threads_n, rounds);
}
