#!/usr/bin/python3
"""Peer benchmarks: the weft workloads run with Dask and joblib.

Measures wall-clock time of the same four workloads that weft's C++ benchmarks
run, so that weft's per-task overhead and parallel speed-up can be compared
with the Python task libraries people would otherwise use:

  noop_100k         N independent no-op tasks (default N = 100,000): pure
                    scheduling overhead per task.
  sleeps16          16 sleep tasks (9.9 s of sleeping in total) on 16 workers:
                    ideal wall time is the longest sleep, 1.5 s.
  matrix_tree       (A @ B) + (C @ D) for four 1000x1000 normal matrices, the
                    two products in parallel: 3 coarse tasks.
  tree_reduce_100k  pairwise (binary tree) sum of N arrays of 1000 doubles
                    (default N = 100,000): N - 1 small add tasks.

Peers: "dask-threaded" (dask.delayed, scheduler="threads"), "joblib-threading",
"joblib-loky" and, where it makes sense, "numpy-serial" (a plain loop, the
single-core baseline). joblib-loky auto-batches calls (batch_size="auto"), so
its no-op rate is that of thousands of calls per pickled batch, not of
individually scheduled tasks; joblib-threading does not batch. Every peer runs
a small warm-up first so that thread or process pool start-up is not timed;
graph building is timed. Each peer is timed --repeat times (default 3;
matrix_tree at least 10) and the best time is reported. Results are checked
against a serial computation.

Output: one JSON object per line on stdout,
  {"workload": ..., "peer": ..., "seconds": float, "tasks": int,
   "workers": int}
matrix_tree rows also carry "blas_threads". "tasks" is the number of tasks
actually run, so rates compare across sizes. Progress goes to stderr. Feed
the output to table.py.

Usage:
  /usr/bin/python3 bench/peers/peers.py [--workloads noop_100k,sleeps16,...]
      [--quick] [--noop-n N] [--loky-noop-n N] [--tree-n N]
      [--blas-threads T] [--repeat R] [--seed S]
"""

import argparse
import json
import os
import sys
import time

WORKLOADS = ("noop_100k", "sleeps16", "matrix_tree", "tree_reduce_100k")
SLEEPS = [0.1, 0.2, 0.1, 0.5, 0.7, 0.9, 0.5, 0.4,
          1.5, 1.3, 1.0, 0.3, 0.7, 0.6, 0.3, 0.8]
CPUS = os.cpu_count()


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def emit(workload, peer, seconds, tasks, workers, **extra):
    row = {"workload": workload, "peer": peer, "seconds": round(seconds, 6),
           "tasks": tasks, "workers": workers, **extra}
    print(json.dumps(row), flush=True)
    log(f"  {peer:18s} {seconds:9.3f} s  {tasks:7d} tasks  "
        f"{tasks / seconds:12.0f} tasks/s")


def timed(fn, repeat):
    """Best wall time of `repeat` calls of fn, and the last result."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def noop(i):
    return i


def sleep(s):
    time.sleep(s)
    return s


# --- the three task runners, each maps fn over args with `workers` workers ---

def dask_map(fn, args, workers):
    import dask
    tasks = [dask.delayed(fn)(a) for a in args]
    return list(dask.compute(*tasks, scheduler="threads", num_workers=workers))


def joblib_map(backend):
    def run(fn, args, workers):
        from joblib import Parallel, delayed
        return Parallel(n_jobs=workers, backend=backend)(
            delayed(fn)(a) for a in args)
    return run


MAPPERS = {
    "dask-threaded": dask_map,
    "joblib-threading": joblib_map("threading"),
    "joblib-loky": joblib_map("loky"),
}


def bench_map(workload, fn, args_for, workers, sizes, check, repeat):
    """Time each peer mapping fn over args_for(n), after a small warm-up."""
    for peer, mapper in MAPPERS.items():
        n = sizes[peer]
        args = args_for(n)
        mapper(fn, args_for(min(n, 2 * workers)), workers)  # warm-up pools
        seconds, result = timed(lambda: mapper(fn, args, workers),
                                repeat)
        check(result, args)
        emit(workload, peer, seconds, len(args), workers)


def run_noop(opts):
    sizes = {"dask-threaded": opts.noop_n, "joblib-threading": opts.noop_n,
             "joblib-loky": opts.loky_noop_n or opts.noop_n}

    def check(result, args):
        assert result == list(args), "noop results differ"
    bench_map("noop_100k", noop, range, CPUS, sizes, check, opts.repeat)


def run_sleeps(opts):
    sizes = dict.fromkeys(MAPPERS, len(SLEEPS))

    def check(result, args):
        assert result == args, "sleep results differ"
    bench_map("sleeps16", sleep, lambda n: SLEEPS[:n], 16, sizes, check,
              opts.repeat)


def run_matrix(opts):
    import dask
    import numpy as np
    from joblib import Parallel, delayed

    rng = np.random.default_rng(opts.seed)
    a, b, c, d = (rng.standard_normal((1000, 1000)) for _ in range(4))
    extra = {"blas_threads": opts.blas_threads}
    repeat = max(opts.repeat, 10)  # ~50 ms a run, and noisy

    def serial():
        return a @ b + c @ d

    def dask_tree():
        ab = dask.delayed(np.matmul)(a, b)
        cd = dask.delayed(np.matmul)(c, d)
        return dask.delayed(np.add)(ab, cd).compute(
            scheduler="threads", num_workers=CPUS)

    def joblib_tree():
        ab, cd = Parallel(n_jobs=2, backend="threading")(
            delayed(np.matmul)(x, y) for x, y in ((a, b), (c, d)))
        return ab + cd

    serial()  # warm-up BLAS
    seconds, expected = timed(serial, repeat)
    emit("matrix_tree", "numpy-serial", seconds, 3, 1, **extra)
    for peer, fn in (("dask-threaded", dask_tree),
                     ("joblib-threading", joblib_tree)):
        fn()
        seconds, result = timed(fn, repeat)
        assert np.allclose(result, expected), f"{peer}: wrong matrix"
        emit("matrix_tree", peer, seconds, 3, CPUS, **extra)


def run_tree_reduce(opts):
    import dask
    import numpy as np
    from joblib import Parallel, delayed

    n = opts.tree_n
    rng = np.random.default_rng(opts.seed)
    arrays = list(rng.standard_normal((n, 1000)))  # n views, 1000 doubles each

    def serial(xs):
        total = xs[0].copy()
        for x in xs[1:]:
            total += x
        return total

    def dask_tree(xs):
        level = list(xs)
        add = dask.delayed(np.add, pure=False)
        while len(level) > 1:
            pairs = [add(level[i], level[i + 1])
                     for i in range(0, len(level) - 1, 2)]
            level = pairs + level[len(level) - len(level) % 2:]
        return level[0].compute(scheduler="threads", num_workers=CPUS)

    def joblib_tree(xs):
        level = list(xs)
        with Parallel(n_jobs=CPUS, backend="threading") as parallel:
            while len(level) > 1:
                pairs = parallel(delayed(np.add)(level[i], level[i + 1])
                                 for i in range(0, len(level) - 1, 2))
                level = pairs + level[len(level) - len(level) % 2:]
        return level[0]

    seconds, expected = timed(lambda: serial(arrays), opts.repeat)
    emit("tree_reduce_100k", "numpy-serial", seconds, n - 1, 1)
    for peer, fn in (("dask-threaded", dask_tree),
                     ("joblib-threading", joblib_tree)):
        fn(arrays[:64])  # warm-up pools
        seconds, result = timed(lambda: fn(arrays), opts.repeat)
        assert np.allclose(result, expected), f"{peer}: wrong sum"
        emit("tree_reduce_100k", peer, seconds, n - 1, CPUS)


RUNNERS = {"noop_100k": run_noop, "sleeps16": run_sleeps,
           "matrix_tree": run_matrix, "tree_reduce_100k": run_tree_reduce}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workloads", default=",".join(WORKLOADS),
                   help="comma-separated subset of: " + ",".join(WORKLOADS))
    p.add_argument("--quick", action="store_true",
                   help="smoke test: noop and tree N = 10,000, no sleeps16")
    p.add_argument("--noop-n", type=int, default=100_000,
                   help="no-op tasks per peer (default 100,000)")
    p.add_argument("--loky-noop-n", type=int, default=None,
                   help="no-op tasks for joblib-loky (default: --noop-n)")
    p.add_argument("--tree-n", type=int, default=100_000,
                   help="arrays in the tree reduction (default 100,000)")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="OpenBLAS threads per product (default 1, so the "
                        "parallelism measured is the task library's; "
                        "0 = leave OpenBLAS's default)")
    p.add_argument("--repeat", type=int, default=3,
                   help="time each peer this many times, report the best "
                        "(default 3)")
    p.add_argument("--seed", type=int, default=42)
    opts = p.parse_args(argv)
    opts.workloads = [w for w in opts.workloads.split(",") if w]
    unknown = set(opts.workloads) - set(WORKLOADS)
    if unknown:
        p.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    if opts.quick:
        opts.noop_n = min(opts.noop_n, 10_000)
        opts.tree_n = min(opts.tree_n, 10_000)
        opts.workloads = [w for w in opts.workloads if w != "sleeps16"]
    return opts


def main(argv=None):
    opts = parse_args(argv)
    if opts.blas_threads > 0:  # must be set before numpy loads OpenBLAS
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
            os.environ[var] = str(opts.blas_threads)
    log(f"peers: {CPUS} CPUs, workloads {','.join(opts.workloads)}")
    for name in opts.workloads:
        log(f"{name}:")
        RUNNERS[name](opts)


if __name__ == "__main__":
    main()
