#!/usr/bin/env bash
# Builds array_bench if needed, runs issue 5's array workloads with weft (bench/array_bench,
# threads:2), dask.array (threaded, 2 workers) and NumPy (bench/peers/array_peers.py), one
# process per peer and workload group so each peak RSS is its own, and prints one Markdown
# table with the bars' verdicts: (x + x.T).sum() and x.mean(axis=0) on 20000² float64 in
# 2000² chunks, (a @ b).sum() on 8000². About 4 minutes on 2 cores; NumPy needs ~10 GB free
# for 20000² (array_peers.py skips it otherwise).
#
# Usage: bench/run_array_peers.sh [--quick] [--out DIR]
#   --quick     smoke run: 4000² in 1000² chunks, matmul 2000² in 500² chunks
#   --out DIR   keep the raw lines there (default: a temporary directory)
# Environment: WEFT_BENCH_BUILD (build dir, default build); WEFT_ARRAY_BENCH (an array_bench
# binary to run as it is, without building: the ctest's way).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${WEFT_BENCH_BUILD:-$root/build}
# Debian's python3 has dask and numpy; a pyenv python3 on PATH would not.
py=/usr/bin/python3
sum_sizes=(20000 2000)
matmul_sizes=(8000 2000)
limit=600
out=""
while (($#)); do
  case "$1" in
    --quick) sum_sizes=(4000 1000) matmul_sizes=(2000 500) limit=60 ;;
    --out) out=$2; shift ;;
    *) echo "run_array_peers.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$out" ]]; then out=$(mktemp -d); fi
mkdir -p "$out"

array_bench=${WEFT_ARRAY_BENCH:-}
if [[ -z "$array_bench" ]]; then
  if [[ ! -f "$build/build.ninja" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEFT_BUILD_BENCH=ON \
      -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_EXAMPLES=OFF >&2
  fi
  ninja -C "$build" -j2 array_bench >&2
  array_bench=$build/bench/array_bench
fi

source "$root/bench/peers/run_lib.sh"
machine_line | tee "$out/machine.txt" >&2
bench=("$array_bench" --weft-runtime=threads:2)
peers=("$py" "$root/bench/peers/array_peers.py")
guard "$limit" "${bench[@]}" "${sum_sizes[@]}" >"$out/weft.txt"
guard "$limit" "${bench[@]}" --matmul "${matmul_sizes[@]}" >>"$out/weft.txt"
for peer in dask numpy; do
  guard "$limit" "${peers[@]}" --peer "$peer" "${sum_sizes[@]}" >"$out/$peer.txt"
  guard "$limit" "${peers[@]}" --peer "$peer" --matmul "${matmul_sizes[@]}" >>"$out/$peer.txt"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt" >&2

echo "## Arrays: weft vs dask.array and NumPy"
echo
"$py" "$root/bench/peers/array_table.py" "$out/weft.txt" "$out/dask.txt" "$out/numpy.txt"
echo "raw results in $out" >&2
