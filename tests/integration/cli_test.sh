#!/usr/bin/env bash
# The weft CLI with real processes on loopback: a scheduler, a worker that loads the
# example's library of tasks (--load), a worker that is the client's own binary
# (WEFT_ROLE=worker), the client connected to them, status, --help, bad arguments, and a
# shutdown after which no process is left.
# usage: cli_test.sh WEFT_CLI CLUSTER_CLIENT TASKS_LIBRARY MISMATCH_CLIENT MISMATCH_LIBRARY
#                    BAD_PEER
set -uo pipefail
weft=$1 client=$2 tasks=$3 mismatch_client=$4 mismatch_tasks=$5 bad_peer=$6
work=$(mktemp -d)
pids=()
# shellcheck source=process_lib.sh
source "$(dirname "$0")/process_lib.sh"
trap stop_processes EXIT
trap 'exit 130' INT TERM

# expect_code CODE CMD...: runs CMD, checks its exit code, keeps its stderr in $work/err.
expect_code() {
  local want=$1 got
  shift
  "$@" >"$work/out" 2>"$work/err"
  got=$?
  [[ $got == "$want" ]] || fail "'$*' exited with $got, expected $want: $(cat "$work/err")"
}

# --- the cluster key: every process below finds it in WEFT_KEY.
expect_code 0 "$weft" keygen --out "$work/cluster.key"
[[ $(stat -c %a "$work/cluster.key") == 600 ]] || fail "the key file is not mode 600"
expect_code 1 "$weft" keygen --out "$work/cluster.key"
grep -q 'exists; --force replaces it' "$work/err" || fail "keygen overwrote a key"
export WEFT_KEY=$work/cluster.key
expect_code 0 "$weft" keygen --out "$work/other.key"
# A scheduler needs a key, or --insecure.
WEFT_KEY= expect_code 1 "$weft" scheduler --host 127.0.0.1 --port 0
grep -q 'no cluster key' "$work/err" || fail "a scheduler started without a key: $(cat "$work/err")"

# --- scheduler on a free loopback port; the address comes from its one line of output.
start_scheduler --host 127.0.0.1 --port 0 --heartbeat-timeout 5
[[ $addr =~ ^tcp://127\.0\.0\.1:[0-9]+$ ]] || fail "not a loopback address: '$addr'"
echo "scheduler at $addr"

# --- two workers, the two ways a worker gets the user's functions.
"$weft" worker --scheduler "$addr" --nthreads 1 --memory-limit 256MiB --name cli-loaded \
  --resources via_load=1 --load "$tasks" >"$work/worker1.log" 2>&1 &
worker1=$!
pids+=("$worker1")
WEFT_ROLE=worker WEFT_SCHEDULER=$addr WEFT_NTHREADS=1 "$client" >"$work/worker2.log" 2>&1 &
worker2=$!
pids+=("$worker2")

for ((i = 0; i < 200; i++)); do
  "$weft" status "$addr" --timeout 2 >"$work/status.out" 2>&1 && grep -q '^workers: 2$' \
    "$work/status.out" && break
  sleep 0.05
done
grep -q '^workers: 2$' "$work/status.out" ||
  fail "2 workers did not join: $(cat "$work/status.out")"
grep -q 'cli-loaded' "$work/status.out" || fail "status lacks the worker's --name"
grep -q "loaded $tasks\|loaded ./" "$work/worker1.log" || fail "worker 1 did not report its --load"
grep -q 'memory limit: 268435456 bytes' "$work/worker1.log" || fail "--memory-limit 256MiB"

# --- the client: a map, a tree reduction, and slow tasks that must spread over both.
timeout 60 "$client" --weft-runtime="connect:$addr" >"$work/client.out" 2>"$work/client.log" ||
  fail "the client failed ($?): $(cat "$work/client.out")"
cat "$work/client.out"
grep -qx "runtime: connect:$addr" "$work/client.out" || fail "client runtime"
grep -qx 'sum of squares of 0..99: 328350' "$work/client.out" || fail "wrong sum"
grep -q '^16 tasks ran in 2 process(es):' "$work/client.out" ||
  fail "tasks did not use both workers"
grep -q " $worker1@" "$work/client.out" || fail "no task ran on the --load worker ($worker1)"
grep -q " $worker2@" "$work/client.out" || fail "no task ran on the client-binary worker ($worker2)"

# --- strangers: another key, no key at all, a key file others can read. Each is refused
# (the scheduler logs it) and no task of theirs runs.
WEFT_KEY=$work/other.key expect_code 1 "$weft" status "$addr" --timeout 1
grep -q 'no answer from a scheduler.*cluster.s key' "$work/err" || fail "other key: $(cat "$work/err")"
expect_code 1 "$weft" status "$addr" --insecure --timeout 1
cp "$work/cluster.key" "$work/open.key" && chmod 644 "$work/open.key"
WEFT_KEY=$work/open.key expect_code 1 "$weft" status "$addr"
grep -q 'readable by other users' "$work/err" || fail "an open key file: $(cat "$work/err")"
WEFT_KEY=$work/other.key timeout 60 "$client" --weft-runtime="connect:$addr" \
  >"$work/stranger.out" 2>&1 && fail "a client with another key ran: $(cat "$work/stranger.out")"
grep -q 'did not answer' "$work/stranger.out" || fail "stranger: $(cat "$work/stranger.out")"
grep -q 'refused a connection' "$work/scheduler.log" || fail "the scheduler logged no refusal"

# --- a member speaking garbage: refused message by message, dropped, the scheduler goes on.
timeout 30 "$bad_peer" "$addr" >"$work/bad.out" 2>&1 || fail "bad peer: $(cat "$work/bad.out")"
[[ $(grep -c 'refused a malformed message' "$work/scheduler.log") -ge 5 ]] ||
  fail "the scheduler did not refuse every malformed message: $(cat "$work/scheduler.log")"

expect_code 0 "$weft" status "$addr"
cat "$work/out"
grep -q '^workers: 2$' "$work/out" || fail "status after the client: $(cat "$work/out")"
grep -q '^clients: 0$' "$work/out" || fail "the client did not leave"
grep -q '^tasks: ' "$work/out" || fail "status lacks tasks"
grep -q '^tasks: queued 0, processing 0, memory 0, other 0,' "$work/out" ||
  fail "tasks left behind (a stranger's?): $(cat "$work/out")"

# --- the scheduler's dashboard (on by default: port 8787, or a free one when taken): its
# /metrics parses as Prometheus text and counts the workers and the client's tasks.
dashboard=$(sed -n 's/^dashboard at //p' "$work/scheduler.out")
[[ $dashboard =~ ^http://127.0.0.1:[0-9]+/$ ]] || fail "no dashboard line: $(cat "$work/scheduler.out")"
/usr/bin/python3 - "${dashboard}metrics" >"$work/metrics.out" 2>&1 <<'PY' ||
import sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families
text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
           for f in text_string_to_metric_families(text) for s in f.samples}
workers = samples[("weft_workers", ())]
done = samples[("weft_tasks_finished_total", (("state", "done"),))]
print(f"metrics: {workers:.0f} workers, {done:.0f} tasks done")
assert workers == 2 and done > 0, text
PY
  fail "the dashboard's /metrics: $(cat "$work/metrics.out")"
cat "$work/metrics.out"

# --- --help of every command, and bad arguments: a clear message and a non-zero code.
for cmd in "" scheduler worker status shutdown keygen; do
  expect_code 0 "$weft" $cmd --help
  grep -q '^Usage: weft' "$work/out" || fail "weft $cmd --help: $(cat "$work/out")"
done
expect_code 0 "$weft" worker --help
for opt in --scheduler --nthreads --memory-limit --host --resources --load --name --key \
  --insecure --log-level --log-dir; do
  grep -q -- "$opt" "$work/out" || fail "worker --help lacks $opt"
done
expect_code 2 "$weft"
expect_code 2 "$weft" bogus
expect_code 2 "$weft" worker
grep -q 'scheduler is required' "$work/err" || fail "missing --scheduler: $(cat "$work/err")"
expect_code 2 "$weft" worker --scheduler "$addr" --memory-limit 4XB
grep -q 'memory-limit' "$work/err" || fail "bad --memory-limit: $(cat "$work/err")"
expect_code 2 "$weft" worker --scheduler "$addr" --resources gpu=lots
grep -q "bad resource 'gpu=lots'" "$work/err" || fail "bad --resources: $(cat "$work/err")"
expect_code 2 "$weft" worker --scheduler "$addr" --host 0.0.0.0
expect_code 2 "$weft" worker --scheduler "not an address"
expect_code 2 "$weft" worker --scheduler "$addr" --nthreads -1
expect_code 2 "$weft" scheduler --port 70000
expect_code 2 "$weft" status
expect_code 2 "$weft" status "$addr" --timeout 0
expect_code 1 "$weft" worker --scheduler "$addr" --load "$work/no-such-lib.so"
grep -q "cannot load '$work/no-such-lib.so': .*No such file" "$work/err" ||
  fail "a missing library: $(cat "$work/err")"
echo "not an ELF file" >"$work/garbage.so"
expect_code 1 "$weft" worker --scheduler "$addr" --load "$work/garbage.so"
grep -q "cannot load '$work/garbage.so'" "$work/err" || fail "a bad library: $(cat "$work/err")"
# Sizes are decimal (GB) or binary (MiB); with no scheduler the worker gives up (code 3).
expect_code 3 "$weft" worker --scheduler 127.0.0.1:1 --memory-limit 1.5GB --lost-after 0.2
grep -q 'joining tcp://127.0.0.1:1 .*memory limit: 1500000000 bytes' "$work/out" ||
  fail "--memory-limit 1.5GB: $(cat "$work/out")"
# --log-dir and --log-level: the worker that gave up says why in its own file.
expect_code 3 "$weft" worker --scheduler 127.0.0.1:1 --lost-after 0.2 --log-level error \
  --log-dir "$work/cli-logs"
grep -q '\[error\] lost the scheduler at tcp://127.0.0.1:1' "$work"/cli-logs/worker-*.log ||
  fail "--log-dir: $(ls "$work/cli-logs"; cat "$work"/cli-logs/*)"
expect_code 2 "$weft" scheduler --log-level loud
expect_code 1 "$weft" status tcp://127.0.0.1:1 --timeout 0.3
grep -q 'no answer from a scheduler at tcp://127.0.0.1:1 within 0.3 s' "$work/err" ||
  fail "status of nothing: $(cat "$work/err")"
expect_code 1 "$weft" scheduler --host 127.0.0.1 --port "${addr##*:}"
grep -q 'cannot listen' "$work/err" || fail "a port in use: $(cat "$work/err")"

# --- a function declared otherwise by the caller and by the worker's library: refused
# before its arguments are decoded, with an error that says so.
"$weft" worker --scheduler "$addr" --nthreads 1 --resources mismatch=1 \
  --load "$mismatch_tasks" >"$work/worker3.log" 2>&1 &
worker3=$!
pids+=("$worker3")
timeout 60 "$mismatch_client" --weft-runtime="connect:$addr" >"$work/mismatch.out" 2>&1 ||
  fail "the mismatched call was not refused: $(cat "$work/mismatch.out")"
grep -q "refused: task 'scale' on .* raised weft::SerdeError: .*other argument or result types" \
  "$work/mismatch.out" || fail "mismatch: $(cat "$work/mismatch.out")"

# --- shutdown stops the scheduler and the workers, each with exit code 0.
expect_code 0 "$weft" shutdown "$addr"
grep -q 'with its 3 worker(s)' "$work/out" || fail "shutdown: $(cat "$work/out")"
for p in "$scheduler" "$worker1" "$worker2" "$worker3"; do
  wait_exit "$p" 10
  code=$?
  [[ $code == 0 ]] || fail "process $p ended with $code after shutdown (124: still running)"
done
expect_code 1 "$weft" shutdown "$addr" --timeout 0.3

# --- SIGTERM and SIGINT stop a scheduler cleanly.
for sig in TERM INT; do
  # Else the wait below may find the previous scheduler's line and signal this one before it
  # blocks the signal; a background job of a script even starts with SIGINT ignored.
  rm -f "$work/sig.out"
  "$weft" scheduler --host 127.0.0.1 --port 0 >"$work/sig.out" 2>"$work/sig.log" &
  pids+=("$!")
  for ((i = 0; i < 200; i++)); do grep -qs listening "$work/sig.out" && break; sleep 0.05; done
  kill -"$sig" "$!"
  wait_exit "$!" 5 || fail "SIG$sig: the scheduler exited with $? (124: still running)"
done
echo "cli test: ok"
