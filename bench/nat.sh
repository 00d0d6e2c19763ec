#!/usr/bin/env bash
# North-south NAT, the two ways a host can do it with the userspace datapath,
# side by side in one run (issue 12: "NAT moves into Open vSwitch conntrack
# too: decide with measurements"; docs/benchmarks.md):
#   kernel  what isthmus's agent does: the instance's frame crosses br-int into
#           a router namespace over a veth leg, the kernel routes it and
#           source-NATs it (iptables SNAT, -o qg), and it leaves by the qg- veth
#           into br-ex (every bridge datapath_type=netdev);
#   ovs     what OVN does: br-int routes and source-NATs in flows
#           (ct(commit,nat(src=...)) in Open vSwitch's userspace conntrack,
#           MACs rewritten, dec_ttl), patch to br-ex; the reply is un-NATted by
#           ct(nat) and routed back the same way. No namespace, no veth but the
#           instance's and the server's.
# Both from one instance namespace (10.1.0.10) to an external server
# (172.30.0.10, which has no route back to 10.1.0.0/24: only NATed traffic
# gets an answer), on one standalone Open vSwitch (no lab). Runs alternate the
# two; each prints the TCP throughput (iperf3, SECS seconds), the ping round
# trip (200 pings, 5 ms apart) and new TCP connections per second (one client,
# one after another, 2 s), then the medians side by side.
# Usage: bench/nat.sh [SECS=5] [RUNS=5]. As root.
set -euo pipefail
secs=${1:-5} runs=${2:-5}
cd "$(dirname "$0")/.."
source scripts/standalone-ovs.sh
spaces=(natb-vm natb-router natb-ext)
cleanup() {
  for n in "${spaces[@]}"; do ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in "${spaces[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  standalone_ovs_stop
}
trap cleanup EXIT
# What an earlier run may have left (a namespace goes away after its last process).
for l in natb-vm natb-qr natb-qg natb-ext; do ip link del "$l" 2>/dev/null || true; done
for n in "${spaces[@]}"; do
  ip netns del "$n" 2>/dev/null || true
  ip netns add "$n"
  ip -n "$n" link set lo up
done
vm_mac=fa:16:3e:00:01:10 gw_mac=fa:16:3e:00:01:01 qg_mac=fa:16:3e:00:02:02 ovs_gw_mac=fa:16:3e:00:02:03
ext_mac=fa:16:3e:00:02:10
for b in br-int br-ex; do
  vsctl add-br "$b" -- set bridge "$b" datapath_type=netdev fail_mode=secure
done
# A veth pair: $1 on the bridge $6, $3 in namespace $2 with MAC $4 and address $5.
leg() {
  ip link add "$1" type veth peer name "$3" netns "$2"
  ip link set "$1" up
  ip -n "$2" link set "$3" address "$4" up
  # Userspace datapath and veth checksum offload do not mix (docs/architecture.md).
  ethtool -K "$1" tx off >/dev/null
  ip netns exec "$2" ethtool -K "$3" tx off >/dev/null
  ip -n "$2" addr add "$5" dev "$3"
  vsctl add-port "$6" "$1"
}
leg natb-vm natb-vm eth0 "$vm_mac" 10.1.0.10/24 br-int
leg natb-qr natb-router qr "$gw_mac" 10.1.0.1/24 br-int
leg natb-qg natb-router qg "$qg_mac" 172.30.0.2/24 br-ex
leg natb-ext natb-ext eth0 "$ext_mac" 172.30.0.10/24 br-ex
vsctl add-port br-int natb-patch-ex -- set interface natb-patch-ex type=patch options:peer=natb-patch-int \
  -- add-port br-ex natb-patch-int -- set interface natb-patch-int type=patch options:peer=natb-patch-ex
ip -n natb-vm route add default via 10.1.0.1
ip netns exec natb-router sysctl -qw net.ipv4.ip_forward=1
ip netns exec natb-router iptables -t nat -A POSTROUTING -o qg -j SNAT --to-source 172.30.0.2
# The OVS way's source address answers ARP through a permanent entry (what
# OVN's ARP responder flows would do), so both ways measure forwarding only.
ip -n natb-ext neigh replace 172.30.0.3 lladdr "$ovs_gw_mac" dev eth0 nud permanent
# A server that accepts and closes at once, for the connection rate.
ip netns exec natb-ext python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5202))
s.listen(1024)
while True:
    c, _ = s.accept()
    c.close()' &
ofport() { vsctl get interface "$1" ofport; }
vm=$(ofport natb-vm) patch_ex=$(ofport natb-patch-ex) patch_int=$(ofport natb-patch-int) ext=$(ofport natb-ext)

kernel_flows() {  # plain switching: the router namespace does the rest
  for b in br-int br-ex; do ovs-ofctl del-flows "$b"; ovs-ofctl add-flow "$b" "priority=0,actions=NORMAL"; done
}
ovs_flows() {  # routing and SNAT in br-int; the namespace sees nothing
  kernel_flows  # ARP and everything not IP as before
  ovs-ofctl add-flows br-int - <<EOF
table=0,priority=10,ip,in_port=$vm,dl_dst=$gw_mac,nw_dst=172.30.0.0/24,actions=ct(commit,zone=7,nat(src=172.30.0.3),table=1)
table=1,priority=10,ip,actions=set_field:$ovs_gw_mac->eth_src,set_field:$ext_mac->eth_dst,dec_ttl,output:$patch_ex
table=0,priority=10,ip,in_port=$patch_ex,nw_dst=172.30.0.3,actions=ct(zone=7,nat,table=2)
table=2,priority=10,ip,ct_state=+trk+est,nw_dst=10.1.0.10,actions=set_field:$gw_mac->eth_src,set_field:$vm_mac->eth_dst,dec_ttl,output:$vm
table=2,priority=10,ip,ct_state=+trk+rel,nw_dst=10.1.0.10,actions=set_field:$gw_mac->eth_src,set_field:$vm_mac->eth_dst,dec_ttl,output:$vm
EOF
  ovs-ofctl add-flows br-ex - <<EOF
priority=10,ip,in_port=$patch_int,actions=output:$ext
priority=10,ip,in_port=$ext,nw_dst=172.30.0.3,actions=output:$patch_int
EOF
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# One run of way $1: "<Gbit/s> <ping avg ms>", after checking that NAT is what answers.
measure() {
  "$1_flows"
  ip netns exec natb-vm ping -c 3 -i 0.2 -W 1 172.30.0.10 >/dev/null ||
    { echo "$1: 172.30.0.10 not reachable (NAT not working)" >&2; exit 1; }
  ip netns exec natb-ext pkill iperf3 2>/dev/null || true
  ip netns exec natb-ext iperf3 -s -D -1 >/dev/null
  sleep 0.2
  local gbit rtt
  gbit=$(ip netns exec natb-vm iperf3 -c 172.30.0.10 -t "$secs" -J |
    python3 -c 'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))')
  rtt=$(ip netns exec natb-vm ping -q -c 200 -i 0.005 172.30.0.10 | awk -F'/' '/^rtt/ {print $5}')
  # New connections, one after another for 2 s: each is a new conntrack entry
  # (and NAT binding) on the way out, as a web client's would be. A connection
  # not answered within 2 s ends the count: "<per second> <1 if so>".
  conns=$(ip netns exec natb-vm python3 -c '
import socket, sys, time
n, stalled, start = 0, 0, time.monotonic()
while time.monotonic() < start + 2:
    try:
        c = socket.create_connection(("172.30.0.10", 5202), timeout=2)
        c.recv(1)  # the server closes at once
        c.close()
    except OSError as e:
        print("a connection not answered after %d: %s" % (n, e), file=sys.stderr)
        stalled = 1
        break
    n += 1
print(round(n / (time.monotonic() - start)), stalled)')
  echo "$gbit $rtt $conns"
}
: >"$dir/kernel"
: >"$dir/ovs"
for ((r = 0; r < runs; r++)); do
  for way in kernel ovs; do
    m=$(measure "$way")
    echo "run $r $way: $m (Gbit/s, ping avg ms, new connections/s, stalled)"
    echo "$m" >>"$dir/$way"
  done
done
# What the OVS way left in Open vSwitch's conntrack: the SNATed connections.
snat=$(ovs-appctl dpctl/dump-conntrack zone=7 | grep -c "172.30.0.3" || true)
k_gbit=$(awk '{print $1}' "$dir/kernel" | median) k_rtt=$(awk '{print $2}' "$dir/kernel" | median)
o_gbit=$(awk '{print $1}' "$dir/ovs" | median) o_rtt=$(awk '{print $2}' "$dir/ovs" | median)
k_conn=$(awk '{print $3}' "$dir/kernel" | median) o_conn=$(awk '{print $3}' "$dir/ovs" | median)
k_stalls=$(awk '{n += $4} END {print n + 0}' "$dir/kernel") o_stalls=$(awk '{n += $4} END {print n + 0}' "$dir/ovs")
echo
echo "| north-south, SNAT | kernel (router namespace) | Open vSwitch ct(nat) | ratio |"
echo "|---|---|---|---|"
awk -v k="$k_gbit" -v o="$o_gbit" 'BEGIN { printf "| TCP, Gbit/s (median of %d) | %s | %s | %.2f |\n", '"$runs"', k, o, o / k }'
awk -v k="$k_rtt" -v o="$o_rtt" 'BEGIN { printf "| ping round trip, ms (median of %d averages) | %s | %s | %.2f |\n", '"$runs"', k, o, o / k }'
awk -v k="$k_conn" -v o="$o_conn" 'BEGIN { printf "| new TCP connections/s, one client after another (median of %d) | %s | %s | %.2f |\n", '"$runs"', k, o, o / k }'
echo "| runs in which a new connection was not answered within 2 s | $k_stalls | $o_stalls | |"
echo "RESULT kernel_gbit=$k_gbit ovs_gbit=$o_gbit kernel_rtt_ms=$k_rtt ovs_rtt_ms=$o_rtt kernel_conns=$k_conn ovs_conns=$o_conn kernel_stalls=$k_stalls ovs_stalls=$o_stalls ovs_snat_entries=$snat"
