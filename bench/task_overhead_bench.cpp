// Per-task overhead of weft's threads runtime against oneTBB, same binary, same threads.
//
// Every benchmark is named WORKLOAD/PEER and reports items_per_second with one item per
// task, so that (weft ns/task) / (tbb ns/task) is the overhead ratio. Tasks do (almost)
// nothing: what is measured is spawning, scheduling, dependency tracking and joining.
//
// Threads: weft runs "threads:N" (N workers; the main thread only submits and blocks, by
// weft's design); TBB runs in a task_arena of N slots, the main thread being one of them.
// N = the number of cores, or $WEFT_BENCH_THREADS.
#include <benchmark/benchmark.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

namespace {

tbb::task_arena* g_arena = nullptr;  // set in main, lives for the process

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("wrong result: ") + what);
}

void finish(benchmark::State& state, long tasks_per_iteration) {
  state.SetItemsProcessed(state.iterations() * tasks_per_iteration);
}

// (a) The main thread spawns a batch of empty tasks, then waits for all of them.
void weft_spawn_wait(benchmark::State& state) {
  const long n = state.range(0);
  std::vector<weft::Ref<void>> refs;
  refs.reserve(static_cast<std::size_t>(n));
  for (auto _ : state) {
    for (long i = 0; i < n; ++i) refs.push_back(weft::remote([] {}));
    for (const auto& r : refs) weft::get(r);
    refs.clear();
  }
  finish(state, n);
}

void tbb_spawn_wait(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) {
    g_arena->execute([n] {
      tbb::task_group tg;
      for (long i = 0; i < n; ++i) tg.run([] {});
      tg.wait();
    });
  }
  finish(state, n);
}

// (b) One root task spawns n children and waits for them. Counts n + 1 tasks.
void weft_fan_out(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) {
    weft::get(weft::remote([n] {
      std::vector<weft::Ref<void>> refs;
      refs.reserve(static_cast<std::size_t>(n));
      for (long i = 0; i < n; ++i) refs.push_back(weft::remote([] {}));
      for (const auto& r : refs) weft::get(r);
    }));
  }
  finish(state, n + 1);
}

void tbb_fan_out(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) {
    g_arena->execute([n] {
      tbb::task_group root;
      root.run([n] {
        tbb::task_group tg;
        for (long i = 0; i < n; ++i) tg.run([] {});
        tg.wait();
      });
      root.wait();
    });
  }
  finish(state, n + 1);
}

// (c) A chain of n tasks, each taking the previous one's result.
long inc(long x) { return x + 1; }

void weft_chain(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) {
    weft::Ref<long> r = weft::put(0L);
    for (long i = 0; i < n; ++i) r = weft::remote(inc, r);
    check(weft::get(r) == n, "weft chain");
  }
  finish(state, n);
}

// TBB has no futures, so its natural chain is continuation passing: each task runs the
// next with its result. The cheapest honest equivalent, and the headline TBB row.
struct Step {
  tbb::task_group* tg;
  long value, left;
  long* out;
  void operator()() const {
    if (left == 0) {
      *out = value;
    } else {
      tg->run(Step{tg, inc(value), left - 1, out});
    }
  }
};

void tbb_chain_spawn_next(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) {
    long out = 0;
    g_arena->execute([&] {
      tbb::task_group tg;
      tg.run(Step{&tg, 0, n, &out});
      tg.wait();
    });
    check(out == n, "tbb chain");
  }
  finish(state, n);
}

// The chain as a declared graph, like weft's: n function_nodes, built and run each time.
void tbb_chain_flow_graph(benchmark::State& state) {
  using Node = tbb::flow::function_node<long, long>;
  const long n = state.range(0);
  for (auto _ : state) {
    long out = 0;
    g_arena->execute([&] {
      tbb::flow::graph g;
      std::deque<Node> nodes;
      for (long i = 0; i < n; ++i) {
        nodes.emplace_back(g, tbb::flow::unlimited, inc);
        if (i > 0) tbb::flow::make_edge(nodes[static_cast<std::size_t>(i) - 1], nodes.back());
      }
      tbb::flow::function_node<long> sink(g, tbb::flow::serial, [&out](long v) { out = v; });
      tbb::flow::make_edge(nodes.back(), sink);
      nodes.front().try_put(0);
      g.wait_for_all();
    });
    check(out == n, "tbb flow chain");
  }
  finish(state, n);
}

// (d) Sum 0..n-1 over a binary tree: 2n - 1 tasks (n leaves, n - 1 inner nodes).
long tree_tasks(long n) { return 2 * n - 1; }

// Each inner task spawns both halves and gets them (a nested wait on a pool thread).
long weft_tree_sum(long lo, long hi) {
  if (hi - lo == 1) return lo;
  const long mid = lo + (hi - lo) / 2;
  weft::Ref<long> left = weft::remote(weft_tree_sum, lo, mid);
  weft::Ref<long> right = weft::remote(weft_tree_sum, mid, hi);
  return weft::get(left) + weft::get(right);
}

void weft_tree_recursive(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state)
    check(weft::get(weft::remote(weft_tree_sum, 0L, n)) == n * (n - 1) / 2, "tree");
  finish(state, tree_tasks(n));
}

// The same tree declared up front from the main thread: add tasks depend on two Refs.
long leaf(long i) { return i; }
long add(long a, long b) { return a + b; }
weft::Ref<long> build_tree(long lo, long hi) {
  if (hi - lo == 1) return weft::remote(leaf, lo);
  const long mid = lo + (hi - lo) / 2;
  return weft::remote(add, build_tree(lo, mid), build_tree(mid, hi));
}

void weft_tree_refs(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) check(weft::get(build_tree(0, n)) == n * (n - 1) / 2, "tree refs");
  finish(state, tree_tasks(n));
}

// Same shape as weft_tree_sum: both halves are spawned tasks, then waited for.
long tbb_tree_sum(long lo, long hi) {
  if (hi - lo == 1) return lo;
  const long mid = lo + (hi - lo) / 2;
  long a = 0, b = 0;
  tbb::task_group tg;
  tg.run([&] { a = tbb_tree_sum(lo, mid); });
  tg.run([&] { b = tbb_tree_sum(mid, hi); });
  tg.wait();
  return a + b;
}

void tbb_tree_task_group(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) {
    long sum = 0;
    g_arena->execute([&] {
      tbb::task_group tg;
      tg.run([&] { sum = tbb_tree_sum(0, n); });
      tg.wait();
    });
    check(sum == n * (n - 1) / 2, "tbb tree");
  }
  finish(state, tree_tasks(n));
}

// TBB's own reduction, split down to single leaves so it walks the same tree (it runs one
// half inline, so it spawns about half as many tasks). Counted per tree node.
void tbb_tree_parallel_reduce(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) {
    const long sum = g_arena->execute([n] {
      return tbb::parallel_reduce(
          tbb::blocked_range<long>(0, n, 1), 0L,
          [](const tbb::blocked_range<long>& r, long acc) {
            for (long i = r.begin(); i != r.end(); ++i) acc += i;
            return acc;
          },
          add, tbb::simple_partitioner());
    });
    check(sum == n * (n - 1) / 2, "parallel_reduce");
  }
  finish(state, tree_tasks(n));
}

int bench_threads() {
  if (const char* s = std::getenv("WEFT_BENCH_THREADS")) return std::max(1, std::atoi(s));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void register_all() {
  using Fn = void (*)(benchmark::State&);
  struct Entry {
    const char* name;
    Fn fn;
    long n;
  };
  const Entry entries[] = {
      {"spawn_wait_10k/weft", weft_spawn_wait, 10'000},
      {"spawn_wait_10k/tbb_task_group", tbb_spawn_wait, 10'000},
      {"fan_out_100k/weft", weft_fan_out, 100'000},
      {"fan_out_100k/tbb_task_group", tbb_fan_out, 100'000},
      {"chain_100k/weft", weft_chain, 100'000},
      {"chain_100k/tbb_task_group_spawn_next", tbb_chain_spawn_next, 100'000},
      {"chain_100k/tbb_flow_graph", tbb_chain_flow_graph, 100'000},
      {"tree_100k/weft_recursive_get", weft_tree_recursive, 100'000},
      {"tree_100k/weft_ref_graph", weft_tree_refs, 100'000},
      {"tree_100k/tbb_task_group", tbb_tree_task_group, 100'000},
      {"tree_100k/tbb_parallel_reduce", tbb_tree_parallel_reduce, 100'000},
  };
  for (const Entry& e : entries) {
    // Real time: the work happens on pool threads, not on the timing thread.
    benchmark::RegisterBenchmark(e.name, e.fn)
        ->Arg(e.n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = bench_threads();
  weft::Runtime rt = weft::init("threads:" + std::to_string(threads));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  g_arena = &arena;
  benchmark::AddCustomContext("threads", std::to_string(threads));
  benchmark::AddCustomContext("weft_runtime", rt.describe());
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
