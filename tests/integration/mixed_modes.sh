#!/usr/bin/env bash
# Routers of both modes side by side on the same stretched networks (issue 9):
# s2-mixed has R1 distributed in cloud1 and R2 legacy in cloud2, both on net3
# and net4. In both gateway modes: every ordered pair reaches every other, each
# instance uses its own cloud's gateway (address and MAC) and sees that MAC as
# the source of routed traffic whichever cloud routed it, and north-south
# leaves through each instance's own cloud. The legacy router's extra route
# (on cloud2's network node) reaches an address instance1 owns in cloud1, and
# with the router administratively down nothing is routed through it.
source "$(dirname "$0")/lib.sh"


for mode in anycast per-cloud; do
  lab_up s2-mixed --gateway-mode=$mode
  assert_all_pairs_ping "R1 distributed, R2 legacy, $mode gateways"
  for i in instance1 instance2 instance3 instance4; do
    cloud=$(fact instance.$i.cloud) net=$(fact instance.$i.network)
    router=R${cloud#cloud}
    [[ $(fact instance.$i.gateway) == "$(fact router.$router.$net.ip)" ]] ||
      fail "$i ($cloud) was given gateway $(fact instance.$i.gateway), want $router's $(fact router.$router.$net.ip) ($mode)"
    mac=$(gateway_mac $i)
    [[ $mac == "$(fact router.$router.$net.mac)" ]] ||
      fail "$i resolved its gateway to $mac, want $router's $(fact router.$router.$net.mac) ($mode)"
  done
  pass "each instance uses its own cloud's gateway address and MAC ($mode)"
  # Routed across clouds by the DVR router (instance1 -> instance4, R1 on
  # c1-h1) and by the legacy one (instance4 -> instance1, R2 on c2-net).
  for pair in "instance4 instance1 R2 net4" "instance1 instance4 R1 net3" \
              "instance3 instance2 R1 net4" "instance2 instance3 R2 net3"; do
    set -- $pair
    src=$(routed_source_mac $1 $2)
    [[ $src == "$(fact router.$3.$4.mac)" ]] ||
      fail "$1 saw source MAC '$src' on a packet routed from $2, want its own cloud's gateway MAC $(fact router.$3.$4.mac) ($mode)"
  done
  pass "routed packets carry the receiver's own cloud's gateway MAC, both modes of router ($mode)"
  ping_train instance1 instance4 100
  ping_train instance4 instance1 100
  pass "100 pings each way between the clouds' routed pair, none lost or duplicated ($mode)"
  lab north-south || fail "north-south is not local in every cloud ($mode)"
  pass "north-south local: each instance leaves through its own cloud ($mode)"
  if [[ $mode == anycast ]]; then
    # R2 (legacy, c2-net): 203.0.113.0/24 via instance1, which owns 203.0.113.1
    # (an address pair of its port); instance4 reaches it, across clouds.
    ip1=$(fact instance.instance1.ip) r2=$(fact router.R2.id)
    port1=$(lab_curl -sf "$(fact central)/v2.0/ports?fixed_ips=ip_address=$ip1" -H "X-Auth-Token: $(lab token)" |
      jq -r '.ports[0].id')
    api PUT "/v2.0/ports/$port1" '{"port": {"allowed_address_pairs": [{"ip_address": "203.0.113.0/24"}]}}' >/dev/null ||
      fail "adding 203.0.113.0/24 to instance1's address pairs"
    lab exec instance1 -- ip addr add 203.0.113.1/32 dev lo
    api PUT "/v2.0/routers/$r2" '{"router": {"routes": [{"destination": "203.0.113.0/24", "nexthop": "'$ip1'"}]}}' >/dev/null ||
      fail "setting R2's routes"
    wait_for "instance4 -> 203.0.113.1 through legacy R2's extra route" 20 ping_ok instance4 203.0.113.1
    api PUT "/v2.0/routers/$r2" '{"router": {"admin_state_up": false}}' >/dev/null || fail "setting R2 down"
    wait_for "instance4 -> instance1 to stop with legacy R2 down" 20 no_ping instance4 "$ip1"
    api PUT "/v2.0/routers/$r2" '{"router": {"admin_state_up": true}}' >/dev/null || fail "setting R2 up"
    wait_for "instance4 -> 203.0.113.1 with R2 up again" 20 ping_ok instance4 203.0.113.1
    pass "legacy R2: its extra route reaches 203.0.113.1 on instance1; down, it routes nothing; up, it does again"
  fi
  assert_down_clean
done
echo "1 passed, 0 failed"
