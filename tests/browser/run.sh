#!/usr/bin/env bash
# Runs the dashboard's browser check (dashboard_check.mjs) with the given arguments,
# installing its node modules (package-lock.json) on first use.
# usage: run.sh URL --workers N --min-done M --screenshot PATH [--timeout S]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -d $here/node_modules/playwright-core ]]; then
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi
exec node "$here/dashboard_check.mjs" "$@"
