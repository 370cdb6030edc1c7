// What weft_peers' workloads share: the command line and best-of timing of peers.py, its
// JSON lines, and the pools of threads.
#pragma once

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "weft/weft.hpp"

namespace weft_peers {

inline const std::vector<std::string> kWorkloads = {"noop_100k", "sleeps16", "matrix_tree",
                                                    "tree_reduce_100k"};

inline int cpus() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

struct Options {
  std::vector<std::string> workloads = kWorkloads;
  long noop_n = 100'000;
  long tree_n = 100'000;
  int repeat = 3;
  unsigned seed = 42;
};

// weft and TBB, each with `workers` threads. Only one weft runtime may live at a time,
// and TBB obeys the most restrictive live global_control, so each workload makes its own.
struct Pools {
  explicit Pools(int workers)
      : workers(workers),
        rt(weft::init("threads:" + std::to_string(workers))),
        limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(workers)),
        arena(workers) {}
  int workers;
  weft::Runtime rt;
  tbb::global_control limit;
  tbb::task_arena arena;
};

// The flags of peers.py that apply here: --workloads, --quick, --noop-n, --tree-n, --repeat,
// --seed, as --flag=value or --flag value.
inline Options parse_args(int argc, char** argv) {
  Options o;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (arg != "--quick" && i + 1 < argc) {
      value = argv[++i];
    }
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--workloads") {
      o.workloads.clear();
      std::stringstream ss(value);
      for (std::string w; std::getline(ss, w, ',');) {
        if (w.empty()) continue;
        if (std::find(kWorkloads.begin(), kWorkloads.end(), w) == kWorkloads.end()) {
          throw std::invalid_argument("unknown workload: " + w);
        }
        o.workloads.push_back(w);
      }
    } else if (arg == "--noop-n") {
      o.noop_n = std::stol(value);
    } else if (arg == "--tree-n") {
      o.tree_n = std::stol(value);
    } else if (arg == "--repeat") {
      o.repeat = std::stoi(value);
    } else if (arg == "--seed") {
      o.seed = static_cast<unsigned>(std::stoul(value));
    } else {
      throw std::invalid_argument("unknown argument: " + arg);
    }
  }
  if (quick) {  // as peers.py: N = 10,000 and no sleeps16
    o.noop_n = std::min(o.noop_n, 10'000L);
    o.tree_n = std::min(o.tree_n, 10'000L);
    std::erase(o.workloads, "sleeps16");
  }
  return o;
}

// One JSON line on stdout, in peers.py's format (seconds rounded to 6 places), and a
// progress line on stderr. `extra` is pre-formatted JSON members, e.g. ", \"x\": 1".
inline void emit(const std::string& workload, const std::string& peer, double seconds, long tasks,
                 int workers, const std::string& extra = "") {
  std::printf(
      "{\"workload\": \"%s\", \"peer\": \"%s\", \"seconds\": %.6f, \"tasks\": %ld, "
      "\"workers\": %d%s}\n",
      workload.c_str(), peer.c_str(), seconds, tasks, workers, extra.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "  %-18s %9.3f s  %7ld tasks  %12.0f tasks/s\n", peer.c_str(), seconds,
               tasks, static_cast<double>(tasks) / seconds);
}

// Best wall time of `repeat` calls of fn, and the last result. The previous result is
// destroyed outside the timed region.
template <class Fn>
auto timed(Fn&& fn, int repeat) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto last = fn();
  double best = std::chrono::duration<double>(Clock::now() - start).count();
  for (int i = 1; i < repeat; ++i) {
    start = Clock::now();
    auto result = fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    last = std::move(result);
  }
  return std::make_pair(best, std::move(last));
}

// Exits non-zero, as peers.py's assertions do, when a result is wrong.
inline void check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "weft_peers: wrong result: %s\n", what.c_str());
  std::exit(1);
}

inline long peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace weft_peers
