#!/usr/bin/python3
"""Markdown table of weft's per-task overhead against oneTBB, from task_overhead_bench.

Reads the JSON that Google Benchmark writes with
  --benchmark_out=FILE --benchmark_out_format=json --benchmark_repetitions=R
(with every repetition in it: use --benchmark_display_aggregates_only, not
--benchmark_report_aggregates_only) and prints, per benchmark WORKLOAD/VARIANT,
the median and the best ns per task over the repetitions, and their ratios to
the workload's TBB task_group variant: (variant ns/task) / (tbb_task_group
ns/task); above 1 means slower than TBB. On a shared machine load only ever adds
time, so the best is the least disturbed estimate; the median is the typical
one. Stdlib only.

Usage: /usr/bin/python3 bench/overhead_table.py overhead.json
"""

import json
import statistics
import sys

# task_overhead_bench's order; interleaved runs write rows in random order.
ORDER = ["spawn_wait_10k", "fan_out_100k", "chain_100k", "tree_100k"]


def samples(doc):
    """{(workload, variant): [ns per task of each repetition]}."""
    out = {}
    for b in doc["benchmarks"]:
        if b.get("run_type") != "iteration" or "items_per_second" not in b:
            continue
        workload, variant = b["run_name"].split("/")[:2]
        out.setdefault((workload, variant), []).append(1e9 / b["items_per_second"])
    return out


def sort_key(key):
    workload, variant = key
    rank = ORDER.index(workload) if workload in ORDER else len(ORDER)
    return (rank, workload, not variant.startswith("weft"), variant)


def table(rows):
    lines = ["| workload | variant | ns/task median | ns/task best "
             "| vs TBB task_group (median) | vs TBB task_group (best) |",
             "|---|---|---:|---:|---:|---:|"]
    for workload, variant in sorted(rows, key=sort_key):
        ns = rows[(workload, variant)]
        base = next((v for (w, name), v in rows.items()
                     if w == workload and name.startswith("tbb_task_group")),
                    None)
        med, best = statistics.median(ns), min(ns)
        if base:
            ratios = (f"{med / statistics.median(base):.2f}x",
                      f"{best / min(base):.2f}x")
        else:
            ratios = ("n/a", "n/a")
        lines.append(f"| {workload} | {variant} | {med:.1f} | {best:.1f} "
                     f"| {ratios[0]} | {ratios[1]} |")
    return "\n".join(lines)


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    with open(argv[0]) as f:
        rows = samples(json.load(f))
    if not rows:
        sys.exit("overhead_table.py: no repetitions in the JSON (was "
                 "--benchmark_report_aggregates_only given?)")
    print(table(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
