#!/usr/bin/env bash
# Data-plane benchmark (docs/requirements.md, "Targets"): TCP throughput of the
# routed, cross-cloud DVR path instance1 -> instance4 against the plain L2 path
# between the same two clouds (instance1 -> instance2, net3 stretched), measured
# in the same run with iperf3. Prints both figures and their ratio.
# Usage: bench/throughput.sh [build/isthmus] [seconds per run] [runs]
set -euo pipefail
ISTHMUS=${1:-build/isthmus}
SECS=${2:-5}
RUNS=${3:-3}
lab() { "$ISTHMUS" lab "$@"; }

lab down >/dev/null 2>&1 || true
lab up s2 >/dev/null
trap 'lab down >/dev/null 2>&1 || true' EXIT

gbps() {  # from to
  local port=5201 to_ip
  to_ip=$(lab show --get "instance.$2.ip")
  lab exec "$2" -- iperf3 -s -1 -D -p $port >/dev/null
  for _ in $(seq 50); do lab exec "$2" -- ss -ltnH "sport = :$port" | grep . >/dev/null && break; sleep 0.1; done
  lab exec "$1" -- iperf3 -c "$to_ip" -p $port -t "$SECS" -f m |
    awk '/receiver/ {for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") printf "%.3f\n", $(i-1) / 1000}'
}

echo "TCP, ${SECS}s per run, ${RUNS} runs, alternating"
l2=(); routed=()
for r in $(seq "$RUNS"); do
  l2+=("$(gbps instance1 instance2)")
  routed+=("$(gbps instance1 instance4)")
  echo "run $r: L2 instance1->instance2 ${l2[-1]} Gbit/s, routed DVR instance1->instance4 ${routed[-1]} Gbit/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ml2=$(median "${l2[@]}"); mr=$(median "${routed[@]}")
echo "median: L2 $ml2 Gbit/s, routed $mr Gbit/s, ratio routed/L2 = $(awk -v a="$mr" -v b="$ml2" 'BEGIN{printf "%.2f", a/b}') (target >= 0.90)"
