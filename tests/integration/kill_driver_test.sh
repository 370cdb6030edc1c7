#!/usr/bin/env bash
# A program on the processes runtime is killed with SIGKILL: its scheduler and workers
# must not outlive it.
# Usage: kill_driver_test.sh PATH/TO/cluster_driver
set -euo pipefail
driver=$1
out=$(mktemp)
trap 'rm -f "$out"; [[ -n "${pid:-}" ]] && kill -9 "$pid" 2>/dev/null || true' EXIT

"$driver" --weft-runtime=processes:2 >"$out" &
pid=$!
for _ in $(seq 100); do
  grep -q '^ready' "$out" && break
  sleep 0.1
done
grep -q "^ready $pid result 42$" "$out" || { echo "driver did not get ready: $(cat "$out")"; exit 1; }

children=$(pgrep -P "$pid" | tr '\n' ' ')
count=$(echo "$children" | wc -w)
[[ $count -eq 3 ]] || { echo "expected 3 child processes (scheduler, 2 workers), found: $children"; exit 1; }
echo "driver $pid with children $children; sending SIGKILL"

kill -9 "$pid"
wait "$pid" 2>/dev/null || true
for _ in $(seq 50); do
  alive=""
  for c in $children; do
    if kill -0 "$c" 2>/dev/null && [[ $(ps -o stat= -p "$c" | cut -c1) != Z ]]; then alive+="$c "; fi
  done
  [[ -z "$alive" ]] && { echo "no process left behind"; exit 0; }
  sleep 0.1
done
echo "still alive 5 s after the driver was killed: $alive"
exit 1
