#!/usr/bin/env bash
# Issue 11: security groups enforced statefully by Open vSwitch's conntrack on
# every host, with real packets on S2 (instance1 c1-h1 and instance2 c2-h1 on
# net3; instance3 c1-h2 and instance4 c2-h2 on net4; every port in the admin
# project's default group, which the lab opens to ICMP and HTTP 8080 from
# anywhere). Through Neutron's API: allowed and denied TCP and ICMP, stateful
# replies, a rule added and removed, a remote group whose members live in the
# other cloud, a floating IP behind the rules, a port with port security off,
# and an allowed address pair moved between instances of two clouds.
# docs/architecture.md, "Security groups".
source "$(dirname "$0")/lib.sh"

lab_up s2
port_of() { fact "instance.$1.port_id"; }
ip_of() { fact "instance.$1.ip"; }
set_port() { api PUT "/v2.0/ports/$(port_of "$1")" "{\"port\": $2}" >/dev/null || fail "updating $1's port with $2"; }
add_rule() {  # add_rule GROUP JSON-FIELDS -> rule id
  api POST /v2.0/security-group-rules \
    "{\"security_group_rule\": {\"security_group_id\": \"$1\", \"ethertype\": \"IPv4\", $2}}" |
    jqr 'd["security_group_rule"]["id"]' || fail "adding a rule $2 to $1"
}
tcp_ok() { lab exec "$1" -- timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" >/dev/null 2>&1; }
http_from() { lab exec "$1" -- curl -s -m 2 "http://$2/" 2>/dev/null | awk -F: '{print $1}'; }
not() { ! "$@"; }
# A listener on another port than the lab's: the lab's own HTTP service.
serve() {
  setsid "$ISTHMUS" lab exec "$1" -- "$ISTHMUS" lab serve --listen "0.0.0.0:$2" --name "$1-$2" >/dev/null 2>&1 &
  disown
  wait_for "$1 listening on $2" 10 sh -c "$ISTHMUS lab exec $1 -- ss -ltnH 'sport = :$2' | grep -q LISTEN"
}

default_group=$(api GET "/v2.0/ports/$(port_of instance4)" | jqr 'd["port"]["security_groups"][0]') ||
  fail "instance4's port has no group"
serve instance4 9000
serve instance1 9000
ip1=$(ip_of instance1) ip3=$(ip_of instance3) ip4=$(ip_of instance4)
wait_for "instance1 -> instance4:9000 (default group: members reach each other)" 20 tcp_ok instance1 "$ip4" 9000
pass "the default group lets members in on any port, across clouds"

# 1. A group of its own for instance4, with no ingress rule: denied ICMP and
#    TCP; its replies to what it starts pass (stateful).
web=$(api POST /v2.0/security-groups '{"security_group": {"name": "web"}}' | jqr 'd["security_group"]["id"]') ||
  fail "creating group web"
set_port instance4 "{\"security_groups\": [\"$web\"]}"
wait_for "ICMP instance1 -> instance4 denied" 20 not ping_ok instance1 "$ip4"
not tcp_ok instance1 "$ip4" 9000 || fail "TCP instance1 -> instance4:9000 allowed with no ingress rule"
not tcp_ok instance3 "$ip4" 8080 || fail "TCP instance3 -> instance4:8080 allowed with no ingress rule"
[[ $(http_from instance4 "$ip1:8080") == instance1 ]] || fail "instance4 -> instance1:8080 got no reply (stateful egress)"
ping_ok instance4 "$ip1" || fail "instance4 -> instance1 ICMP: the echo reply was not let back in"
pass "group web: ICMP and TCP to instance4 denied; its own connections answered (stateful)"

# 2. A rule added, then removed: TCP 9000 from instance1's address only.
rule=$(add_rule "$web" "\"direction\": \"ingress\", \"protocol\": \"tcp\", \"port_range_min\": 9000, \"port_range_max\": 9000, \"remote_ip_prefix\": \"$ip1/32\"")
wait_for "instance1 -> instance4:9000 allowed by the new rule" 20 tcp_ok instance1 "$ip4" 9000
not tcp_ok instance3 "$ip4" 9000 || fail "instance3 -> instance4:9000 allowed: the rule names only $ip1"
not ping_ok instance1 "$ip4" || fail "ICMP allowed by a TCP rule"
api DELETE "/v2.0/security-group-rules/$rule" >/dev/null || fail "deleting the rule"
wait_for "instance1 -> instance4:9000 denied again" 20 not tcp_ok instance1 "$ip4" 9000
pass "a rule added (TCP 9000 from $ip1/32) lets only that in; removed, denied again"

# 3. A remote group across clouds: ICMP from the default group's members
#    (instance1 and instance3 in cloud1) into instance4 in cloud2.
rule=$(add_rule "$web" "\"direction\": \"ingress\", \"protocol\": \"icmp\", \"remote_group_id\": \"$default_group\"")
wait_for "instance1 (cloud1) -> instance4 (cloud2) ICMP via the remote group" 20 ping_ok instance1 "$ip4"
ping_ok instance3 "$ip4" || fail "instance3 -> instance4 ICMP via the remote group"
set_port instance3 "{\"security_groups\": [\"$web\"]}"  # no longer a member of the default group
wait_for "instance3 out of the remote group: denied" 20 not ping_ok instance3 "$ip4"
ping_ok instance1 "$ip4" || fail "instance1 lost ICMP when instance3 left the group"
set_port instance3 "{\"security_groups\": [\"$default_group\"]}"
pass "remote group: cloud1's members reach instance4 in cloud2; a port leaving the group loses it"

# 4. A connection survives a rule change that keeps it allowed: a 5 s iperf3
#    stream instance1 -> instance4 while another rule comes and goes.
add_rule "$web" "\"direction\": \"ingress\", \"protocol\": \"tcp\", \"port_range_min\": 5201, \"port_range_max\": 5202" >/dev/null
serve instance4 5202  # a probe of the rule that spends no iperf3 connection
wait_for "instance1 -> instance4:5202 allowed" 20 tcp_ok instance1 "$ip4" 5202
lab exec instance4 -- iperf3 -s -1 -D -p 5201
wait_for "iperf3 server in instance4" 5 lab exec instance4 -- ss -ltnH 'sport = :5201'
lab exec instance1 -- iperf3 -c "$ip4" -p 5201 -t 5 -J >/tmp/isthmus-sg-iperf.json 2>&1 &
iperf=$!
streaming() { lab exec instance4 -- ss -tnH state established "( sport = :$1 )" | grep -q .; }
wait_for "iperf3 stream running" 10 streaming 5201
extra=$(add_rule "$web" "\"direction\": \"ingress\", \"protocol\": \"udp\", \"port_range_min\": 53, \"port_range_max\": 53")
api DELETE "/v2.0/security-group-rules/$extra" >/dev/null || fail "deleting the extra rule"
wait "$iperf" || fail "the iperf3 stream broke while rules changed: $(tail -5 /tmp/isthmus-sg-iperf.json)"
bytes=$(jqr 'int(d["end"]["sum_received"]["bytes"])' </tmp/isthmus-sg-iperf.json) || fail "iperf3 gave no result"
((bytes > 0)) || fail "iperf3 moved no bytes"
pass "an established stream ($bytes bytes in 5 s) kept flowing while another rule was added and removed"

# 4b. A connection only a removed rule allowed is cut: the agent deletes its
#     conntrack entry (as Neutron does), so its next packets are new, and denied.
add_rule "$web" "\"direction\": \"ingress\", \"protocol\": \"tcp\", \"port_range_min\": 5203, \"port_range_max\": 5204" >/dev/null
serve instance4 5204
wait_for "instance1 -> instance4:5204 allowed" 20 tcp_ok instance1 "$ip4" 5204
cut=$(api GET "/v2.0/security-group-rules?security_group_id=$web" |
  jqr '[r["id"] for r in d["security_group_rules"] if r.get("port_range_min") == 5203][0]') || fail "the 5203 rule"
lab exec instance4 -- iperf3 -s -1 -D -p 5203
wait_for "iperf3 server on 5203" 5 lab exec instance4 -- ss -ltnH 'sport = :5203'
lab exec instance1 -- timeout 20 iperf3 -c "$ip4" -p 5203 -t 6 -J >/tmp/isthmus-sg-iperf.json 2>&1 &
iperf=$!
wait_for "iperf3 stream on 5203 running" 10 streaming 5203
api DELETE "/v2.0/security-group-rules/$cut" >/dev/null || fail "deleting the 5203 rule"
if wait "$iperf"; then
  fail "the stream on 5203 survived the removal of the only rule allowing it: $(grep -hE 'conntrack|connections' \
    "${ISTHMUS_LAB_DIR:-/run/isthmus/lab}"/logs/agent-c*-h*.log | tail -5)"
fi
grep -q "connections its rules no longer allow" "${ISTHMUS_LAB_DIR:-/run/isthmus/lab}/logs/agent-c2-h2.log" ||
  fail "c2-h2's agent deleted no conntrack entry"
pass "a stream only a removed rule allowed was cut (its conntrack entries deleted on c2-h2)"

# 5. A floating IP is behind the same rules: from the internet, instance1's
#    HTTP port (opened by the lab) answers, its port 9000 does not.
fip1=$(fact instance.instance1.floating_ip)
wait_for "internet -> $fip1:8080" 20 sh -c "$ISTHMUS lab exec internet -- curl -s -m 2 http://$fip1:8080/ | grep -q '^instance1:'"
not lab exec internet -- timeout 2 bash -c "exec 3<>/dev/tcp/$fip1/9000" 2>/dev/null ||
  fail "internet -> $fip1:9000 allowed: the default group lets only members in on it"
pass "floating IP: the internet reaches instance1:8080 (a rule), not :9000"

# 6. Port security off: instance3 answers for an address it was not given
#    (to instance4 on the same network: DVR routes only to the addresses
#    Neutron gave, as its permanent ARP entries are those).
lab exec instance3 -- ip addr add 10.0.4.99/24 dev eth0
not ping_ok instance4 10.0.4.99 || fail "an address instance3 was not given answered with port security on"
set_port instance3 '{"port_security_enabled": false, "security_groups": []}'
wait_for "instance4 -> 10.0.4.99 (instance3, port security off)" 20 ping_ok instance4 10.0.4.99
serve instance3 9100
tcp_ok instance4 "$ip3" 9100 || fail "port security off: instance3:9100 refused"
pass "port security off: instance3 sends and receives anything (its own extra address, any port)"

# 7. An allowed address pair moved between instance1 (cloud1) and instance2
#    (cloud2): a client on net3 reaches 10.0.3.100 on whichever holds it.
vip=10.0.3.100
lab add-instance client --host c1-h2 --network net3 >/dev/null || fail "adding a client on net3"
lab exec instance1 -- ip addr add "$vip/24" dev eth0
not tcp_ok client "$vip" 8080 || fail "$vip answered before any port was allowed to hold it"
for i in instance1 instance2; do set_port $i "{\"allowed_address_pairs\": [{\"ip_address\": \"$vip\"}]}"; done
wait_for "client -> $vip on instance1" 20 sh -c "[ \"\$($ISTHMUS lab exec client -- curl -s -m 2 http://$vip:8080/ | cut -d: -f1)\" = instance1 ]"
lab exec instance1 -- ip addr del "$vip/24" dev eth0
lab exec instance2 -- ip addr add "$vip/24" dev eth0
lab exec client -- ip neigh flush dev eth0  # its ARP entry expires (arping is not installed)
wait_for "client -> $vip on instance2 (cloud2)" 20 sh -c "[ \"\$($ISTHMUS lab exec client -- curl -s -m 2 http://$vip:8080/ | cut -d: -f1)\" = instance2 ]"
set_port instance2 '{"allowed_address_pairs": []}'
lab exec client -- ip neigh flush dev eth0
wait_for "$vip on instance2 without the pair: nothing answers" 20 not tcp_ok client "$vip" 8080
pass "allowed address pair $vip moved from instance1 (cloud1) to instance2 (cloud2); without the pair it is spoofing"

assert_down_clean
echo "1 passed, 0 failed"
