#!/usr/bin/env bash
# Routers of both modes side by side on the same stretched networks (issue 9):
# s2-mixed has R1 distributed in cloud1 and R2 legacy in cloud2, both on net3
# and net4. In both gateway modes: every ordered pair reaches every other, each
# instance uses its own cloud's gateway (address and MAC) and sees that MAC as
# the source of routed traffic whichever cloud routed it, and north-south
# leaves through each instance's own cloud.
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
  assert_down_clean
done
echo "1 passed, 0 failed"
