// The workloads of bench/peers/peers.py, run with weft's threads runtime (peer
// "weft-threads") and with oneTBB (peer "tbb"), printing the same JSON lines, so that
//   bench/peers/table.py weft.jsonl peers.jsonl
// compares them all. Sizes, worker counts, task counts, warm-ups and best-of-R timing
// follow peers.py; results are checked against a serial computation (exit 1 if wrong).
//
// Usage: weft_peers [--workloads noop_100k,...] [--quick] [--noop-n N] [--tree-n N]
//                   [--repeat R] [--seed S]
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "weft/weft.hpp"

namespace {

using namespace weft_peers;

// --- noop_100k: N independent tasks returning their argument. ---

long noop(long i) { return i; }

std::vector<long> weft_noop(long n) {
  std::vector<weft::Ref<long>> refs;
  refs.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) refs.push_back(weft::remote(noop, i));
  return weft::get(refs);
}

std::vector<long> tbb_noop(tbb::task_arena& arena, long n) {
  std::vector<long> out(static_cast<std::size_t>(n));
  arena.execute([&] {
    tbb::task_group tg;
    for (long i = 0; i < n; ++i) tg.run([&out, i] { out[static_cast<std::size_t>(i)] = noop(i); });
    tg.wait();
  });
  return out;
}

void run_noop(const Options& o) {
  Pools p(cpus());
  std::vector<long> expected(static_cast<std::size_t>(o.noop_n));
  std::iota(expected.begin(), expected.end(), 0L);
  const long warm = std::min<long>(o.noop_n, 2L * p.workers);  // as peers.py
  weft_noop(warm);
  auto [ws, wr] = timed([&] { return weft_noop(o.noop_n); }, o.repeat);
  check(wr == expected, "noop weft");
  emit("noop_100k", "weft-threads", ws, o.noop_n, p.workers);
  tbb_noop(p.arena, warm);
  auto [ts, tr] = timed([&] { return tbb_noop(p.arena, o.noop_n); }, o.repeat);
  check(tr == expected, "noop tbb");
  emit("noop_100k", "tbb", ts, o.noop_n, p.workers);
}

// --- sleeps16: 16 sleeping tasks on 16 workers; ideal wall time 1.5 s. ---

const std::vector<double> kSleeps = {0.1, 0.2, 0.1, 0.5, 0.7, 0.9, 0.5, 0.4,
                                     1.5, 1.3, 1.0, 0.3, 0.7, 0.6, 0.3, 0.8};

double sleep_task(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
  return s;
}

std::vector<double> weft_sleeps(const std::vector<double>& xs) {
  std::vector<weft::Ref<double>> refs;
  for (double s : xs) refs.push_back(weft::remote(sleep_task, s));
  return weft::get(refs);
}

std::vector<double> tbb_sleeps(tbb::task_arena& arena, const std::vector<double>& xs) {
  std::vector<double> out(xs.size());
  arena.execute([&] {
    tbb::task_group tg;
    for (std::size_t i = 0; i < xs.size(); ++i) tg.run([&, i] { out[i] = sleep_task(xs[i]); });
    tg.wait();
  });
  return out;
}

void run_sleeps(const Options& o) {
  Pools p(16);
  const std::vector<double> warm(kSleeps.begin(), kSleeps.begin() + 2);  // short ones
  const auto n = static_cast<long>(kSleeps.size());
  weft_sleeps(warm);
  auto [ws, wr] = timed([&] { return weft_sleeps(kSleeps); }, o.repeat);
  check(wr == kSleeps, "sleeps weft");
  emit("sleeps16", "weft-threads", ws, n, p.workers);
  tbb_sleeps(p.arena, warm);
  auto [ts, tr] = timed([&] { return tbb_sleeps(p.arena, kSleeps); }, o.repeat);
  check(tr == kSleeps, "sleeps tbb");
  emit("sleeps16", "tbb", ts, n, p.workers);
}

// --- matrix_tree: (A B) + (C D), 1000x1000, the two products as parallel tasks. ---

using Mat = Eigen::MatrixXd;

Mat normal_matrix(std::mt19937_64& rng, int n) {
  std::normal_distribution<double> normal;
  Mat m(n, n);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

// Waits for the sum, then returns its Ref rather than a copy of the 8 MB result.
weft::Ref<Mat> weft_matrix(const Mat& a, const Mat& b, const Mat& c, const Mat& d) {
  weft::Ref<Mat> ab = weft::remote([&a, &b] { return Mat(a * b); });
  weft::Ref<Mat> cd = weft::remote([&c, &d] { return Mat(c * d); });
  auto sum = weft::remote([](const Mat& x, const Mat& y) { return Mat(x + y); }, ab, cd);
  weft::get(sum);
  return sum;
}

Mat tbb_matrix(tbb::task_arena& arena, const Mat& a, const Mat& b, const Mat& c, const Mat& d) {
  Mat ab, cd, sum;
  arena.execute([&] {
    tbb::task_group tg;
    tg.run([&] { ab = a * b; });
    tg.run([&] { cd = c * d; });
    tg.wait();
    tg.run([&] { sum = ab + cd; });
    tg.wait();
  });
  return sum;
}

void run_matrix(const Options& o) {
  Pools p(cpus());
  std::mt19937_64 rng(o.seed);
  const Mat a = normal_matrix(rng, 1000), b = normal_matrix(rng, 1000),
            c = normal_matrix(rng, 1000), d = normal_matrix(rng, 1000);
  const int repeat = std::max(o.repeat, 10);  // as peers.py: short and noisy
  const std::string extra = ", \"eigen_threads\": " + std::to_string(Eigen::nbThreads());
  auto serial = [&] { return Mat(a * b + c * d); };
  serial();  // warm-up
  auto [ss, expected] = timed(serial, repeat);
  emit("matrix_tree", "eigen-serial", ss, 3, 1, extra);
  weft_matrix(a, b, c, d);
  auto [ws, wr] = timed([&] { return weft_matrix(a, b, c, d); }, repeat);
  check(weft::get(wr).isApprox(expected), "matrix weft");
  emit("matrix_tree", "weft-threads", ws, 3, p.workers, extra);
  tbb_matrix(p.arena, a, b, c, d);
  auto [ts, tr] = timed([&] { return tbb_matrix(p.arena, a, b, c, d); }, repeat);
  check(tr.isApprox(expected), "matrix tbb");
  emit("matrix_tree", "tbb", ts, 3, p.workers, extra);
}

}  // namespace

void run_tree_reduce(const Options& o);  // tree_reduce.cpp: it needs no Eigen

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse_args(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft_peers: %s\n", e.what());
    return 2;
  }
  std::fprintf(stderr, "weft_peers: %d CPUs\n", cpus());
  for (const std::string& w : o.workloads) {
    std::fprintf(stderr, "%s:\n", w.c_str());
    if (w == "noop_100k") run_noop(o);
    if (w == "sleeps16") run_sleeps(o);
    if (w == "matrix_tree") run_matrix(o);
    if (w == "tree_reduce_100k") run_tree_reduce(o);
    std::fprintf(stderr, "  (peak RSS so far %ld MiB)\n", peak_rss_mib());
  }
  return 0;
}
