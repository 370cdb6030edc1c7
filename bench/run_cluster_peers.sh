#!/usr/bin/env bash
# Builds cluster_bench if needed, runs weft's processes runtime (bench/cluster_bench) and the
# same measurements with Dask distributed (bench/peers/cluster_peers.py), each with 2 worker
# processes of 1 thread on this machine, and prints the Markdown table. About 2 minutes on
# 2 cores (1 GiB arrays included).
#
# Usage: bench/run_cluster_peers.sh [--quick] [--max-bytes B] [--out DIR]
#   --quick         smoke test: fewer tasks, arrays up to 64 MiB (~30 s)
#   --max-bytes B   largest array, e.g. 64M (default 1G)
#   --out DIR       keep the raw JSON lines there (default: a temporary directory)
# Environment: WEFT_BENCH_BUILD (build dir, default build-bench).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${WEFT_BENCH_BUILD:-$root/build-bench}
# Debian's python3 has dask distributed and numpy; a pyenv python3 on PATH would not.
py=/usr/bin/python3
out=""
flags=()
while (($#)); do
  case "$1" in
    --out) out=$2; shift ;;
    --quick) flags+=(--quick) ;;
    --max-bytes) flags+=(--max-bytes "$2"); shift ;;
    *) echo "run_cluster_peers.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$out" ]]; then out=$(mktemp -d); fi
mkdir -p "$out"

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_EXAMPLES=OFF >&2
fi
ninja -C "$build" -j2 cluster_bench >&2

# guard: a hung run fails the script instead of stalling it.
source "$root/bench/peers/run_lib.sh"

machine_line >&2
guard 150 "$build/bench/cluster_bench" "${flags[@]}" >"$out/weft.jsonl"
guard 240 "$py" "$root/bench/peers/cluster_peers.py" "${flags[@]}" >"$out/dask.jsonl"

echo "## Processes runtime vs Dask distributed"
echo
"$py" "$root/bench/peers/cluster_table.py" "$out/weft.jsonl" "$out/dask.jsonl"
echo "raw results in $out" >&2
