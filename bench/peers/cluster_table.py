#!/usr/bin/python3
"""Markdown table of weft's processes runtime against Dask distributed.

Reads the JSON lines of bench/cluster_bench (peer "weft-processes", and "zeromq"
for the raw transport's round trip) and of bench/peers/cluster_peers.py (peer
"dask-distributed") from the files given,
or stdin if none ("-" also means stdin). Lines that are not such JSON objects
are skipped; if a (workload, peer) pair appears more than once, the fastest
is kept.

One row per measurement, weft then Dask, and "Dask / weft": how many times
longer Dask takes, per task for no-op tasks (so that runs of different N
compare), per operation otherwise. Above 1 means weft is faster. Stdlib only.

Usage:
  /usr/bin/python3 bench/peers/cluster_table.py weft.jsonl dask.jsonl
"""

import fileinput
import json
import sys

WEFT = "weft-processes"
DASK = "dask-distributed"
ZEROMQ = "zeromq"  # cluster_bench's raw ZeroMQ round trip: the floor of an actor call
SIZES = ("1KiB", "1MiB", "64MiB", "1GiB")


def read_rows(paths):
    """Fastest row per (workload, peer)."""
    best = {}
    for line in fileinput.input(paths):
        try:
            row = json.loads(line)
            key = (str(row["workload"]), str(row["peer"]))
            seconds = float(row["seconds"])
        except (ValueError, TypeError, KeyError):
            continue  # not one of our JSON lines
        if seconds <= 0:
            continue
        per = seconds / max(1, int(row.get("tasks", 0)))
        old = best.get(key)
        if old is None or per < old[0]:
            best[key] = (per, row)
    return {key: row for key, (_, row) in best.items()}


def fmt_time(seconds):
    """3 significant digits with a unit: 40 ns, 177 us, 50.4 ms, 2.12 s."""
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            text = f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
            return f"{text} {unit}"
    raise AssertionError


def already_local(row):
    """All runs found the value in the client before get() (eager fetch)."""
    return int(row.get("already_local", 0)) > 0 and \
        int(row["already_local"]) >= int(row.get("samples", row["already_local"]))


def fmt_transfer(row):
    seconds, nbytes = float(row["seconds"]), int(row["bytes"])
    if already_local(row):
        return f"{fmt_time(seconds)} (already fetched)"
    rate = nbytes / seconds / 1e9
    if rate >= 100:
        rate_text = f"{rate:,.0f} GB/s"
    elif rate >= 0.1:
        rate_text = f"{rate:.3g} GB/s"
    else:
        rate_text = f"{rate * 1e3:.2g} MB/s"
    return f"{fmt_time(seconds)} ({rate_text})"


def fmt_ratio(x):
    return f"{x:,.0f}x" if x >= 10 else f"{x:.2f}x"


def measurements(rows):
    """(label, workload, how to show a row, seconds of a row to compare)."""
    per_task = lambda r: float(r["seconds"]) / int(r["tasks"])  # noqa: E731
    seconds = lambda r: float(r["seconds"])  # noqa: E731
    best = lambda r: float(r.get("min_seconds", r["seconds"]))  # noqa: E731
    out = []

    def noop_label():
        ns = [f"{name} N = {rows[(w, p)]['tasks']:,}"
              for w, p, name in (("noop_tasks", WEFT, "weft"),
                                 ("noop_tasks", DASK, "Dask"))
              if (w, p) in rows]
        return "no-op tasks end to end, tasks/s (best of runs; " + ", ".join(ns) + ")"

    out.append((noop_label(), "noop_tasks",
                lambda r: f"{int(r['tasks']) / float(r['seconds']):,.0f}", per_task))
    samples = ""
    for peer in (WEFT, DASK):
        if ("startup", peer) in rows and "samples" in rows[("startup", peer)]:
            samples += ("" if not samples else "/") + str(rows[("startup", peer)]["samples"])
    out.append((f"start-up until ready (median of {samples or '?'})", "startup",
                lambda r: fmt_time(float(r["seconds"])), seconds))
    out.append(("start-up until ready (best)", "startup",
                lambda r: fmt_time(best(r)), best))
    out.append(("round trip `get(remote(noop, i))` / `submit(noop, i).result()` (median)",
                "round_trip", lambda r: fmt_time(float(r["seconds"])), seconds))
    out.append(("actor call round trip (median)", "actor_call",
                 lambda r: fmt_time(float(r["seconds"])), seconds))
    out.append(("actor calls pipelined, calls/s", "actor_pipelined",
                lambda r: f"{int(r['tasks']) / float(r['seconds']):,.0f}", per_task))
    for size in SIZES:
        out.append((f"put / scatter {size} (best)", f"put_{size}", fmt_transfer, seconds))
        out.append((f"get / result() of a finished {size} task (best)", f"get_{size}",
                    fmt_transfer, seconds))
        out.append((f"get of a finished {size} task as `ArrayView` (no decode copy)",
                    f"get_view_{size}", fmt_transfer, seconds))
    return out


def table(rows):
    lines = ["| measurement (2 worker processes, 1 thread each) | weft `processes:2` "
             "| Dask distributed | Dask / weft |",
             "|---|---:|---:|---:|"]
    for label, workload, show, compare in measurements(rows):
        weft, dask = rows.get((workload, WEFT)), rows.get((workload, DASK))
        if weft is None and dask is None:
            continue
        ratio = "n/a"
        if weft is not None and dask is not None and not already_local(weft):
            ratio = fmt_ratio(compare(dask) / compare(weft))
        lines.append(f"| {label} | {show(weft) if weft else '-'} | "
                     f"{show(dask) if dask else '-'} | {ratio} |")
    floor, weft = rows.get(("actor_call", ZEROMQ)), rows.get(("actor_call", WEFT))
    if floor is not None:
        lines.append(f"| raw ZeroMQ round trip, same run (the transport's floor; median) | "
                     f"{fmt_time(float(floor['seconds']))} | - | n/a |")
        if weft is not None:
            lines.append("")
            lines.append("weft's actor call round trip is "
                         f"{float(weft['seconds']) / float(floor['seconds']):.2f}x the raw "
                         "ZeroMQ round trip measured in the same run.")
    return "\n".join(lines)


def main(argv=None):
    paths = sys.argv[1:] if argv is None else argv
    rows = read_rows(paths)
    if not rows:
        sys.exit("cluster_table.py: no benchmark JSON lines read")
    print(table(rows))


if __name__ == "__main__":
    main()
