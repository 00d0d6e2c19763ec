#!/usr/bin/env bash
# Issue 11: a remote group whose members live on a network another cloud does
# not have. On s2-partial, instance5 is on net1, which only cloud1 has; R1
# (distributed, cloud1) routes it to net4, stretched over both clouds, where
# instance4 lives in cloud2. cloud2 never receives instance5's port, yet its
# address must be in the remote_ips of a rule naming instance5's group: central
# sends cloud2 a group member record for it. instance4 is put in a group whose
# only ingress rule is ICMP from the default group: instance5 outside that
# group is denied first (so the new rules are in place), then let in as a
# member, then denied again once out of it.
# docs/architecture.md, "Security groups".
source "$(dirname "$0")/lib.sh"

lab_up s2-partial
api() {  # api METHOD PATH [BODY]: central's Neutron API as the lab's admin
  lab_curl -sf -X "$1" -H "X-Auth-Token: $TOKEN" -H "Content-Type: application/json" \
    "${CENTRAL}$2" ${3:+-d "$3"}
}
CENTRAL=$(fact identity.auth_url); CENTRAL=${CENTRAL%/v3}
TOKEN=$(lab token) || fail "no token"
jqr() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
port_of() { fact "instance.$1.port_id"; }
set_port() { api PUT "/v2.0/ports/$(port_of "$1")" "{\"port\": $2}" >/dev/null || fail "updating $1's port with $2"; }
not() { ! "$@"; }

ip4=$(fact instance.instance4.ip)
wait_for "instance5 (net1, cloud1 only) -> instance4 (net4, cloud2) through R1" 30 ping_ok instance5 "$ip4"
pass "instance5 reaches instance4 through R1 (the default group lets ICMP in from anywhere)"

default_group=$(api GET "/v2.0/ports/$(port_of instance5)" | jqr 'd["port"]["security_groups"][0]') ||
  fail "instance5's port has no group"
members=$(api POST /v2.0/security-groups '{"security_group": {"name": "members-only"}}' |
  jqr 'd["security_group"]["id"]') || fail "creating group members-only"
api POST /v2.0/security-group-rules "{\"security_group_rule\": {\"security_group_id\": \"$members\", \
\"ethertype\": \"IPv4\", \"direction\": \"ingress\", \"protocol\": \"icmp\", \"remote_group_id\": \"$default_group\"}}" \
  >/dev/null || fail "adding ICMP from the default group to members-only"
other=$(api POST /v2.0/security-groups '{"security_group": {"name": "outsider"}}' |
  jqr 'd["security_group"]["id"]') || fail "creating group outsider"
# First a non-member: denied once instance4's new rules are in place.
set_port instance5 "{\"security_groups\": [\"$other\"]}"
set_port instance4 "{\"security_groups\": [\"$members\"]}"
wait_for "instance5 (not a member) -> instance4 denied" 20 not ping_ok instance5 "$ip4"
# instance3 (net4, cloud1: a member cloud2 receives as a port) gets through.
wait_for "instance3 -> instance4 ICMP via the remote group" 20 ping_ok instance3 "$ip4"
pass "instance4 lets in only the default group's members: instance5, outside it, is denied"
set_port instance5 "{\"security_groups\": [\"$default_group\"]}"
wait_for "instance5 -> instance4 ICMP via the remote group (a member cloud2 has no port of)" 20 ping_ok instance5 "$ip4"
pass "a member on a network only cloud1 has is let in by cloud2's remote-group rule"
set_port instance5 "{\"security_groups\": [\"$other\"]}"
wait_for "instance5 out of the default group again: denied" 20 not ping_ok instance5 "$ip4"
ping_ok instance3 "$ip4" || fail "instance3 lost ICMP when instance5 left the group"
pass "out of the group again, instance5 is denied; instance3 still gets through"

assert_down_clean
echo "1 passed, 0 failed"
