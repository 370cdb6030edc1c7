#!/usr/bin/env python3
"""The peers of bench/array_bench.cpp: (x + x.T).sum() and x.mean(axis=0) on a random normal
array, with dask.array on its threaded scheduler, and with NumPy when the whole array fits
in memory (x and x + x.T at once).

usage: array_peers.py [--peer dask|numpy] [N] [BLOCK]       (default: dask, 20000 2000)
       array_peers.py --matmul [--peer dask|numpy] [N] [BLOCK]     (default: 8000 2000)

--matmul times (a @ b).sum() of two random normal N x N arrays instead (array_bench --matmul).
NumPy's matmul is only a fair peer on OpenBLAS (libopenblas0-pthread): its BLAS is printed.

Prints lines in array_bench's format (bench/peers/array_table.py reads them). Run one peer per process, so that each peak resident
memory (getrusage ru_maxrss) is that peer's own. Run both sides with:
    build/bench/array_bench --weft-runtime=threads:2 && /usr/bin/python3 bench/peers/array_peers.py
"""
import argparse
import os
import resource
import time


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_seconds():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def timed(f):
    """Wall seconds, CPU seconds (user + system, steadier on a shared machine), value."""
    t0, c0 = time.perf_counter(), cpu_seconds()
    value = f()
    return time.perf_counter() - t0, cpu_seconds() - c0, value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", choices=["dask", "numpy"], default="dask")
    ap.add_argument("--matmul", action="store_true")
    ap.add_argument("n", nargs="?", type=int, default=None)
    ap.add_argument("block", nargs="?", type=int, default=2000)
    a = ap.parse_args()
    n, b = a.n or (8000 if a.matmul else 20000), a.block
    if a.matmul:
        return matmul(a.peer, n, b)
    if a.peer == "dask":
        import dask
        import dask.array as da

        dask.config.set(scheduler="threads", num_workers=2)
        x = da.random.RandomState(0).standard_normal((n, n), chunks=(b, b))
        t, c, v = timed(lambda: float((x + x.T).sum().compute()))
        print(f"dask sum(x+x.T) n={n} block={b}: {t:.3f} s, cpu {c:.3f} s, peak RSS {peak_rss_mb():.0f} MB (value {v:.3f})")
        t, c, m = timed(lambda: x.mean(axis=0).compute())
        print(f"dask mean(x,axis=0) n={n} block={b}: {t:.3f} s, cpu {c:.3f} s, peak RSS {peak_rss_mb():.0f} MB (first {m[0]:.6f})")
        return
    import numpy as np

    need = 3 * n * n * 8  # x, x.T's sum and a temporary
    avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    if need > avail * 0.8:
        print(f"numpy n={n}: skipped, needs {need / 2**30:.1f} GiB of {avail / 2**30:.1f} GiB free")
        return
    # Both workloads are timed with generating x, as weft and dask generate their blocks inside
    # theirs; NumPy generates x once, so without generation is shown beside.
    rng = np.random.default_rng(0)
    t_gen, c_gen, x = timed(lambda: rng.standard_normal((n, n)))
    t, c, v = timed(lambda: float((x + x.T).sum()))
    print(f"numpy sum(x+x.T) n={n}: {t + t_gen:.3f} s, cpu {c + c_gen:.3f} s, "
          f"peak RSS {peak_rss_mb():.0f} MB (with generation; {t:.3f} s without; value {v:.3f})")
    t, c, m = timed(lambda: x.mean(axis=0))
    print(f"numpy mean(x,axis=0) n={n}: {t + t_gen:.3f} s, cpu {c + c_gen:.3f} s, "
          f"peak RSS {peak_rss_mb():.0f} MB (with generation; {t:.3f} s without; first {m[0]:.6f})")


def blas_name(np):
    """The BLAS library NumPy's matmul runs on, from threadpoolctl or the loaded libraries."""
    try:
        from threadpoolctl import threadpool_info

        return ",".join(f"{i['internal_api']}:{i['num_threads']}" for i in threadpool_info()
                        if i["user_api"] == "blas") or "unknown"
    except ImportError:
        with open("/proc/self/maps") as maps:
            libs = {line.split("/")[-1].strip() for line in maps if "blas" in line}
        return ",".join(sorted(libs)) or "unknown"


def matmul(peer, n, b):
    if peer == "dask":
        import dask
        import dask.array as da

        dask.config.set(scheduler="threads", num_workers=2)
        rs = da.random.RandomState(0)
        x = rs.standard_normal((n, n), chunks=(b, b))
        y = rs.standard_normal((n, n), chunks=(b, b))
        t, c, v = timed(lambda: float((x @ y).sum().compute()))
        print(f"dask sum(a@b) n={n} block={b}: {t:.3f} s, cpu {c:.3f} s, peak RSS {peak_rss_mb():.0f} MB (value {v:.3f})")
        return
    import numpy as np

    rng = np.random.default_rng(0)
    t_gen, c_gen, (x, y) = timed(lambda: (rng.standard_normal((n, n)), rng.standard_normal((n, n))))
    t, c, v = timed(lambda: float((x @ y).sum()))
    print(f"numpy sum(a@b) n={n}: {t + t_gen:.3f} s, cpu {c + c_gen:.3f} s, peak RSS {peak_rss_mb():.0f} MB "
          f"(with generation; {t:.3f} s, cpu {c:.3f} s without; value {v:.3f}; blas {blas_name(np)})")


if __name__ == "__main__":
    main()
