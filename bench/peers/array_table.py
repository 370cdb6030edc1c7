#!/usr/bin/python3
"""One Markdown table of bench/array_bench and bench/peers/array_peers.py, with issue 5's bars.

Reads their lines, "<peer> <workload> n=N ...: T s, cpu C s, peak RSS M MB (...)" with peer
weft, dask or numpy, from the files given (or stdin), and prints one row per workload: each
peer's wall time, CPU time and peak RSS, and the peers' figures over weft's. Then the bars:
(x + x.T).sum() at least 2x faster than dask.array with peak RSS no higher, and matmul
within 1.3x of NumPy (by wall time, and by CPU time, steadier on a loaded machine).
Peak RSS is the process's high-water mark, so mean's covers the sum run before it.
A line of "numpy ...: skipped" leaves NumPy's cells empty; a workload without weft's or
dask's figures is an error (exit status 1, after the table). Stdlib only.

Usage: /usr/bin/python3 bench/peers/array_table.py weft.txt dask.txt numpy.txt
"""
import fileinput
import re
import sys

LINE = re.compile(r"^(weft|dask|numpy) (\S+) n=(\d+)[^:]*: ([\d.]+) s, cpu ([\d.]+) s, "
                  r"peak RSS (\d+) MB")
PEERS = ("weft", "dask", "numpy")


def read(paths):
    """{(workload, n): {peer: (wall, cpu, rss)}}, workloads in order of first appearance."""
    rows = {}
    for line in fileinput.input(paths):
        m = LINE.match(line)
        if m:
            peer, workload, n = m.group(1), m.group(2), int(m.group(3))
            rows.setdefault((workload, n), {})[peer] = tuple(float(g) for g in m.group(4, 5, 6))
    return rows


def cell(figures):
    return "" if figures is None else f"{figures[0]:.1f} s / {figures[1]:.1f} s / {figures[2]:.0f} MB"


def ratio(peer, weft, i):
    return "" if peer is None or weft is None else f"{peer[i] / weft[i]:.2f}x"


def table(rows):
    lines = ["| workload | weft | dask.array | NumPy | dask ÷ weft time | dask ÷ weft RSS "
             "| NumPy ÷ weft time | NumPy ÷ weft RSS |", "|---|---|---|---|---:|---:|---:|---:|"]
    for (workload, n), by in rows.items():
        weft, dask, numpy = (by.get(p) for p in PEERS)
        lines.append(f"| {workload} {n}² | {cell(weft)} | {cell(dask)} | {cell(numpy)} "
                     f"| {ratio(dask, weft, 0)} | {ratio(dask, weft, 2)} "
                     f"| {ratio(numpy, weft, 0)} | {ratio(numpy, weft, 2)} |")
    return "\n".join(lines) + "\n\nCells: wall time / CPU time (user + system) / peak RSS."


def verdicts(rows):
    out = []
    for (workload, n), by in rows.items():
        weft, dask, numpy = (by.get(p) for p in PEERS)
        if workload == "sum(x+x.T)" and weft and dask:
            ok = dask[0] >= 2 * weft[0] and weft[2] <= dask[2]
            out.append(f"- sum {n}²: {dask[0] / weft[0]:.2f}x faster than dask.array, peak RSS "
                       f"{weft[2]:.0f} vs {dask[2]:.0f} MB: bar (2x, RSS no higher) "
                       f"{'met' if ok else 'not met'}")
        if workload == "sum(a@b)" and weft and numpy:
            wall, cpu = weft[0] / numpy[0], weft[1] / numpy[1]
            out.append(f"- matmul {n}²: weft takes {wall:.2f}x NumPy's wall time, {cpu:.2f}x its "
                       f"CPU time: bar (within 1.3x) {'met' if wall <= 1.3 else 'not met'} "
                       f"by wall time, {'met' if cpu <= 1.3 else 'not met'} by CPU time")
    return "\n".join(out)


def main():
    rows = read(sys.argv[1:])
    if not rows:
        sys.exit("array_table.py: no benchmark lines read")
    print(table(rows))
    print()
    print(verdicts(rows))
    missing = [f"{w} {n}: {p}" for (w, n), by in rows.items() for p in PEERS[:2] if p not in by]
    if missing:
        sys.exit("array_table.py: no figures for " + ", ".join(missing))


if __name__ == "__main__":
    main()
