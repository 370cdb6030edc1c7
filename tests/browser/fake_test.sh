#!/usr/bin/env bash
# Serves the fake dashboard (fake_dashboard.cpp) and runs the browser check against it.
# usage: fake_test.sh FAKE_DASHBOARD SCREENSHOT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null || [[ ! -x /usr/bin/chromium ]]; then
  echo "FAIL: needs node and /usr/bin/chromium (bash scripts/install-deps.sh installs them)" >&2
  exit 1
fi
out=$(mktemp)
"$1" --seconds 120 >"$out" &
fake=$!
trap 'kill $fake 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do
  [[ -s $out ]] && break
  sleep 0.1
done
url=$(head -1 "$out")
[[ $url == http* ]] || { echo "fake_dashboard printed no URL" >&2; exit 1; }
"$here/run.sh" "$url" --workers 2 --min-done 60 --screenshot "$2" --timeout 60
