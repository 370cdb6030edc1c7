# Helpers for the tests that start processes (sourced by cli_test.sh, chaos_test.sh and
# netns_test.sh).
# REQUIRES: $work, a directory whose *.log files are shown on failure; $weft, the CLI; and
# pids, an array of the processes started.

fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.log; do [[ -s $f ]] && { echo "--- $f" >&2; cat "$f" >&2; }; done
  exit 1
}

# A child that exited is a zombie until waited for, and kill -0 still reaches a zombie.
gone() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) || return 0; [[ $s == Z* ]]; }

# wait_exit PID SECONDS: waits for PID to exit; returns its exit code, 124 on timeout.
wait_exit() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    if gone "$1"; then
      wait "$1"
      return $?
    fi
    sleep 0.05
  done
  return 124
}

# For `trap stop_processes EXIT`: whatever happened, no process of the test outlives it.
stop_processes() {
  local p
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}

# Makes a cluster key and exports WEFT_KEY, so that every process started after uses it.
use_new_cluster_key() {
  "$weft" keygen --out "$work/cluster.key" >/dev/null || fail "weft keygen"
  export WEFT_KEY=$work/cluster.key
}

# start_scheduler ARGS...: starts `weft scheduler ARGS` in the background and waits for the
# address it prints; sets $scheduler (its pid) and $addr.
start_scheduler() {
  local i
  "$weft" scheduler "$@" >"$work/scheduler.out" 2>"$work/scheduler.log" &
  scheduler=$!
  pids+=("$scheduler")
  for ((i = 0; i < 200; i++)); do
    grep -q '^scheduler listening on ' "$work/scheduler.out" && break
    gone "$scheduler" && fail "the scheduler exited: $(cat "$work/scheduler.log")"
    sleep 0.05
  done
  addr=$(sed -n 's/^scheduler listening on //p' "$work/scheduler.out")
  [[ $addr =~ ^tcp://[0-9.]+:[0-9]+$ ]] || fail "no scheduler address: '$addr'"
}
