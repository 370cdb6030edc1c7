#!/usr/bin/env bash
# Two "hosts" as network namespaces joined by a veth pair: host A (10.77.0.1) runs the
# scheduler and worker A (resource host_a), host B (10.77.0.2) runs worker B (host_b) and
# the client. A 16 MiB object made on A is consumed on B, so it crosses hosts worker to
# worker over a real (virtual) link. Needs root and `ip netns`: else exits 77 (skipped).
# usage: netns_test.sh WEFT_CLI NETNS_CLIENT TASKS_LIBRARY
set -uo pipefail
weft=$1 client=$2 tasks=$3

skip() {
  echo "SKIP: $*"
  exit 77
}
[[ $EUID == 0 ]] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "the ip command (iproute2) is not installed"

# Unique per run, so concurrent runs do not collide (interface names: at most 15 bytes).
ns_a=weft-a-$$ ns_b=weft-b-$$ veth_a=wfa$$ veth_b=wfb$$
work=$(mktemp -d)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  # Anything else still in the namespaces too (a namespace outlives nothing, its processes do).
  for ns in "$ns_a" "$ns_b"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  done
  wait 2>/dev/null
  ip netns del "$ns_a" 2>/dev/null  # deleting a namespace also removes its veth end
  ip netns del "$ns_b" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck source=process_lib.sh
source "$(dirname "$0")/process_lib.sh"
use_new_cluster_key

# The namespaces share this machine's host name and /dev/shm, so weft would see one node and
# hand the object over in shared memory; WEFT_NODE_ID makes each namespace a node of its own.
node_a=$ns_a node_b=$ns_b
# For foreground commands only: a function run with & is a subshell, so $! would not be the
# process started (background ones call `ip netns exec`, which execs, directly).
in_a() { ip netns exec "$ns_a" "$@"; }
in_b() { ip netns exec "$ns_b" "$@"; }

ip netns add "$ns_a" 2>"$work/netns.err" || skip "ip netns add failed: $(cat "$work/netns.err")"
ip netns add "$ns_b" || fail "ip netns add $ns_b"
ip link add "$veth_a" netns "$ns_a" type veth peer name "$veth_b" netns "$ns_b" ||
  fail "cannot create a veth pair"
# host NAMESPACE VETH IP: gives the host its address and brings its links up.
host() {
  ip netns exec "$1" ip addr add "$3/24" dev "$2" && ip netns exec "$1" ip link set "$2" up &&
    ip netns exec "$1" ip link set lo up
}
host "$ns_a" "$veth_a" 10.77.0.1 || fail "cannot configure host A"
host "$ns_b" "$veth_b" 10.77.0.2 || fail "cannot configure host B"
if command -v ping >/dev/null; then
  in_b ping -c 1 -W 5 10.77.0.1 >/dev/null || fail "host B cannot reach host A"
fi

# --- host A: the scheduler and worker A. `ip netns exec` execs, so $! is the weft process.
WEFT_NODE_ID=$node_a ip netns exec "$ns_a" "$weft" scheduler --host 10.77.0.1 --port 0 \
  >"$work/scheduler.out" 2>"$work/scheduler.log" &
scheduler=$!
pids+=("$scheduler")
for ((i = 0; i < 200; i++)); do
  grep -q '^scheduler listening on ' "$work/scheduler.out" && break
  gone "$scheduler" && fail "the scheduler exited"
  sleep 0.05
done
addr=$(sed -n 's/^scheduler listening on //p' "$work/scheduler.out")
[[ $addr =~ ^tcp://10\.77\.0\.1:[0-9]+$ ]] || fail "no scheduler address: '$addr'"
echo "scheduler at $addr in $ns_a"

WEFT_NODE_ID=$node_a ip netns exec "$ns_a" "$weft" worker --scheduler "$addr" --host 10.77.0.1 \
  --nthreads 1 --resources host_a=1 --name worker-a --load "$tasks" >"$work/worker_a.log" 2>&1 &
worker_a=$!
pids+=("$worker_a")
# --- host B: worker B and, below, the client; both reach the scheduler over the veth link.
WEFT_NODE_ID=$node_b ip netns exec "$ns_b" "$weft" worker --scheduler "$addr" --host 10.77.0.2 \
  --nthreads 1 --resources host_b=1 --name worker-b --load "$tasks" >"$work/worker_b.log" 2>&1 &
worker_b=$!
pids+=("$worker_b")

for ((i = 0; i < 200; i++)); do
  in_b "$weft" status "$addr" --timeout 2 >"$work/status.out" 2>&1 &&
    grep -q '^workers: 2$' "$work/status.out" && break
  sleep 0.05
done
cat "$work/status.out"
grep -q '^workers: 2$' "$work/status.out" || fail "2 workers did not join"
grep -Eq 'worker-a +tcp://10\.77\.0\.1:' "$work/status.out" || fail "worker A's data address"
grep -Eq 'worker-b +tcp://10\.77\.0\.2:' "$work/status.out" || fail "worker B's data address"

rx_bytes() { in_b cat "/sys/class/net/$veth_b/statistics/rx_bytes"; }
rx_before=$(rx_bytes)
WEFT_NODE_ID=$node_b timeout 300 ip netns exec "$ns_b" "$client" --weft-runtime="connect:$addr" \
  >"$work/client.out" 2>"$work/client.log" ||
  fail "the client failed ($?): $(cat "$work/client.out")"
cat "$work/client.out"
grep -qx 'netns cluster: ok' "$work/client.out" || fail "wrong result"
grep -qx 'values: 2097152, sum: 524288.00' "$work/client.out" || fail "wrong values"
# Each task ran where it was pinned: the producer is worker A, the consumer worker B, each
# in its own host's namespace.
ns_of() { readlink "/proc/$1/ns/net"; }
grep -Fqx "producer: pid $worker_a $(ns_of "$worker_a")" "$work/client.out" ||
  fail "the producer did not run on worker A (pid $worker_a, $(ns_of "$worker_a"))"
grep -Fqx "consumer: pid $worker_b $(ns_of "$worker_b")" "$work/client.out" ||
  fail "the consumer did not run on worker B (pid $worker_b, $(ns_of "$worker_b"))"
[[ $(ns_of "$worker_a") != $(ns_of "$worker_b") ]] || fail "the workers share a namespace"
# The object crossed the link: host B received at least its 16 MiB.
received=$(($(rx_bytes) - rx_before))
echo "host B received $received bytes over $veth_b"
((received >= 16777216)) || fail "only $received bytes reached host B"

in_b "$weft" shutdown "$addr" >/dev/null || fail "shutdown"
for p in "$scheduler" "$worker_a" "$worker_b"; do
  wait_exit "$p" 10
  code=$?
  [[ $code == 0 ]] || fail "process $p ended with $code after shutdown (124: still running)"
done
echo "netns test: ok"
