#!/usr/bin/env bash
# What installing flows costs the agent today (issue 12's "full resync of a
# host with 10,000 flows under 1 s", and the per-change process): a standalone
# ovsdb-server + ovs-vswitchd (userspace datapath, a temporary rundir, no lab
# needed), br-int with N flows shaped as the agent writes them (table 60 unicast
# outputs, cookie 0x15a7), then, each the median of RUNS:
#   full   `ovs-ofctl --bundle replace-flows` of N flows that all changed
#   same   the same command when nothing changed (the agent's pass after a restart)
#   one    one flow added with `ovs-ofctl --bundle add-flows` (one change today:
#          a process and a bundle per bridge)
# With OFWIRE (path to isthmus-ofwire, the agent's own OpenFlow client) the same
# three through it (connect, port description and one atomic bundle; `full` and
# `same` are its full resync: every flow with the cookie deleted and N added):
#   ofwire_full_ms ofwire_same_ms ofwire_one_ms (wall time of the process).
# Usage: bench/flow_resync.sh [N=10000] [RUNS=5] [OFWIRE].
# Prints `RESULT flows=N full_ms=.. same_ms=.. one_ms=..[ ofwire_full_ms=.. ofwire_same_ms=.. ofwire_one_ms=..]`.
set -euo pipefail
n=${1:-10000} runs=${2:-5} ofwire=${3:-}
source "$(dirname "$0")/../scripts/standalone-ovs.sh"
vsctl add-br br-int -- set bridge br-int datapath_type=netdev fail_mode=secure
flows() {  # $1: output port
  awk -v n="$n" -v out="$1" 'BEGIN { for (i = 0; i < n; i++)
    printf "cookie=0x15a7,table=60,priority=20,dl_vlan=%d,dl_dst=fa:16:3e:%02x:%02x:%02x,actions=pop_vlan,output:%d\n",
      1 + i % 50, int(i / 65536) % 256, int(i / 256) % 256, i % 256, out }'
}
flows 1 >"$dir/a"; flows 2 >"$dir/b"
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ofctl() { ovs-ofctl -O OpenFlow14 --bundle "$@"; }
ofctl replace-flows br-int "$dir/a"
full=$(for ((r = 0; r < runs; r++)); do f=$([[ $((r % 2)) == 0 ]] && echo b || echo a); ms ofctl replace-flows br-int "$dir/$f"; done | median)
same=$(for ((r = 0; r < runs; r++)); do ms ofctl replace-flows br-int "$dir/b"; done | median)
one=$(for ((r = 0; r < runs; r++)); do
  echo "cookie=0x15a7,table=60,priority=20,dl_vlan=7,dl_dst=fa:16:3e:ff:ff:$(printf %02x "$r"),actions=pop_vlan,output:1" >"$dir/one"
  ms ofctl add-flows br-int "$dir/one"; done | median)
installed=$(ovs-ofctl -O OpenFlow14 dump-flows br-int | grep -c cookie=0x15a7)
extra=
if [[ -n $ofwire ]]; then
  # The bench's flows name output ports by number: no port needed.
  wire() { "$ofwire" "$1" "$dir" br-int "$2"; }
  wire replace "$dir/a" >/dev/null
  wfull=$(for ((r = 0; r < runs; r++)); do f=$([[ $((r % 2)) == 0 ]] && echo b || echo a); ms wire replace "$dir/$f"; done | median)
  wsame=$(for ((r = 0; r < runs; r++)); do ms wire replace "$dir/b"; done | median)
  wone=$(for ((r = 0; r < runs; r++)); do
    echo "add cookie=0x15a7,table=60,priority=20,dl_vlan=8,dl_dst=fa:16:3e:ff:ff:$(printf %02x "$r"),actions=pop_vlan,output:1" >"$dir/one"
    ms wire apply "$dir/one"; done | median)
  [[ $(ovs-ofctl -O OpenFlow14 dump-flows br-int | grep -c cookie=0x15a7) == $((n + runs)) ]] || { echo "ofwire: wrong flow count" >&2; exit 1; }
  extra=" ofwire_full_ms=$wfull ofwire_same_ms=$wsame ofwire_one_ms=$wone"
fi
echo "RESULT flows=$installed full_ms=$full same_ms=$same one_ms=$one$extra"
