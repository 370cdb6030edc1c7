#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ and runs each for a bounded time
# over its seed corpus (tests/fuzz/corpus/<target>/, read only: new inputs go to
# build-fuzz/corpus/). Exits non-zero on any crash, sanitizer report, leak, timeout or
# out-of-memory; the input that did it lands in build-fuzz/artifacts/.
# usage: run.sh [seconds per target, default 60]
#        run.sh --write-corpus   regenerates the seed corpus's valid-* and bad-* files
set -euo pipefail
cd "$(dirname "$0")/../.."
src=tests/fuzz
out=build-fuzz
cmake -S "$src" -B "$out" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$out"

if [ "${1:-}" = "--write-corpus" ]; then
  rm -f "$src"/corpus/*/valid-* "$src"/corpus/*/bad-*
  "$out/make_corpus" "$src/corpus"
  exit 0
fi

seconds=${1:-60}
mkdir -p "$out/artifacts"
for target in wire serde; do
  mkdir -p "$out/corpus/$target"
  echo "== fuzz_$target for ${seconds}s"
  # One process on one core; inputs up to 64 KiB so that out-of-band frames fit.
  "$out/fuzz_$target" "$out/corpus/$target" "$src/corpus/$target" \
    -dict="$src/weft.dict" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/${target}-" \
    2>"$out/fuzz_$target.log" || { tail -n 60 "$out/fuzz_$target.log"; exit 1; }
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|^Done" "$out/fuzz_$target.log" || true
done
