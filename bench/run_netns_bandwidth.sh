#!/usr/bin/env bash
# Put/get bandwidth between two hosts: two network namespaces joined by a veth pair (root
# needed), a worker on each, the program on the second. Runs tests/integration/netns_test.sh
# with WEFT_NETNS_BENCH_MAX set and prints its bandwidth lines.
# Usage: bench/run_netns_bandwidth.sh [MAX_BYTES]   (default 1 GiB)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WEFT_BENCH_BUILD:-$root/build}
ninja -C "$build" weft_cli netns_client weft_test_netns_tasks >&2
WEFT_NETNS_BENCH_MAX=${1:-1073741824} bash "$root/tests/integration/netns_test.sh" \
  "$build/tools/weft" "$build/tests/netns_client" "$build/tests/libweft_test_netns_tasks.so" |
  grep '^netns-bandwidth'
