#!/usr/bin/env bash
# requirement 7 (issue 9): a stretched subnet routed by the routers of
# only some of its clouds. Instances of a cloud without a router on their
# subnet use the router of the first cloud (by index) that has one, reach every
# routed destination through it and get the replies, with no packet ever
# duplicated, even when their frames to the gateway MAC are flooded to every
# host of that (distributed) router. Two clouds (s2-partial) and three
# (three-clouds, with a legacy router in cloud2). On s2-partial also: a remote
# security group whose members are on a network only the other cloud has.
source "$(dirname "$0")/lib.sh"

# served INSTANCE ROUTER NETWORK: the instance's gateway is ROUTER's leg on NETWORK.
served() {
  [[ $(fact instance.$1.gateway) == "$(fact router.$2.$3.ip)" ]] ||
    fail "$1 was given gateway $(fact instance.$1.gateway), want $2's $(fact router.$2.$3.ip)"
  local mac
  mac=$(gateway_mac $1)
  [[ $mac == "$(fact router.$2.$3.mac)" ]] || fail "$1 resolved its gateway to $mac, want $2's $(fact router.$2.$3.mac)"
}

# exits_via INSTANCE EXTERNAL: its traffic to the internet leaves through EXTERNAL.
exits_via() {
  local used
  used=$({ lab north-south --json || true; } | python3 -c "import json,sys; print(' '.join(r['used'] for r in json.load(sys.stdin)['rows'] if r['instance'] == '$1' and r['direction'] == 'out'))")
  [[ $used == "$2" ]] || fail "$1 went out through '$used', want $2"
}

# --- two clouds: cloud2 has no router at all; R1 serves net3 and net4 there.
lab_up s2-partial
assert_all_pairs_ping "s2-partial: cloud2 served by R1"
served instance2 R1 net3
served instance4 R1 net4
src=$(routed_source_mac instance2 instance3)
[[ $src == "$(fact router.R1.net3.mac)" ]] || fail "instance2 saw source MAC '$src' on a routed packet, want R1's net3 MAC"
pass "cloud2's instances use R1's gateway and see its MAC on routed traffic"
for pair in "instance2 instance3" "instance2 instance4" "instance4 instance1" "instance3 instance2"; do
  ping_train $pair 100
done
pass "100 pings on each routed pair through the serving router: none lost, none duplicated"
exits_via instance2 ext-net1
exits_via instance4 ext-net1
pass "cloud2's instances go out through R1's cloud (ext-net1)"

# Frames to the gateway MAC flooded to every host of net3 in cloud1 (the
# switching entries toward cloud1's network node removed on c2-h1): only the
# network node routes them, the other hosts of the DVR router R1 drop them.
r1mac=$(fact router.R1.net3.mac)
for br in br-int br-tun; do
  lab exec c2-h1 -- ovs-ofctl del-flows $br "dl_dst=$r1mac" ||
    fail "could not remove the fdb entries for $r1mac on c2-h1 $br"
done
lab exec c2-h1 -- ovs-ofctl dump-flows br-tun | grep -i "dl_dst=$r1mac" >/dev/null && fail "fdb entry for $r1mac still on c2-h1"
ping_train instance2 instance3 100
dropped=$(lab exec c1-h1 -- ovs-ofctl dump-flows br-int "table=0,dl_dst=$r1mac" | grep -o 'n_packets=[0-9]*' | awk -F= '{n += $2} END {print n + 0}')
((dropped > 0)) || fail "the flooded frames never reached c1-h1 (the test did not flood)"
pass "flooded to every host of R1: $dropped frames dropped on c1-h1, 100 pings, none duplicated"

# A remote group whose members live on a network another cloud does not have
# (issue 11). instance5 is on net1, which only cloud1 has; R1 routes it to
# net4, where instance4 lives in cloud2. cloud2 never receives instance5's
# port, yet its address must be in the remote_ips of a rule naming its group:
# central sends cloud2 a group member record for it. instance4 gets a group
# whose only ingress rule is ICMP from the default group: instance5 outside
# that group is denied first (so the new rules are in place), then let in as a
# member, then denied again once out of it. docs/architecture.md, "Security groups".
port_of() { fact "instance.$1.port_id"; }
set_port() { api PUT "/v2.0/ports/$(port_of "$1")" "{\"port\": $2}" >/dev/null || fail "updating $1's port with $2"; }
group() { api POST /v2.0/security-groups "{\"security_group\": {\"name\": \"$1\"}}" | jqr 'd["security_group"]["id"]'; }
ip4=$(fact instance.instance4.ip)
default_group=$(api GET "/v2.0/ports/$(port_of instance5)" | jqr 'd["port"]["security_groups"][0]') ||
  fail "instance5's port has no group"
members=$(group members-only) || fail "creating group members-only"
api POST /v2.0/security-group-rules "{\"security_group_rule\": {\"security_group_id\": \"$members\", \
\"ethertype\": \"IPv4\", \"direction\": \"ingress\", \"protocol\": \"icmp\", \"remote_group_id\": \"$default_group\"}}" \
  >/dev/null || fail "adding ICMP from the default group to members-only"
other=$(group outsider) || fail "creating group outsider"
set_port instance5 "{\"security_groups\": [\"$other\"]}"
set_port instance4 "{\"security_groups\": [\"$members\"]}"
wait_for "instance5 (not a member) -> instance4 denied" 20 no_ping instance5 "$ip4"
# instance3 (net4, cloud1: a member cloud2 receives as a port) gets through.
wait_for "instance3 -> instance4 ICMP via the remote group" 20 ping_ok instance3 "$ip4"
pass "instance4 lets in only the default group's members: instance5, outside it, is denied"
set_port instance5 "{\"security_groups\": [\"$default_group\"]}"
wait_for "instance5 -> instance4 ICMP via the remote group (a member cloud2 has no port of)" 20 ping_ok instance5 "$ip4"
pass "a member on a network only cloud1 has is let in by cloud2's remote-group rule"
set_port instance5 "{\"security_groups\": [\"$other\"]}"
wait_for "instance5 out of the default group again: denied" 20 no_ping instance5 "$ip4"
ping_ok instance3 "$ip4" || fail "instance3 lost ICMP when instance5 left the group"
pass "out of the group again, instance5 is denied; instance3 still gets through"

# --- three clouds: cloud3 has no router; R1 (cloud1, distributed) serves its
# net-a and net-c; R2 (cloud2, legacy) has no leg on net-c.
no_route="a2>c1 a2>c3 b2>c1 b2>c3 c1>a2 c1>b2 c3>a2 c3>b2"
lab_up three-clouds
assert_all_pairs_ping "three-clouds" $no_route
served a3 R1 net-a
served c3 R1 net-c
for pair in "a3 b2" "b2 a3" "c3 b1" "a3 c1" "a2 a3"; do
  ping_train $pair 100
done
pass "100 pings on routed pairs through the serving router across three clouds: none lost, none duplicated"
exits_via a3 ext-net1
exits_via c3 ext-net1
pass "cloud3's instances go out through R1's cloud (ext-net1)"
assert_down_clean
echo "1 passed, 0 failed"
