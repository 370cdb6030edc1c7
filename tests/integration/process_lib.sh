# Helpers for the tests that start processes (sourced by cli_test.sh and netns_test.sh).
# REQUIRES: $work, a directory whose *.log files are shown on failure.

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
