#!/usr/bin/python3
"""bench/cluster_bench's measurements with Dask distributed on the same machine.

A LocalCluster of 2 worker processes with 1 thread each (processes=True, no
dashboard) and a Client, as weft's `processes:2`:

  noop_tasks    N no-op tasks: client.map(noop, range(N), pure=False), then
                client.gather; best of --repeat. Dask runs about a thousand
                tasks a second here, so N defaults to 5,000 (weft: 100,000);
                compare tasks/s.
  startup       LocalCluster(...) + Client(cluster) until both return (every
                worker has joined), --startup-repeat times, closing both in
                between; "seconds" is the median, "min_seconds" the best. The
                first start in the process pays Python's imports (done before
                timing here).
  round_trip    client.submit(noop, i, pure=False).result(), sequentially,
                after a warm-up; median and min seconds.
  put_SIZE      client.scatter(array) of SIZE bytes (float64, as weft's
                put of a vector<double>), then a task summing it
                ("read_seconds": submit to result).
  get_SIZE      a task makes a float64 array of SIZE bytes on a worker;
                after distributed.wait (the result stays on the worker),
                future.result() is timed.

Scatter and gather go the default way (through the scheduler, direct=None).
SIZE is 1KiB, 1MiB, 64MiB and 1GiB (--max-bytes, or --quick for 64 MiB).
Bandwidth rows report the best of several runs ("median_seconds" too) and
carry "bytes". Results are checked.

Output: one JSON object per line on stdout, as bench/cluster_bench prints:
  {"workload": ..., "peer": "dask-distributed", "seconds": float,
   "tasks": int, "workers": 2, ...extras}
Progress goes to stderr. bench/peers/cluster_table.py makes the table.

Usage:
  /usr/bin/python3 bench/peers/cluster_peers.py [--quick]
      [--workloads noop_tasks,startup,round_trip,bandwidth] [--noop-n N]
      [--repeat R] [--startup-repeat K] [--round-trips M] [--max-bytes B]
"""

import argparse
import json
import logging
import os
import statistics
import sys
import time

PEER = "dask-distributed"
WORKERS = 2
WORKLOADS = ("noop_tasks", "startup", "round_trip", "actor", "bandwidth")
SIZES = (1 << 10, 1 << 20, 64 << 20, 1 << 30)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def emit(workload, seconds, tasks=0, **extra):
    row = {"workload": workload, "peer": PEER, "seconds": round(seconds, 9),
           "tasks": tasks, "workers": WORKERS, **extra}
    print(json.dumps(row), flush=True)


def size_label(n):
    if n >= 1 << 30:
        return f"{n >> 30}GiB"
    if n >= 1 << 20:
        return f"{n >> 20}MiB"
    return f"{n >> 10}KiB"


def parse_bytes(text):
    units = {"": 1, "K": 1 << 10, "KiB": 1 << 10, "M": 1 << 20,
             "MiB": 1 << 20, "G": 1 << 30, "GiB": 1 << 30}
    digits = text.rstrip("KMGiB")
    return int(digits) * units[text[len(digits):]]


# --- the tasks (module level, so worker processes can unpickle them) ---

def noop(i):
    return i


def make_array(n):
    import numpy as np
    return np.ones(n)


def sum_array(a):
    return float(a.sum())


def start_cluster():
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1,
                           processes=True, dashboard_address=None)
    return cluster, Client(cluster)


def stop_cluster(cluster, client):
    client.close()
    cluster.close()


def run_startup(opts):
    ready, stop = [], []
    for _ in range(opts.startup_repeat):
        start = time.perf_counter()
        cluster, client = start_cluster()
        ready.append(time.perf_counter() - start)
        assert client.submit(noop, 7, pure=False).result() == 7
        start = time.perf_counter()
        stop_cluster(cluster, client)
        stop.append(time.perf_counter() - start)
    emit("startup", statistics.median(ready), min_seconds=min(ready),
         max_seconds=max(ready), samples=len(ready),
         shutdown_median_seconds=statistics.median(stop))
    log(f"  startup     median {statistics.median(ready) * 1e3:8.1f} ms  "
        f"min {min(ready) * 1e3:8.1f} ms  ({len(ready)} runs; shutdown "
        f"{statistics.median(stop) * 1e3:.0f} ms)")


def run_noop(client, opts):
    n = opts.noop_n
    expected = list(range(n))
    client.gather(client.map(noop, range(min(n, 100)), pure=False))  # warm-up
    times = []
    for _ in range(opts.repeat):
        start = time.perf_counter()
        futures = client.map(noop, range(n), pure=False)
        got = client.gather(futures)
        times.append(time.perf_counter() - start)
        assert got == expected, "noop results differ"
        del futures
    emit("noop_tasks", min(times), n, median_seconds=statistics.median(times))
    log(f"  noop_tasks  {n} tasks: best {min(times):.3f} s = "
        f"{n / min(times):.0f} tasks/s (median {n / statistics.median(times):.0f})")


def run_round_trip(client, opts):
    for i in range(20):  # warm-up
        client.submit(noop, i, pure=False).result()
    times = []
    for i in range(opts.round_trips):
        start = time.perf_counter()
        got = client.submit(noop, i, pure=False).result()
        times.append(time.perf_counter() - start)
        assert got == i, "round trip"
    emit("round_trip", statistics.median(times), opts.round_trips,
         min_seconds=min(times))
    log(f"  round_trip  median {statistics.median(times) * 1e6:.0f} us  "
        f"min {min(times) * 1e6:.0f} us  ({opts.round_trips})")


class Counter:
    """The actor of the actor workload: Dask actors (client.submit(..., actor=True))."""

    def __init__(self):
        self.total = 0

    def add(self, n):
        self.total += n
        return self.total


def run_actor(client, opts):
    counter = client.submit(Counter, actor=True).result()
    for _ in range(20):  # warm-up
        counter.add(1).result()
    times = []
    for _ in range(opts.round_trips):
        start = time.perf_counter()
        counter.add(1).result()
        times.append(time.perf_counter() - start)
    emit("actor_call", statistics.median(times), opts.round_trips, min_seconds=min(times))
    log(f"  actor_call  median {statistics.median(times) * 1e6:.0f} us")
    n = max(1, opts.noop_n // 5)
    rates = []
    for _ in range(opts.repeat):
        start = time.perf_counter()
        futures = [counter.add(1) for _ in range(n)]
        totals = [f.result() for f in futures]
        rates.append(time.perf_counter() - start)
        # Dask runs an actor's calls on a thread pool, so pipelined calls may complete
        # out of order; only their count is checked.
        assert len(set(totals)) == n, "every actor call ran once"
    emit("actor_pipelined", min(rates), n, median_seconds=statistics.median(rates))
    log(f"  actor_pipelined  {n} calls: {n / min(rates):.0f} calls/s")


def bandwidth_repeat(nbytes):
    if nbytes <= 1 << 20:
        return 10
    if nbytes <= 64 << 20:
        return 5
    return 3


def bandwidth_row(workload, nbytes, times, **extra):
    emit(workload, min(times), bytes=nbytes, samples=len(times),
         median_seconds=statistics.median(times), **extra)
    log(f"  {workload:16s} best {min(times) * 1e3:10.3f} ms  "
        f"{nbytes / min(times) / 1e9:8.3f} GB/s  "
        f"(median {statistics.median(times) * 1e3:.3f} ms)")


def run_put(client, nbytes):
    import numpy as np
    n = nbytes // 8
    put_times, read_times = [], []
    for _ in range(bandwidth_repeat(nbytes)):
        data = np.ones(n)  # not timed
        start = time.perf_counter()
        future = client.scatter(data, hash=False)  # a fresh key each run
        put_times.append(time.perf_counter() - start)
        del data
        start = time.perf_counter()
        total = client.submit(sum_array, future, pure=False).result()
        read_times.append(time.perf_counter() - start)
        assert total == n, "sum of the scattered array"
        del future
    bandwidth_row(f"put_{size_label(nbytes)}", nbytes, put_times,
                  read_seconds=min(read_times))


def run_get(client, nbytes):
    from distributed import wait
    n = nbytes // 8
    times = []
    for _ in range(bandwidth_repeat(nbytes)):
        future = client.submit(make_array, n, pure=False)
        wait(future)  # done on the worker; the array has not moved
        start = time.perf_counter()
        local = future.result()
        times.append(time.perf_counter() - start)
        assert local.shape == (n,) and local[n // 2] == 1.0, "array"
        del future, local
    bandwidth_row(f"get_{size_label(nbytes)}", nbytes, times)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workloads", default=",".join(WORKLOADS),
                   help="comma-separated subset of: " + ",".join(WORKLOADS))
    p.add_argument("--quick", action="store_true",
                   help="smoke test: N = 1,000, arrays up to 64 MiB")
    p.add_argument("--noop-n", type=int, default=5_000,
                   help="no-op tasks (default 5,000)")
    p.add_argument("--repeat", type=int, default=3,
                   help="no-op runs, best reported (default 3)")
    p.add_argument("--startup-repeat", type=int, default=5,
                   help="cluster starts (default 5)")
    p.add_argument("--round-trips", type=int, default=300,
                   help="sequential round trips (default 300)")
    p.add_argument("--max-bytes", type=parse_bytes, default=1 << 30,
                   help="largest array, e.g. 64M (default 1G)")
    opts = p.parse_args(argv)
    opts.workloads = [w for w in opts.workloads.split(",") if w]
    unknown = set(opts.workloads) - set(WORKLOADS)
    if unknown:
        p.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    if opts.quick:
        opts.noop_n = min(opts.noop_n, 1_000)
        opts.max_bytes = min(opts.max_bytes, 64 << 20)
        opts.startup_repeat = min(opts.startup_repeat, 2)
        opts.round_trips = min(opts.round_trips, 100)
    return opts


def main(argv=None):
    opts = parse_args(argv)
    # As peers.py: one BLAS thread per process (nothing here uses BLAS, but
    # numpy's sum must not start threads of its own).
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    logging.getLogger("distributed").setLevel(logging.ERROR)
    import distributed  # noqa: F401  (imports are not part of start-up time)
    import numpy  # noqa: F401
    log(f"cluster_peers: dask distributed {distributed.__version__}, "
        f"{WORKERS} worker processes of 1 thread")
    if "startup" in opts.workloads:
        run_startup(opts)
    cluster, client = start_cluster()
    try:
        if "noop_tasks" in opts.workloads:
            run_noop(client, opts)
        if "round_trip" in opts.workloads:
            run_round_trip(client, opts)
        if "actor" in opts.workloads:
            run_actor(client, opts)
        if "bandwidth" in opts.workloads:
            for nbytes in SIZES:
                if nbytes > opts.max_bytes:
                    break
                run_put(client, nbytes)
                run_get(client, nbytes)
    finally:
        stop_cluster(cluster, client)


if __name__ == "__main__":  # worker processes import this module: keep the guard
    main()
