#!/usr/bin/env bash
# Tunnel hops of a path, counted on the wire: captures the encapsulated packets
# entering an underlay bridge (each tunnel hop crosses it once) while a ping
# runs, and prints per echo request and per echo reply how many times each was
# seen (the median over the pings' sequence numbers, so a packet tcpdump
# dropped under load does not skew it). Used by bench/ovn_ic_peer.sh (Geneve,
# 6081) and bench/dataplane_peers.sh (isthmus's VXLAN, 4789).
#
# Usage: bench/tunnel_hops.sh NAMESPACE UDP_PORT SRC_IP DST_IP COUNT -- PING_COMMAND...
#   PING_COMMAND pings DST_IP from SRC_IP COUNT times and returns when done.
# Prints `RESULT hops_request=R hops_reply=P`.
set -euo pipefail
(($# >= 7)) && [[ $6 == -- ]] || { sed -n '9,11p' "$0" >&2; exit 2; }
ns=$1 port=$2 src=$3 dst=$4 n=$5
shift 6
cap=$(mktemp)
trap 'rm -f "$cap" "$cap.err"' EXIT
ip netns exec "$ns" tcpdump -i any -Q in -n -l -vv udp port "$port" >"$cap" 2>"$cap.err" &
pid=$!
deadline=$((SECONDS + 10))
until grep -q listening "$cap.err"; do
  ((SECONDS < deadline)) || { echo "tcpdump did not start: $(cat "$cap.err")" >&2; exit 1; }
  sleep 0.05
done
"$@" >/dev/null
# Every reply is back, so every packet has crossed the underlay; wait until
# tcpdump has printed them all: its output stops growing (5 s at most).
last=-1 deadline=$((SECONDS + 5))
while ((SECONDS < deadline)); do
  now=$(wc -l <"$cap")
  ((now != last)) || break
  last=$now
  sleep 0.3
done
kill -INT "$pid"
wait "$pid" 2>/dev/null || true
# Median over sequence numbers 1..n of the times each was seen.
per_seq() {  # "request" or "reply", from, to
  { grep -o "$2 > $3: ICMP echo $1, id [0-9]*, seq [0-9]*" "$cap" || true; } |
    awk -v n="$n" '{ seen[$NF]++ } END { for (k = 1; k <= n; k++) print seen[k] + 0 }' |
    sort -n | awk '{ c[NR] = $1 } END { print c[int((NR + 1) / 2)] }'
}
dropped=$(grep -o '[0-9]* packets dropped by kernel' "$cap.err" || true)
echo "captured $(grep -c 'ICMP echo' "$cap" || true) encapsulated echo packets for $n pings${dropped:+ ($dropped)}" >&2
echo "RESULT hops_request=$(per_seq request "$src" "$dst") hops_reply=$(per_seq reply "$dst" "$src")"
