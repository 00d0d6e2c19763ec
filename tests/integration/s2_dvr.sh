#!/usr/bin/env bash
# S2 with distributed routers in both clouds: every ordered pair of instances
# reaches the other (12 pairs), TCP works across clouds and subnets, the routed
# packet arrives with the instance's own cloud's gateway MAC, no DVR MAC is ever
# learned, no ARP for a gateway IP crosses the underlay, and the daemons' metrics
# count it; `isthmus trace` follows a routed packet across clouds and a
# spoofed one to its drop; a router with admin_state_up false routes nothing
# until it is up again; an extra route on R1 toward an address instance4 owns
# (an allowed address pair) reaches it from instance1, across clouds; no
# agent starts an `ip` process while a subnet, a port and an instance come and go;
# east-west routing (same host and across clouds) passes no packet through the
# router namespace, TTL 1 gets ICMP time exceeded, and the gateway's ARP is
# answered with the namespace's qr- device down.
source "$(dirname "$0")/lib.sh"


lab_up s2

# 1. All 12 ordered pairs ping.
assert_all_pairs_ping "DVR"

# 2. No ARP for a gateway IP crosses the underlay: capture VXLAN on the
#    underlay bridge while every instance forgets its gateway and re-resolves it.
pcap=$(mktemp --suffix=.pcap); err=$(mktemp)
ip netns exec isth-underlay timeout 8 tcpdump -i ul0 -nn -U -w "$pcap" 'udp port 4789' 2>"$err" &
tcpdump_pid=$!
wait_for "tcpdump listening on the underlay" 5 grep -q "listening on" "$err"
for i in instance1 instance2 instance3 instance4; do
  gw=$(fact instance.$i.gateway)
  lab exec "$i" -- ip neigh flush dev eth0
  lab exec "$i" -- ping -c 2 -W 1 "$gw" >/dev/null || fail "$i cannot reach its gateway $gw"
done
# Positive control: cross-host traffic in the same window must be seen.
lab exec instance1 -- ping -c 2 -W 1 "$(fact instance.instance2.ip)" >/dev/null || fail "instance1 -> instance2"
wait "$tcpdump_pid" || true
seen=$(tcpdump -nn -r "$pcap" 2>/dev/null | wc -l)
((seen > 0)) || fail "the underlay capture saw no VXLAN traffic at all (capture broken?)"
# Inner frame: UDP(8) + VXLAN(8) + Ethernet(14); ARP target IP at ARP offset 24.
gw_arp=$(tcpdump -nn -r "$pcap" \
  'udp[28:2] = 0x0806 and (udp[54:4] = 0x0a000301 or udp[54:4] = 0x0a000401)' 2>/dev/null)
[[ -z "$gw_arp" ]] || fail "gateway ARP crossed the underlay: $gw_arp"
pass "no ARP for a gateway IP crossed the underlay"

# 3. The source MAC instance4 sees on a packet routed from instance1 is its own
#    cloud's (R2's) gateway MAC on net4, never a DVR MAC.
want=$(fact router.R2.net4.mac)
src=$(routed_source_mac instance4 instance1)
[[ "$src" == "$want" ]] || fail "instance4 saw source MAC '$src' on a routed packet, want R2's net4 gateway MAC $want"
pass "instance4 sees R2's net4 gateway MAC $want as source of routed traffic"

# 4. TCP from instance1 to instance4 (routed, cross-cloud).
lab exec instance4 -- iperf3 -s -1 -D -p 5201
wait_for "iperf3 server in instance4" 5 lab exec instance4 -- ss -ltn 'sport = :5201' -H
out=$(lab exec instance1 -- iperf3 -c "$(fact instance.instance4.ip)" -p 5201 -t 2 -J) ||
  fail "TCP transfer instance1 -> instance4 failed"
bytes=$(grep -m1 -o '"bytes":[[:space:]]*[0-9]*' <<<"${out##*\"sum_received\"}" | grep -o '[0-9]*$')
((bytes > 0)) || fail "TCP transfer instance1 -> instance4 moved no bytes"
pass "TCP instance1 -> instance4 moved $bytes bytes"

# 5. After all that traffic, no DVR MAC appears in any learned flow or fdb entry.
for h in $(fact hosts); do
  learned=$(lab exec "$h" -- ovs-ofctl -O OpenFlow14 dump-flows br-tun table=20 | grep -v cookie=0x15a7 || true)
  if grep -qi 'fa:16:3f' <<<"$learned"; then fail "$h learned a DVR MAC: $learned"; fi
  for br in br-int br-tun; do
    fdb=$(lab exec "$h" -- ovs-appctl fdb/show "$br")
    if grep -qi 'fa:16:3f' <<<"$fdb"; then fail "$h $br fdb holds a DVR MAC: $fdb"; fi
  done
done
pass "no DVR MAC in any learned flow or fdb entry"

# 6. The daemons count what they did on /metrics (docs/architecture.md, "Metrics").
central=$(fact identity.auth_url); m=$(lab_curl -sf "${central%/v3}/metrics") || fail "central's /metrics"
grep -Eq '^isthmus_central_events_pushed_total\{cloud="cloud1"\} [1-9]' <<<"$m" || fail "central pushed no events to cloud1: $m"
m=$(lab_curl -sf "$(fact cloud.cloud1.endpoint)/metrics") || fail "cloud1's /metrics"
grep -Eq '^isthmus_cloud_hosts_woken_total [1-9]' <<<"$m" || fail "cloud1 woke no host: $m"
m=$(curl -sf "$(fact host.c1-h1.metrics)") || fail "c1-h1's agent /metrics"
grep -Eq '^isthmus_agent_flows\{bridge="br-int"\} [1-9]' <<<"$m" || fail "c1-h1's agent installed no flow on br-int: $m"
pass "central, cloud1 and c1-h1's agent show non-zero counters on /metrics"

# 7. `isthmus trace` follows instance1 -> instance4 across clouds without sending
#    it: routed by R1's flows on c1-h1 (br-int table 64 ROUTE), the tunnel to c2-h2, R2's
#    source rewrite there, delivered to instance4; a spoofed source is dropped
#    by port security on c1-h1 (docs/architecture.md, "isthmus trace").
ip4=$(fact instance.instance4.ip)
out=$("$ISTHMUS" trace instance1 "$ip4") || fail "trace instance1 -> $ip4 not delivered: $out"
grep -q "^delivered: to instance4 (port t-instance4 on $(fact instance.instance4.host))" <<<"$out" ||
  fail "trace instance1 -> $ip4 does not end at instance4: $out"
grep -q -- "-> VXLAN VNI .* ($(fact instance.instance4.host))" <<<"$out" || fail "trace shows no tunnel to instance4's host: $out"
grep -q "br-int 1 DVR_TO_SRC_MAC" <<<"$out" || fail "trace shows no DVR source rewrite: $out"
grep -q "br-int 64 ROUTE" <<<"$out" || fail "trace shows no routed hop (br-int table 64 ROUTE): $out"
if out=$("$ISTHMUS" trace instance1 "$ip4" --src-ip 10.0.3.250); then fail "a spoofed source was delivered: $out"; fi
grep -q "^dropped: on $(fact instance.instance1.host) by br-int table 25 MAC_SPOOF" <<<"$out" ||
  fail "trace of a spoofed source does not end at port security: $out"
pass "trace: instance1 -> instance4 delivered across clouds (router, tunnel, rewrite); a spoofed source dropped by MAC_SPOOF"

# 8. R1 administratively down (Neutron's admin_state_up false): no host wires
#    it, so what only R1 routes stops (instance1 -> instance4: R1 routes on
#    c1-h1), what R2 routes in cloud2 goes on; up again, it routes again.
r1=$(fact router.R1.id) ip2=$(fact instance.instance2.ip)
api PUT "/v2.0/routers/$r1" '{"router": {"admin_state_up": false}}' >/dev/null || fail "setting R1 down"
wait_for "instance1 -> instance4 to stop with R1 down" 20 no_ping instance1 "$ip4"
ping_ok instance2 "$ip4" || fail "instance2 -> instance4 (R2, cloud2) stopped with R1 down"
api PUT "/v2.0/routers/$r1" '{"router": {"admin_state_up": true}}' >/dev/null || fail "setting R1 up"
wait_for "instance1 -> instance4 with R1 up again" 20 ping_ok instance1 "$ip4"
pass "R1 down: instance1 -> instance4 stops, instance2 -> instance4 goes on; R1 up: it works again"

# 9. An extra route on R1 (extraroute): 203.0.113.0/24 via instance4, which
#    owns 203.0.113.1 (its port allows that prefix as an address pair). Routed
#    by R1 on c1-h1 across clouds to instance4; removed, it stops. (Not
#    198.51.100.0/24: that is the lab's internet, which instance1 reaches
#    through its floating IP.)
port4=$(api GET "/v2.0/ports?fixed_ips=ip_address=$ip4" | jq -r '.ports[0].id')
[[ -n $port4 && $port4 != null ]] || fail "no port holds $ip4"
api PUT "/v2.0/ports/$port4" '{"port": {"allowed_address_pairs": [{"ip_address": "203.0.113.0/24"}]}}' >/dev/null ||
  fail "adding 203.0.113.0/24 to instance4's address pairs"
lab exec instance4 -- ip addr add 203.0.113.1/32 dev lo
route='{"router": {"routes": [{"destination": "203.0.113.0/24", "nexthop": "'$ip4'"}]}}'
out=$(api PUT "/v2.0/routers/$r1/add_extraroutes" "$route") || fail "add_extraroutes on R1"
[[ $(jq -c '.router.routes' <<<"$out") == '[{"destination":"203.0.113.0/24","nexthop":"'$ip4'"}]' ]] ||
  fail "R1's routes after add_extraroutes: $out"
wait_for "instance1 -> 203.0.113.1 through R1's extra route" 20 ping_ok instance1 203.0.113.1
api PUT "/v2.0/routers/$r1/remove_extraroutes" "$route" >/dev/null || fail "remove_extraroutes on R1"
wait_for "instance1 -> 203.0.113.1 to stop without the route" 20 no_ping instance1 203.0.113.1
pass "extra route 203.0.113.0/24 via instance4 on R1: instance1 reaches 203.0.113.1 across clouds; removed, it does not"

# 10. No `ip` or `ovs-vsctl` process on the hot path (issue 12): the agents
#     change links, addresses, routes, rules and neighbours over netlink and
#     OVS ports over ovsdb-server's socket, in-process. While a
#     network over both clouds comes with a subnet on R1 (a new leg in R1's
#     namespaces and a new DHCP server), a port on it with an instance on c1-h2
#     that instance1 reaches through R1, and all of it goes again, no agent
#     starts an `ip`, `ovs-vsctl` or `iptables-restore` process
#     (isthmus_agent_processes_started_total{program="ip"}, there from each
#     agent's start, summed over the hosts; likewise for ovs-vsctl).
started() {  # the processes of program $1 the agents started; fails if one does not count `ip`
  local h m n total=0
  for h in $(fact hosts); do
    m=$(curl -sf "$(fact host.$h.metrics)") || return 1
    n=$(awk -v s="isthmus_agent_processes_started_total{program=\"$1\"}" '$1 == s {print $2}' <<<"$m")
    [[ -n $n ]] || { [[ $1 == ip ]] && return 1; n=0; }  # others: none started yet
    total=$((total + ${n%.*}))
  done
  echo "$total"
}
converged() { lab wait-converged --timeout 60 >/dev/null || fail "agents did not converge"; }
converged
ip_before=$(started ip) || fail "an agent does not count the ip processes it starts on /metrics"
vsctl_before=$(started ovs-vsctl) || fail "an agent's /metrics"
ipt_before=$(started iptables-restore) || fail "an agent's /metrics"
net5=$(api POST /v2.0/networks '{"network": {"name": "net5", "availability_zone_hints": ["cloud1", "cloud2"],
  "provider:network_type": "vxlan"}}' | jq -r .network.id)
sub5=$(api POST /v2.0/subnets '{"subnet": {"network_id": "'$net5'", "ip_version": 4, "cidr": "10.0.5.0/24",
  "gateway_ip": "10.0.5.1"}}' | jq -r .subnet.id)
[[ $sub5 != null && -n $sub5 ]] || fail "creating net5 and its subnet"
api PUT "/v2.0/routers/$r1/add_router_interface" '{"subnet_id": "'$sub5'"}' >/dev/null || fail "R1 add_router_interface net5"
port5=$(api POST /v2.0/ports '{"port": {"network_id": "'$net5'", "fixed_ips": [{"subnet_id": "'$sub5'",
  "ip_address": "10.0.5.15"}], "binding:host_id": "c1-h2", "device_owner": "compute:nova", "device_id": "instance5"}}' |
  jq -r .port.id)
[[ $port5 != null && -n $port5 ]] || fail "creating a port on net5"
lab add-instance instance5 --port "$port5" >/dev/null || fail "plugging instance5 on net5"
wait_for "instance1 -> instance5 (net5, a new leg of R1)" 30 ping_ok instance1 10.0.5.15
converged
api DELETE "/v2.0/ports/$port5" >/dev/null || fail "deleting instance5's port"
api PUT "/v2.0/routers/$r1/remove_router_interface" '{"subnet_id": "'$sub5'"}' >/dev/null ||
  fail "R1 remove_router_interface net5"
api DELETE "/v2.0/networks/$net5" >/dev/null || fail "deleting net5"
wait_for "instance1 -> instance5 to stop without net5" 20 no_ping instance1 10.0.5.15
converged
ip_after=$(started ip) || fail "an agent's /metrics after the changes"
((ip_after == ip_before)) || fail "agents started $((ip_after - ip_before)) ip processes while ports came and went"
vsctl_after=$(started ovs-vsctl) || fail "an agent's /metrics after the changes"
((vsctl_after == vsctl_before)) ||
  fail "agents started $((vsctl_after - vsctl_before)) ovs-vsctl processes while a leg, a DHCP port and a port came and went"
# A leg coming and going changes no NAT rule of R1 (DVR: its namespaces NAT
# only floating IPs and the network node's SNAT): no iptables-restore either.
ipt_after=$(started iptables-restore) || fail "an agent's /metrics after the changes"
((ipt_after == ipt_before)) ||
  fail "agents started $((ipt_after - ipt_before)) iptables-restore processes while a leg came and went (no NAT rule changed)"
pass "a subnet on R1, a port and an instance on it came and went: 0 ip, 0 ovs-vsctl and 0 iptables-restore processes started (agents: $vsctl_after ovs-vsctl, $ipt_after iptables-restore, $(started dnsmasq) dnsmasq so far)"

# 11. No process at all when instance ports come and go on a network the hosts
#     already serve (issue 12): flows go over the agent's own OpenFlow
#     connection, neighbours over netlink. Every program the agents started,
#     summed over the hosts, before and after a port with an instance on c2-h2
#     (net4, which c2-h2 serves: instance1 reaches it through R1, across
#     clouds) comes, answers and goes.
started_by_program() {  # "program count" lines, summed over the hosts
  local h
  for h in $(fact hosts); do
    curl -sf "$(fact host.$h.metrics)" || return 1
  done | awk -F'[{}"= ]+' '/^isthmus_agent_processes_started_total\{/ {n[$3] += $(NF)} END {for (p in n) print p, n[p]}' | sort
}
converged
before=$(started_by_program) || fail "an agent's /metrics"
net4=$(fact network.net4.id)
port6=$(api POST /v2.0/ports '{"port": {"network_id": "'$net4'", "binding:host_id": "c2-h2",
  "device_owner": "compute:nova", "device_id": "instance6"}}' | jq -r .port.id)
[[ $port6 != null && -n $port6 ]] || fail "creating a port on net4"
ip6=$(api GET "/v2.0/ports/$port6" | jq -r '.port.fixed_ips[0].ip_address')
lab add-instance instance6 --port "$port6" >/dev/null || fail "plugging instance6 on net4"
wait_for "instance1 -> instance6 (net4, cloud2, through R1)" 30 ping_ok instance1 "$ip6"
api DELETE "/v2.0/ports/$port6" >/dev/null || fail "deleting instance6's port"
wait_for "instance1 -> instance6 to stop" 20 no_ping instance1 "$ip6"
converged
after=$(started_by_program) || fail "an agent's /metrics after the port went"
[[ $after == "$before" ]] || fail "agents started processes while a port came and went: before: $before; after: $after"
pass "a port and an instance came, answered and went: no process started by any agent"

# 12. The agents take their states as deltas (docs/architecture.md, "Cloud <->
#     agent"): each cloud answered deltas (the port above changed its hosts),
#     and no agent refused one (a merged state whose SHA-256 was not the cloud's).
for c in cloud1 cloud2; do
  m=$(lab_curl -sf "$(fact cloud.$c.endpoint)/metrics") || fail "$c's /metrics"
  full=$(awk '/^isthmus_cloud_state_answers_total\{kind="full"\}/ {print $2}' <<<"$m")
  delta=$(awk '/^isthmus_cloud_state_answers_total\{kind="delta"\}/ {print $2}' <<<"$m")
  echo "  $c answered ${full:-0} whole states and ${delta:-0} deltas"
  [[ ${delta:-0} != 0 ]] || fail "$c answered no delta: $(grep state_answer <<<"$m")"
done
merged=0
for h in $(fact hosts); do
  m=$(curl -sf "$(fact host.$h.metrics)") || fail "$h's agent /metrics"
  if grep -Eq '^isthmus_agent_state_answers_total\{kind="refused"\} [1-9]' <<<"$m"; then
    fail "$h refused a delta: $(grep state_answers <<<"$m")"
  fi
  n=$(awk '/^isthmus_agent_state_answers_total\{kind="delta"\}/ {print $2}' <<<"$m")
  merged=$((merged + ${n:-0}))
done
[[ $merged -gt 0 ]] || fail "no agent merged a delta"
pass "agents merge their states from deltas, none refused"

# 13. East-west routing is done by br-int's flows, not by the router namespace
#     (issue 12; docs/architecture.md, "OpenFlow tables", ROUTE): a ping train
#     and a TCP transfer between two instances of one host on different
#     subnets (instance1 on net3, a new instance7 on net4, both on c1-h1) and
#     across clouds (instance1 -> instance4) move no packet through R1's
#     qrouter- namespace on c1-h1: its qr- devices' counters stay as they were.
h1=$(fact instance.instance1.host)
ns="isth-$h1-qrouter-$r1"
ip -n "$ns" link show >/dev/null 2>&1 || fail "no namespace $ns on $h1"
qr_counts() {  # "rx tx" packets summed over the namespace's qr- devices
  ip -n "$ns" -s -j link show | jq -r '[.[] | select(.ifname | startswith("qr-"))] |
    "\(map(.stats64.rx.packets) | add) \(map(.stats64.tx.packets) | add)"'
}
port7=$(api POST /v2.0/ports '{"port": {"network_id": "'$net4'", "binding:host_id": "'$h1'",
  "device_owner": "compute:nova", "device_id": "instance7"}}' | jq -r .port.id)
[[ $port7 != null && -n $port7 ]] || fail "creating a port on net4 on $h1"
ip7=$(api GET "/v2.0/ports/$port7" | jq -r '.port.fixed_ips[0].ip_address')
lab add-instance instance7 --port "$port7" >/dev/null || fail "plugging instance7 on net4 ($h1)"
wait_for "instance1 -> instance7 (same host, through R1)" 30 ping_ok instance1 "$ip7"
converged
lab exec instance7 -- iperf3 -s -1 -D -p 5202
lab exec instance4 -- iperf3 -s -1 -D -p 5203
wait_for "iperf3 server in instance7" 5 lab exec instance7 -- ss -ltn 'sport = :5202' -H
wait_for "iperf3 server in instance4" 5 lab exec instance4 -- ss -ltn 'sport = :5203' -H
before=$(qr_counts)
for dst in "$ip7" "$ip4"; do
  out=$(lab exec instance1 -- ping -c 100 -i 0.01 -W 1 "$dst" 2>&1 || true)
  grep -q " 100 received" <<<"$out" || fail "instance1 -> $dst ping train: $(grep -o '[0-9]* received' <<<"$out") of 100"
done
for target in "$ip7:5202" "$ip4:5203"; do
  out=$(lab exec instance1 -- iperf3 -c "${target%:*}" -p "${target#*:}" -t 1 -J) || fail "TCP instance1 -> $target failed"
  bytes=$(grep -m1 -o '"bytes":[[:space:]]*[0-9]*' <<<"${out##*\"sum_received\"}" | grep -o '[0-9]*$')
  ((bytes > 0)) || fail "TCP instance1 -> $target moved no bytes"
done
after=$(qr_counts)
[[ $after == "$before" ]] ||
  fail "routed traffic went through $ns: qr- rx/tx packets $before before, $after after"
pass "200 pings and 2 TCP transfers (same host, across clouds) routed by flows: qr- rx/tx packets in $ns unchanged ($after)"

# 14. TTL expiring at the router: the flows hand the packet to the namespace,
#     whose kernel answers ICMP time exceeded from the gateway (as Neutron).
gw1=$(fact instance.instance1.gateway)
out=$(lab exec instance1 -- ping -c 1 -W 2 -t 1 "$ip4" 2>&1 || true)
grep -q "From $gw1 .*Time to live exceeded" <<<"$out" || fail "ping -t 1 across R1 got no time exceeded from $gw1: $out"
pass "ping -t 1 across R1: ICMP time exceeded from the gateway $gw1"

# 15. The gateway's ARP is answered by flows: with the qr- device of R1's net3
#     leg down in the namespace, instance1 resolves its gateway (R1's net3 MAC)
#     and reaches instance4 (routed by flows); the device is up again after.
qr="qr-$(fact router.R1.net3.port_id | cut -c1-11)"
gwmac=$(fact router.R1.net3.mac)
ip -n "$ns" link set "$qr" down || fail "setting $qr down in $ns"
lab exec instance1 -- ip neigh flush dev eth0
ok=1
ping_ok instance1 "$ip4" || ok=0
mac=$(lab exec instance1 -- ip neigh show "$gw1" dev eth0 | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
ip -n "$ns" link set "$qr" up || fail "setting $qr up again in $ns"
((ok)) || fail "instance1 -> instance4 with $qr down"
[[ $mac == "$gwmac" ]] || fail "instance1 resolved its gateway $gw1 to '$mac' with $qr down, want $gwmac"
pass "with $qr down: instance1's ARP for $gw1 answered ($mac) by flows, instance1 -> instance4 routed"
api DELETE "/v2.0/ports/$port7" >/dev/null || fail "deleting instance7's port"

assert_down_clean
echo "1 passed, 0 failed"
