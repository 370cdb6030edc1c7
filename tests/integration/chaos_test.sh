#!/usr/bin/env bash
# Chaos: 100,000 tasks on 3 workers (weft CLI, loopback) while a random worker is killed
# with SIGKILL every second and a new one started. The result must equal the serial one;
# the test prints how many workers were killed and what the scheduler redid.
# usage: chaos_test.sh WEFT_CLI CHAOS_CLIENT TASKS_LIBRARY [SPIN]
set -uo pipefail
weft=$1 client=$2 tasks=$3 spin=${4:-10000}
work=$(mktemp -d)
pids=()
# shellcheck source=process_lib.sh
source "$(dirname "$0")/process_lib.sh"
trap stop_processes EXIT
trap 'exit 130' INT TERM
use_new_cluster_key
start_scheduler --host 127.0.0.1 --port 0 --heartbeat-timeout 3

started=0
start_worker() {
  started=$((started + 1))
  "$weft" worker --scheduler "$addr" --nthreads 1 --name "chaos-$started" --load "$tasks" \
    >"$work/worker-$started.out" 2>&1 &
  pids+=("$!")
  workers+=("$!")
}
workers=()
for _ in 1 2 3; do start_worker; done
# Three live workers again, replacing the dead (one the scheduler wrongly declared lost
# would have stopped).
replace_dead_workers() {
  local alive=() w
  for w in "${workers[@]}"; do gone "$w" || alive+=("$w"); done
  workers=("${alive[@]}")
  while ((${#workers[@]} < 3)); do start_worker; done
}

timeout 300 "$client" --weft-runtime="connect:$addr" "$spin" >"$work/client.out" \
  2>"$work/client.log" &
client_pid=$!
pids+=("$client_pid")

# The killer: every second, SIGKILL a random live worker and start a new one, until the
# client has its result (it then checks it serially, with no need of workers).
kills=0 pause=0.5
while ! gone "$client_pid" && ! grep -q '^result:' "$work/client.out"; do
  sleep "$pause"
  pause=1
  gone "$client_pid" && break
  grep -q '^result:' "$work/client.out" && break
  victim=${workers[RANDOM % ${#workers[@]}]}
  kill -KILL "$victim" 2>/dev/null && kills=$((kills + 1))
  wait "$victim" 2>/dev/null
  replace_dead_workers
done
wait_exit "$client_pid" 300
code=$?
cat "$work/client.out"
[[ $code == 0 ]] || fail "the client exited with $code"
grep -qx 'chaos: ok' "$work/client.out" || fail "wrong result"
grep -qx 'tasks: 100000' "$work/client.out" || fail "not 100,000 tasks"

"$weft" status "$addr" >"$work/status.out" 2>&1 || fail "status: $(cat "$work/status.out")"
stat() { sed -n "s/^tasks: .*$1 \([0-9]*\).*/\1/p" "$work/status.out"; }
lost=$(stat 'workers lost') reassigned=$(stat reassigned) retried=$(stat retried)
recomputed=$(stat recomputed)
echo "chaos report: workers killed $kills (lost by the scheduler: $lost), tasks reassigned" \
  "$reassigned, retried $retried, objects recomputed $recomputed"
((kills >= 2)) || fail "only $kills kill(s): the job ended too soon to test anything"
((lost >= 1)) || fail "the scheduler lost no worker: $(cat "$work/status.out")"
((reassigned + recomputed > 0)) || fail "no task was redone: $(cat "$work/status.out")"
# A task that kills whichever worker runs it: given up after the third death, with an
# error naming the three workers, while dead workers are replaced.
timeout 60 "$client" --weft-runtime="connect:$addr" die >"$work/die.out" 2>"$work/die.log" &
client_pid=$!
pids+=("$client_pid")
while ! gone "$client_pid"; do
  replace_dead_workers
  sleep 0.1
done
wait_exit "$client_pid" 1
code=$?
# Its last deaths can come after the loop's last look (three within 5 ms were seen): the
# jobs below need live workers.
replace_dead_workers
cat "$work/die.out"
[[ $code == 0 ]] || fail "the die client exited with $code"
grep -q "^killed-worker: task 'die' on chaos-[0-9]*, chaos-[0-9]*, chaos-[0-9]* raised weft::KilledWorkerError: worker died while running the task (3 times)" \
  "$work/die.out" || fail "no KilledWorkerError naming 3 workers"

# --- a job given up on, by cancelling it and by its client dying: nothing may be left.
for how in cancel abandon; do
  timeout 60 "$client" --weft-runtime="connect:$addr" "$how" >"$work/$how.out" 2>&1 ||
    fail "the $how client failed: $(cat "$work/$how.out")"
  cat "$work/$how.out"
  for ((i = 0; i < 300; i++)); do
    "$weft" status "$addr" >"$work/status.out" 2>&1
    grep -q '^tasks: queued 0, processing 0, memory 0, other 0,' "$work/status.out" &&
      grep -q '^objects in memory: 0 B$' "$work/status.out" && break
    sleep 0.1
  done
  grep -q '^tasks: queued 0, processing 0, memory 0, other 0,' "$work/status.out" ||
    fail "tasks left after '$how': $(cat "$work/status.out")"
  grep -q '^objects in memory: 0 B$' "$work/status.out" ||
    fail "objects left after '$how': $(cat "$work/status.out")"
  grep -q '^clients: 0$' "$work/status.out" || fail "the client stayed after '$how'"
done
echo "given-up jobs: nothing left"

"$weft" shutdown "$addr" >/dev/null 2>&1 || fail "shutdown"
echo "chaos test: ok"
