#!/usr/bin/env bash
# The data plane against OVN interconnection, side by side in one run
# (docs/benchmarks.md): brings up the OVN-IC peer (bench/ovn_ic_peer.sh),
# measures it, takes it down, then measures isthmus's `lab up s2` with
# bench/throughput.sh and build/bench/bench_convergence, and prints one table:
# metric | isthmus | OVN-IC | ratio (isthmus / OVN-IC).
#
# Usage: bench/dataplane_peers.sh [build/isthmus]
# Environment: ROUNDS (convergence rounds, 9), TCP_SECS (5), TCP_RUNS (5).
# As root. The whole run holds /tmp/isthmus-lab.lock (about 5-8 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
isthmus=${1:-build/isthmus}
rounds=${ROUNDS:-9}
tcp_secs=${TCP_SECS:-5}
tcp_runs=${TCP_RUNS:-5}
convergence=$(dirname "$isthmus")/bench/bench_convergence
[[ -x $isthmus && -x $convergence ]] || { echo "build first: $isthmus and $convergence" >&2; exit 1; }

if [[ -z ${DATAPLANE_PEERS_LOCKED:-} ]]; then
  exec env DATAPLANE_PEERS_LOCKED=1 flock /tmp/isthmus-lab.lock "$0" "$@"
fi

log=$(mktemp -d /tmp/isthmus-dataplane-peers.XXXXXX)
peer() { bash bench/ovn_ic_peer.sh "$@"; }
lab() { "$isthmus" lab "$@"; }
cleanup() {
  peer down >>"$log/peer.log" 2>&1 || true
  lab down >>"$log/lab.log" 2>&1 || true
}
trap cleanup EXIT
say() { echo "[$(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)] $*" >&2; }

# Runs a measurement, shows its output on stderr, keeps it in $log/$1.
measure() {
  local name=$1
  shift
  "$@" 2>&1 | tee "$log/$name" >&2 || say "$name failed (its output: $log/$name)"
}
# The value of key in the RESULT line of $log/$1.
result() { sed -n "s/^RESULT .*\b$2=\([^ ]*\).*/\1/p" "$log/$1" | tail -1; }

# VXLAN hops of instance1 -> instance4 (routed across clouds) and back (bench/tunnel_hops.sh).
isthmus_hops() {
  local dst src
  dst=$(lab show --get instance.instance4.ip); src=$(lab show --get instance.instance1.ip)
  bash bench/tunnel_hops.sh isth-underlay 4789 "$src" "$dst" 20 -- \
    "$isthmus" lab exec instance1 -- ping -n -q -c 20 -i 0.02 "$dst"
}

say "OVN-IC peer: up (log $log/peer.log)"
peer down >>"$log/peer.log" 2>&1 || true
peer up >>"$log/peer.log" 2>&1
say "OVN-IC: new port, $rounds rounds"; measure ovn-port peer new-port "$rounds"
say "OVN-IC: new subnet, $rounds rounds"; measure ovn-subnet peer new-subnet "$rounds"
say "OVN-IC: TCP"; measure ovn-tcp peer tcp "$tcp_secs" "$tcp_runs"
say "OVN-IC: tunnel hops"; measure ovn-hops peer hops
peer down >>"$log/peer.log" 2>&1

say "isthmus: TCP (bench/throughput.sh: lab up s2, iperf3, lab down)"
measure isth-tcp bash bench/throughput.sh "$isthmus" "$tcp_secs" "$tcp_runs"
say "isthmus: lab up s2 (log $log/lab.log)"
lab down >>"$log/lab.log" 2>&1 || true
lab up s2 >>"$log/lab.log" 2>&1
say "isthmus: new port, $rounds rounds"; measure isth-port "$convergence" "$rounds"
say "isthmus: new subnet, $rounds rounds"; measure isth-subnet "$convergence" "$rounds" --new-subnet
say "isthmus: tunnel hops"; measure isth-hops isthmus_hops
lab down >>"$log/lab.log" 2>&1
say "done"

median_of() { sed -n 's/^median \([0-9.]*\) ms.*/\1/p' "$log/$1"; }
i_port=$(median_of isth-port); i_subnet=$(median_of isth-subnet)
i_l2=$(sed -n 's/^median: L2 \([0-9.]*\) Gbit.*/\1/p' "$log/isth-tcp")
i_routed=$(sed -n 's/^median: .*routed \([0-9.]*\) Gbit.*/\1/p' "$log/isth-tcp")
i_ratio=$(awk -v a="$i_routed" -v b="$i_l2" 'BEGIN{printf "%.2f", a/b}')
o_ratio=$(result ovn-tcp ratio)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a/b}'; }
row() { printf '| %s | %s | %s | %s |\n' "$1" "${2:--}" "${3:--}" "$(ratio "$2" "$3")"; }

echo
echo "Data plane, isthmus (lab s2) against OVN-IC 23.03 (2 zones), $(date -u +%Y-%m-%d), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| metric | isthmus | OVN-IC | ratio |"
echo "|---|---|---|---|"
row "new port reachable across clouds, ms (median of $rounds)" "$i_port" "$(result ovn-port new_port_ms)"
row "new subnet on a router reachable across clouds, ms (median of $rounds)" "$i_subnet" "$(result ovn-subnet new_subnet_ms)"
row "TCP routed across clouds, Gbit/s (median of $tcp_runs)" "$i_routed" "$(result ovn-tcp tcp_routed_gbps)"
row "TCP L2, Gbit/s (median of $tcp_runs; isthmus across clouds, OVN-IC within a zone)" "$i_l2" "$(result ovn-tcp tcp_l2_gbps)"
row "TCP routed / L2" "$i_ratio" "$o_ratio"
row "tunnel hops each way, routed across clouds (request)" "$(result isth-hops hops_request)" "$(result ovn-hops hops_request)"
row "tunnel hops each way, routed across clouds (reply)" "$(result isth-hops hops_reply)" "$(result ovn-hops hops_reply)"
echo
echo "Every measurement's output: $log"
