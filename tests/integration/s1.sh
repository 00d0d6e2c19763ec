#!/usr/bin/env bash
# Issue 3, the seed's scenario S1 end to end: instance1 (net1, R1, cloud1) and
# instance2 (net2, R2, cloud2), each with a second NIC on net3 (stretched,
# unrouted), both configured by DHCP. The internet reaches each instance's
# service through its cloud's floating IP; each instance reaches the internet
# through its own cloud; TCP between them over net3 works.
source "$(dirname "$0")/lib.sh"

lab_up s1
lab north-south || fail "north-south table has failures"
pass "north-south table all ok"
for n in 1 2; do
  i=instance$n other=instance$((3 - n))
  [[ $(lab lease $i --dev eth1 | grep -o '"router":"[^"]*"') == '"router":""' ]] ||
    fail "$i was given a gateway on net3, which has none"
  page=$(lab exec $i -- curl -s -m 3 "http://$(fact instance.$other.ip):8080/") ||
    fail "TCP $i -> $other over net3 failed"
  [[ $page == "$other: hello $(fact instance.$i.ip)" ]] || fail "$i -> $other over net3 answered '$page'"
  pass "TCP $i -> $other over net3: '$page'"
done
lab exec instance2 -- iperf3 -s -1 -D -p 5201
wait_for "iperf3 server in instance2" 5 lab exec instance2 -- ss -ltn 'sport = :5201' -H
lab exec instance1 -- iperf3 -c "$(fact instance.instance2.ip)" -p 5201 -t 2 >/dev/null ||
  fail "TCP bulk transfer instance1 -> instance2 over net3 failed"
pass "TCP bulk transfer instance1 -> instance2 over net3"
assert_down_clean
echo "1 passed, 0 failed"
