#!/usr/bin/python3
"""Markdown table of weft's per-task overhead against oneTBB, from task_overhead_bench.

Reads the JSON that Google Benchmark writes with
  --benchmark_out=FILE --benchmark_out_format=json --benchmark_repetitions=R
and prints, per benchmark WORKLOAD/VARIANT, the median ns per task, the run-to-run
spread (coefficient of variation) and the ratio to the workload's TBB task_group
variant: (variant ns/task) / (tbb_task_group ns/task). Above 1 means slower than TBB.
Without repetitions, the single run stands for the median. Stdlib only.

Usage: /usr/bin/python3 bench/overhead_table.py overhead.json
"""

import json
import sys


def medians(doc):
    """{(workload, variant): (ns_per_task, cv or None)}, in benchmark order."""
    rows, cvs = {}, {}
    for b in doc["benchmarks"]:
        parts = b["run_name"].split("/")
        key = (parts[0], parts[1])
        agg = b.get("aggregate_name")
        if b.get("run_type") == "aggregate" and agg == "cv":
            # The cv of items/s: a relative spread, the same for ns/task.
            cvs[key] = b.get("items_per_second")
        elif agg == "median" or (b.get("run_type") == "iteration"
                                 and key not in rows):
            rows[key] = 1e9 / b["items_per_second"]
    return {k: (ns, cvs.get(k)) for k, ns in rows.items()}


# task_overhead_bench's order; interleaved runs write rows in random order.
ORDER = ["spawn_wait_10k", "fan_out_100k", "chain_100k", "tree_100k"]


def sort_key(key):
    workload, variant = key
    rank = ORDER.index(workload) if workload in ORDER else len(ORDER)
    return (rank, workload, not variant.startswith("weft"), variant)


def table(rows):
    lines = ["| workload | variant | ns/task (median) | spread (cv) "
             "| vs TBB task_group |", "|---|---|---:|---:|---:|"]
    for workload, variant in sorted(rows, key=sort_key):
        ns, cv = rows[(workload, variant)]
        base = next((v[0] for (w, name), v in rows.items()
                     if w == workload and name.startswith("tbb_task_group")),
                    None)
        ratio = f"{ns / base:.2f}x" if base else "n/a"
        spread = f"{cv:.0%}" if cv is not None else "n/a"
        lines.append(f"| {workload} | {variant} | {ns:.1f} | {spread} "
                     f"| {ratio} |")
    return "\n".join(lines)


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    with open(argv[0]) as f:
        print(table(medians(json.load(f))))


if __name__ == "__main__":
    main(sys.argv[1:])
