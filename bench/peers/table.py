#!/usr/bin/python3
"""Markdown table comparing weft with its peers, from benchmark JSON lines.

Reads JSON lines such as those printed by peers.py and by weft's C++ peer
benchmark (peer "weft-threads", maybe "tbb"):
  {"workload": ..., "peer": ..., "seconds": float, "tasks": int}
from the files given, or stdin if none ("-" also means stdin). Lines that are
not such JSON objects are skipped. If a (workload, peer) pair appears more
than once, its best time per task is kept.

Prints one row per (workload, peer): seconds, tasks, tasks/s, and how many
times slower the peer is than weft-threads on that workload, normalised by
task count: (peer seconds / peer tasks) / (weft seconds / weft tasks).
Stdlib only.

Usage:
  /usr/bin/python3 bench/peers/table.py [FILE ...] > table.md
  e.g. cat weft.jsonl peers.jsonl | /usr/bin/python3 bench/peers/table.py
"""

import fileinput
import json
import sys

BASELINE = "weft-threads"


def read_rows(paths):
    """Best row per (workload, peer), in order of first appearance."""
    best = {}
    for line in fileinput.input(paths):
        try:
            row = json.loads(line)
            key = (str(row["workload"]), str(row["peer"]))
            seconds, tasks = float(row["seconds"]), int(row["tasks"])
        except (ValueError, TypeError, KeyError):
            continue  # not one of our JSON lines
        if seconds <= 0 or tasks <= 0:
            continue
        old = best.get(key)
        if old is None or seconds / tasks < old[0] / old[1]:
            best[key] = (seconds, tasks)
    return best


def table(best):
    workloads = list(dict.fromkeys(w for w, _ in best))
    lines = ["| workload | peer | seconds | tasks | tasks/s | vs " + BASELINE
             + " |", "|---|---|---:|---:|---:|---:|"]
    for workload in workloads:
        peers = [p for w, p in best if w == workload]
        peers.sort(key=lambda p: p != BASELINE)  # weft first, then as read
        base = best.get((workload, BASELINE))
        for peer in peers:
            seconds, tasks = best[(workload, peer)]
            ratio = "n/a"
            if base:
                ratio = f"{(seconds / tasks) / (base[0] / base[1]):.2f}x"
            lines.append(f"| {workload} | {peer} | {seconds:.4g} | {tasks} "
                         f"| {tasks / seconds:,.0f} | {ratio} |")
    return "\n".join(lines)


def main(argv=None):
    paths = sys.argv[1:] if argv is None else argv
    best = read_rows(paths)
    if not best:
        sys.exit("table.py: no benchmark JSON lines read")
    print(table(best))


if __name__ == "__main__":
    main()
