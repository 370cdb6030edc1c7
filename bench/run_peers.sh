#!/usr/bin/env bash
# Builds the benchmarks if needed, runs weft's peer workloads in C++ (weft-threads, tbb)
# and in Python (Dask, joblib), prints the Markdown table, then the per-task overhead of
# weft against oneTBB. About 4 minutes on 2 cores.
#
# Usage: bench/run_peers.sh [--no-overhead] [--out DIR] [PEER FLAGS...]
#   --no-overhead   skip task_overhead_bench
#   --out DIR       keep the raw results there (default: a temporary directory)
#   PEER FLAGS      passed to both weft_peers and peers.py: --quick, --workloads W,...,
#                   --noop-n N, --tree-n N, --repeat R, --seed S
# Environment: WEFT_BENCH_BUILD (build dir, default build-bench), WEFT_BENCH_REPS
# (task_overhead_bench repetitions for medians, default 10).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${WEFT_BENCH_BUILD:-$root/build-bench}
reps=${WEFT_BENCH_REPS:-10}
# Debian's python3 has dask, joblib and numpy; a pyenv python3 on PATH would not.
py=/usr/bin/python3
overhead=1
out=""
peer_flags=()
while (($#)); do
  case "$1" in
    --no-overhead) overhead=0 ;;
    --out) out=$2; shift ;;
    *) peer_flags+=("$1") ;;
  esac
  shift
done
if [[ -z "$out" ]]; then out=$(mktemp -d); fi
mkdir -p "$out"

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_EXAMPLES=OFF >&2
fi
ninja -C "$build" weft_peers task_overhead_bench >&2

# guard: a hung run fails the script instead of stalling it (see "Known issues" in
# docs/benchmarks.md: weft's ThreadPool::wait can lose a wake-up).
source "$root/bench/peers/run_lib.sh"

machine_line >&2
guard 120 "$build/bench/weft_peers" "${peer_flags[@]}" >"$out/weft.jsonl"
"$py" "$root/bench/peers/peers.py" "${peer_flags[@]}" >"$out/peers.jsonl"

echo "## Peer workloads"
echo
"$py" "$root/bench/peers/table.py" "$out/weft.jsonl" "$out/peers.jsonl"

if ((overhead)); then
  # Interleaved repetitions, so that load from other processes hits weft and TBB alike.
  guard 300 "$build/bench/task_overhead_bench" --benchmark_repetitions="$reps" --benchmark_min_time=0.2 \
    --benchmark_enable_random_interleaving=true --benchmark_display_aggregates_only=true \
    --benchmark_out="$out/overhead.json" --benchmark_out_format=json >&2
  echo
  echo "## Per-task overhead, weft vs oneTBB ($reps interleaved repetitions)"
  echo
  "$py" "$root/bench/overhead_table.py" "$out/overhead.json"
fi
echo "raw results in $out" >&2
