#!/usr/bin/env bash
# The dashboard of a real local cluster in a real browser: examples/dashboard runs waves of
# tasks on two worker processes with its dashboard on a free port; headless Chromium
# (tests/browser/run.sh) loads the page and checks it shows 2 workers and at least 600
# completed tasks, updating live, with its task graph whole, and saves a screenshot.
# One task (transform of part 777) throws: the test follows that failure into all three
# places it is reported, with the same task, exception and worker in each: the driver's
# TaskError, the page's errors panel and the scheduler's log file.
# usage: dashboard_browser_test.sh DASHBOARD_EXAMPLE SCREENSHOT
set -u
example=$1
screenshot=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
fail() {
  echo "FAIL: $*"
  echo "--- example output:"
  cat "$work/out" 2>/dev/null
  exit 1
}
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Work for long enough that the page sees it live; the trace, report and logs land in $work.
(cd "$work" && WEFT_LOG_DIR="$work/logs" exec "$example" 0 25) >"$work/out" 2>&1 &
pid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^dashboard at \(http:.*\)$/\1/p' "$work/out" | head -1)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the example exited before serving its dashboard"
  sleep 0.1
done
[ -n "$url" ] || fail "no 'dashboard at URL' line within 10 s"
echo "dashboard at $url"

bash "$here/../browser/run.sh" "$url" --workers 2 --min-done 600 --screenshot "$screenshot" \
  --timeout 40 --error-task transform --error-message "part 777 is corrupt" |
  tee "$work/browser"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "the browser check failed"
[ -s "$screenshot" ] || fail "no screenshot at $screenshot"

wait "$pid"
code=$?
pid=""
[ "$code" -eq 0 ] || fail "the example exited with $code"
[ -s "$work/dashboard-trace.json" ] && [ -s "$work/dashboard-report.html" ] ||
  fail "the example wrote no trace or report"

# 1. The driver: the TaskError that get() threw, field by field (examples/dashboard.cpp).
failed=$(grep "^wave [0-9]* failed: " "$work/out") ||
  fail "the failing wave's error did not reach the driver"
[ "$(printf '%s\n' "$failed" | wc -l)" -eq 1 ] || fail "expected one failed wave: $failed"
fields='^wave [0-9]* failed: \([^ ]*\) raised \([^ ]*\) on \([^:]*\): \(.*\)$'
task=$(printf '%s' "$failed" | sed "s/$fields/\1/")
type=$(printf '%s' "$failed" | sed "s/$fields/\2/")
worker=$(printf '%s' "$failed" | sed "s/$fields/\3/")
message=$(printf '%s' "$failed" | sed "s/$fields/\4/")
[ "$task" = transform ] && [ "$type" = std::runtime_error ] &&
  [ "$message" = "part 777 is corrupt" ] || fail "the driver's error: $failed"
[[ $worker =~ ^worker-[0-9]+@[^\ ]+\ thread-[0-9]+$ ]] || fail "the driver's worker: $worker"
echo "driver: $task raised $type on $worker: $message"

# 2. The page's errors panel, as the browser check read it from the DOM.
grep -qxF "errors panel: task $task raised $type on $worker: $message" "$work/browser" ||
  fail "the errors panel does not list the driver's error: $(grep '^errors panel' "$work/browser")"

# 3. The log of the scheduler, which records the cluster's task errors.
log=$(ls "$work"/logs/scheduler-*.log 2>/dev/null) || fail "no scheduler log in $work/logs"
line="[scheduler] [warning] task '$task' failed on $worker: $type: $message"
grep -qF "$line" "$log" || fail "the scheduler's log lacks \"$line\": $(grep failed "$log")"
echo "scheduler log: $(grep -F "$line" "$log")"
echo "PASS: dashboard in Chromium, screenshot at $screenshot; one failure in all three places"
