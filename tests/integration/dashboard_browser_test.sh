#!/usr/bin/env bash
# The dashboard of a real local cluster in a real browser: examples/dashboard runs waves of
# tasks on two worker processes with its dashboard on a free port; headless Chromium
# (tests/browser/run.sh) loads the page and checks it shows 2 workers and at least 600
# completed tasks, updating live, and saves a screenshot.
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

# Work for long enough that the page sees it live; the trace and report land in $work.
(cd "$work" && exec "$example" 0 25) >"$work/out" 2>&1 &
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
  --timeout 40 || fail "the browser check failed"
[ -s "$screenshot" ] || fail "no screenshot at $screenshot"

wait "$pid"
code=$?
pid=""
[ "$code" -eq 0 ] || fail "the example exited with $code"
grep -q "wave [0-9]* failed: .*part 777 is corrupt" "$work/out" ||
  fail "the failing wave's error did not reach the driver"
[ -s "$work/dashboard-trace.json" ] && [ -s "$work/dashboard-report.html" ] ||
  fail "the example wrote no trace or report"
echo "PASS: dashboard in Chromium, screenshot at $screenshot"
