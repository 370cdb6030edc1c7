// tree_reduce_100k for weft_peers: the pairwise (binary tree) sum of N arrays of 1000
// doubles, N - 1 add tasks each making a new array, as np.add does in peers.py.
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <utility>
#include <vector>

#include "harness.hpp"
#include "weft/weft.hpp"

namespace {

using namespace weft_peers;
using Vec = std::vector<double>;
constexpr std::size_t kLen = 1000;

Vec add(const double* x, const double* y) {
  Vec out(kLen);
  for (std::size_t k = 0; k < kLen; ++k) out[k] = x[k] + y[k];
  return out;
}
Vec add_vecs(const Vec& x, const Vec& y) { return add(x.data(), y.data()); }

Vec serial(const std::vector<const double*>& xs) {
  Vec total(xs[0], xs[0] + kLen);
  for (std::size_t i = 1; i < xs.size(); ++i) {
    for (std::size_t k = 0; k < kLen; ++k) total[k] += xs[i][k];
  }
  return total;
}

// The graph peers.py builds for Dask, level by level (graph building is timed): adds of
// pairs, an odd one out carried to the next level. Waits for the root, returns its Ref.
weft::Ref<Vec> weft_tree(const std::vector<const double*>& xs) {
  std::vector<weft::Ref<Vec>> level;
  for (std::size_t i = 0; i + 1 < xs.size(); i += 2)
    level.push_back(weft::remote(add, xs[i], xs[i + 1]));
  if (xs.size() % 2 == 1) level.push_back(weft::put(Vec(xs.back(), xs.back() + kLen)));
  while (level.size() > 1) {
    std::vector<weft::Ref<Vec>> next;
    next.reserve(level.size() / 2 + 1);
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(weft::remote(add_vecs, level[i], level[i + 1]));
    }
    if (level.size() % 2 == 1) next.push_back(level.back());
    level = std::move(next);
  }
  weft::get(level[0]);
  return level[0];
}

// TBB's natural form: recursive halving, one half spawned, the other run inline; one add
// per inner node, so N - 1 adds as well. A single input is used in place, not copied.
struct Part {
  Vec owned;
  const double* data = nullptr;
};

Part tbb_tree(const std::vector<const double*>& xs, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) return {{}, xs[lo]};
  const std::size_t mid = lo + (hi - lo) / 2;
  Part a, b;
  tbb::task_group tg;
  tg.run([&] { a = tbb_tree(xs, lo, mid); });
  b = tbb_tree(xs, mid, hi);
  tg.wait();
  Part out{add(a.data, b.data)};
  out.data = out.owned.data();  // survives moves of `out`: a moved vector keeps its buffer
  return out;
}

Vec tbb_sum(tbb::task_arena& arena, const std::vector<const double*>& xs) {
  Part p = arena.execute([&] { return tbb_tree(xs, 0, xs.size()); });
  return p.owned.empty() ? Vec(p.data, p.data + kLen) : std::move(p.owned);
}

// numpy.allclose with its default tolerances.
bool allclose(const Vec& a, const Vec& b) {
  for (std::size_t k = 0; k < kLen; ++k) {
    if (std::abs(a[k] - b[k]) > 1e-8 + 1e-5 * std::abs(b[k])) return false;
  }
  return true;
}

}  // namespace

void run_tree_reduce(const Options& o) {
  const auto n = static_cast<std::size_t>(o.tree_n);
  Vec data(n * kLen);
  std::mt19937_64 rng(o.seed);
  std::normal_distribution<double> normal;
  for (double& x : data) x = normal(rng);
  std::vector<const double*> xs(n);
  for (std::size_t i = 0; i < n; ++i) xs[i] = data.data() + i * kLen;
  const long adds = o.tree_n - 1;
  const std::vector<const double*> warm(xs.begin(), xs.begin() + 64);  // as peers.py

  auto [ss, expected] = timed([&] { return serial(xs); }, o.repeat);
  emit("tree_reduce_100k", "cpp-serial", ss, adds, 1);

  Pools p(cpus());
  weft_tree(warm);
  auto [ws, wr] = timed([&] { return weft_tree(xs); }, o.repeat);
  check(allclose(weft::get(wr), expected), "tree weft");
  emit("tree_reduce_100k", "weft-threads", ws, adds, p.workers);

  tbb_sum(p.arena, warm);
  auto [ts, tr] = timed([&] { return tbb_sum(p.arena, xs); }, o.repeat);
  check(allclose(tr, expected), "tree tbb");
  emit("tree_reduce_100k", "tbb", ts, adds, p.workers);
}
