#!/usr/bin/env bash
# requirement 6: with DVR MAC federation off the seed's failure comes
# back (instance1 -> instance4 is dropped at the receiving host) while pairs
# inside one cloud still work; with it on (s2_dvr.sh) the pair works.
source "$(dirname "$0")/lib.sh"

lab_up s2 --no-dvr-mac-federation
wait_for "instance1 -> instance3 (same cloud, routed)" 30 ping_ok instance1 "$(fact instance.instance3.ip)"
wait_for "instance3 -> instance1 (same cloud, routed)" 30 ping_ok instance3 "$(fact instance.instance1.ip)"
wait_for "instance2 -> instance4 (same cloud, routed)" 30 ping_ok instance2 "$(fact instance.instance4.ip)"
wait_for "instance4 -> instance2 (same cloud, routed)" 30 ping_ok instance4 "$(fact instance.instance2.ip)"
pass "routed pairs inside one cloud work without federation"

if lab exec instance1 -- ping -c 3 -W 1 "$(fact instance.instance4.ip)" >/dev/null 2>&1; then
  fail "instance1 -> instance4 works without DVR MAC federation: the seed's failure did not reproduce"
fi
pass "instance1 -> instance4 fails without DVR MAC federation (the seed's failure)"

# The drop happens at the receiving host, on the guard against untrusted DVR MACs.
drops=$(lab exec c2-h2 -- ovs-ofctl -O OpenFlow14 dump-flows br-tun table=9 |
          grep 'priority=1,dl_src=fa:16:3f:00:00:00/ff:ff:ff:00:00:00 ' | grep -o 'n_packets=[0-9]*')
[[ "${drops#n_packets=}" -gt 0 ]] || fail "no packet hit c2-h2's untrusted-DVR-MAC guard ($drops)"
pass "c2-h2 dropped the routed packets at its DVR MAC guard ($drops)"
assert_down_clean
