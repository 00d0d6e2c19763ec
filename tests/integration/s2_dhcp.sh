#!/usr/bin/env bash
# Issue 3, DHCP per cloud: each instance's lease comes from its own cloud's
# dnsmasq (server identifier), with its own cloud's gateway in both gateway
# modes, the VXLAN MTU and the DNS servers; a forced renewal is answered by the
# same server; and no DHCP packet, first lease or renewal, crosses clouds on the
# underlay (captured). East-west still works with DHCP-configured instances.
# A subnet's host routes reach the instances of both clouds by DHCP (option
# 121, with the default route), and go when the subnet drops them.
source "$(dirname "$0")/lib.sh"

# routed_by INSTANCE DEST HOP: after a renewal, INSTANCE's table routes DEST via HOP ("" for no route).
routed_by() {
  lab lease "$1" --renew >/dev/null || return 1
  local got
  got=$(lab exec "$1" -- ip -4 route show "$2" proto static)
  if [[ -z $3 ]]; then [[ -z $got ]]; else [[ $got == *"via $3 dev eth0"* ]]; fi
}

has_address() { lab exec "$1" -- ip -4 -o addr show dev eth0 | grep inet >/dev/null; }
lease_field() { lab lease "$1" | grep -o "\"$2\":\"[^\"]*\"" | cut -d'"' -f4; }
# cloud of a VTEP address: 10.255.K.N is a host of the topology's K-th cloud.
vtep_cloud() { local ab=${1#10.255.}; echo "cloud${ab%%.*}"; }

for mode in anycast per-cloud; do
  lab_up s2 --gateway-mode=$mode
  for i in instance1 instance2 instance3 instance4; do
    cloud=$(fact instance.$i.cloud) net=$(fact instance.$i.network)
    want_server=$(fact network.$net.dhcp.$cloud)
    router=R${cloud#cloud}
    want_gw=$(fact router.$router.$net.ip)
    [[ $(lease_field $i serverid) == "$want_server" ]] ||
      fail "$i ($cloud) got its lease from $(lease_field $i serverid), want its cloud's server $want_server ($mode)"
    [[ $(lease_field $i router) == "$want_gw" ]] ||
      fail "$i ($cloud) was given gateway $(lease_field $i router), want $router's $want_gw ($mode)"
    [[ $(lease_field $i mtu) == 1450 ]] || fail "$i lease MTU $(lease_field $i mtu), want 1450"
    [[ $(lease_field $i dns) == 198.51.100.53 ]] || fail "$i lease DNS $(lease_field $i dns), want 198.51.100.53"
    pass "$i: lease from $cloud's server $want_server, gateway $want_gw, MTU 1450, DNS ($mode)"
  done
  if [[ $mode == anycast ]]; then
    [[ $(fact instance.instance1.gateway) == $(fact instance.instance2.gateway) ]] ||
      fail "anycast: instance1 and instance2 (net3) were given different gateway IPs"
  else
    [[ $(fact instance.instance1.gateway) != $(fact instance.instance2.gateway) ]] ||
      fail "per-cloud: instance1 and instance2 (net3) were given the same gateway IP"
  fi

  # Capture DHCP inside VXLAN on the underlay while every instance renews and
  # instance2 and instance3 start over (a new DISCOVER broadcast).
  pcap=$(mktemp --suffix=.pcap) err=$(mktemp)
  ip netns exec isth-underlay timeout 25 tcpdump -i ul0 -nn -U -w "$pcap" \
    'udp port 4789 and udp[28:2] = 0x0800 and udp[39] = 17 and (udp[52:2] = 67 or udp[52:2] = 68)' 2>"$err" &
  tpid=$!
  wait_for "tcpdump on the underlay" 5 grep -q "listening on" "$err"
  for i in instance1 instance2 instance3 instance4; do
    before=$(lease_field $i serverid)
    renewed=$(lab lease $i --renew) || fail "$i: forced renewal got no answer ($mode)"
    grep -q '"event":"renew"' <<<"$renewed" || fail "$i: renewal ended as $renewed"
    [[ $(lease_field $i serverid) == "$before" ]] || fail "$i: renewal answered by $(lease_field $i serverid), not $before"
  done
  pass "forced renewals answered by each instance's own cloud's server ($mode)"
  for i in instance2 instance3; do
    lab kill dhcp-$i-eth0 >/dev/null
    lab exec $i -- ip addr flush dev eth0
    lab start dhcp-$i-eth0 >/dev/null
    wait_for "$i to get a new lease" 20 has_address $i
  done
  sleep 1  # let the last ACKs reach the capture
  kill "$tpid" 2>/dev/null || true
  wait "$tpid" 2>/dev/null || true
  # "IP 10.255.2.2.43210 > 10.255.2.1.4789: VXLAN ...": outer source and destination.
  packets=$(tcpdump -nn -r "$pcap" 2>/dev/null |
    awk '/VXLAN/ {s=$3; sub(/\.[0-9]+$/, "", s); d=$5; sub(/:$/, "", d); sub(/\.[0-9]+$/, "", d); print s, d}')
  n=$(grep -c . <<<"$packets" || true)
  ((n > 0)) || fail "no DHCP crossed the underlay at all: the capture is broken ($mode)"
  while read -r src dst; do
    [[ $(vtep_cloud "$src") == $(vtep_cloud "$dst") ]] || fail "a DHCP packet crossed clouds: $src -> $dst ($mode)"
  done <<<"$packets"
  pass "$n DHCP packets on the underlay, none between clouds ($mode)"
  assert_all_pairs_ping "DHCP-configured instances, $mode gateways"
  if [[ $mode == anycast ]]; then
    # net3's host route: instance1 (cloud1) and instance2 (cloud2) get it from
    # their own cloud's server, and keep their default route via their gateway.
    sub=$(fact network.net3.subnet_id) ip1=$(fact instance.instance1.ip)
    hop=${ip1%.*}.250
    api PUT "/v2.0/subnets/$sub" \
      '{"subnet": {"host_routes": [{"destination": "203.0.113.0/24", "nexthop": "'$hop'"}]}}' >/dev/null ||
      fail "setting net3's host routes"
    for i in instance1 instance2; do
      wait_for "$i to get 203.0.113.0/24 via $hop by DHCP" 20 routed_by $i 203.0.113.0/24 "$hop"
      lab lease $i | grep -q "\"routes\":\"203.0.113.0/24 $hop 0.0.0.0/0 $(fact instance.$i.gateway)\"" ||
        fail "$i's lease has not the host route and the default route in option 121: $(lab lease $i)"
      routed_by $i default "$(fact instance.$i.gateway)" || fail "$i lost its default route via its gateway"
    done
    api PUT "/v2.0/subnets/$sub" '{"subnet": {"host_routes": []}}' >/dev/null || fail "clearing net3's host routes"
    for i in instance1 instance2; do
      wait_for "$i to drop 203.0.113.0/24" 20 routed_by $i 203.0.113.0/24 ""
      routed_by $i default "$(fact instance.$i.gateway)" || fail "$i lost its default route via its gateway"
    done
    pass "net3's host route offered by DHCP in both clouds (option 121, default route kept), and withdrawn"
  fi
  assert_down_clean
done
echo "1 passed, 0 failed"
