#!/usr/bin/env bash
# Issue 3, north-south in S2, with distributed and with legacy routers: every
# instance reaches the internet service; captures on both external networks
# show each instance's traffic leaving only through its own cloud's external
# network, with the expected source (its floating IP, else its router's SNAT
# address); inbound through each cloud's floating IP works, and stops after
# disassociation (and works again after re-association).
source "$(dirname "$0")/lib.sh"

central=""
fip_put() {  # fip_put ID JSON-PORT-ID
  lab_curl -sf -X PUT "$central/v2.0/floatingips/$1" -H 'Content-Type: application/json' \
    -H "X-Auth-Token: $(lab token)" \
    -d "{\"floatingip\": {\"port_id\": $2}}" >/dev/null
}
fetch_fip() { lab exec internet -- curl -s -m 2 "http://$1:8080/" | grep "^$2:" >/dev/null; }
no_fetch_fip() { ! lab exec internet -- curl -s -m 2 "http://$1:8080/" >/dev/null; }

for mode in "" --legacy; do
  what=${mode:-DVR}
  lab_up s2 $mode
  central=$(fact central)

  # 1. The lab's own north-south table: all rows ok.
  lab north-south || fail "north-south table has failures ($what)"
  pass "north-south table all ok ($what)"

  # 2. Captures on both external networks while every instance calls out.
  pcap1=$(mktemp --suffix=.pcap) pcap2=$(mktemp --suffix=.pcap) err1=$(mktemp) err2=$(mktemp)
  lab exec internet -- timeout 10 tcpdump -i ext-cloud1 -nn -U -w "$pcap1" 'tcp port 80' 2>"$err1" &
  t1=$!
  lab exec internet -- timeout 10 tcpdump -i ext-cloud2 -nn -U -w "$pcap2" 'tcp port 80' 2>"$err2" &
  t2=$!
  wait_for "tcpdump on ext-cloud1" 5 grep -q "listening on" "$err1"
  wait_for "tcpdump on ext-cloud2" 5 grep -q "listening on" "$err2"
  for i in instance1 instance2 instance3 instance4; do
    lab exec "$i" -- curl -s -m 3 http://198.51.100.10/ >/dev/null || fail "$i cannot reach the internet service ($what)"
  done
  wait "$t1" "$t2" || true
  srcs1=$(tcpdump -nn -r "$pcap1" 'dst host 198.51.100.10' 2>/dev/null | awk '{print $3}' | sed 's/\.[0-9]*$//' | sort -u)
  srcs2=$(tcpdump -nn -r "$pcap2" 'dst host 198.51.100.10' 2>/dev/null | awk '{print $3}' | sed 's/\.[0-9]*$//' | sort -u)
  want1="$(fact instance.instance1.floating_ip) $(fact router.R1.gateway_ip)"
  want2="$(fact instance.instance2.floating_ip) $(fact router.R2.gateway_ip)"
  [[ "$(echo $srcs1)" == "$(echo $want1 | tr ' ' '\n' | sort -u | xargs)" ]] ||
    fail "ext-net1 saw sources [$(echo $srcs1)], want exactly instance1's floating IP and R1's SNAT address [$want1] ($what)"
  [[ "$(echo $srcs2)" == "$(echo $want2 | tr ' ' '\n' | sort -u | xargs)" ]] ||
    fail "ext-net2 saw sources [$(echo $srcs2)], want exactly instance2's floating IP and R2's SNAT address [$want2] ($what)"
  pass "ext-net1 carries only cloud1's instances (sources $(echo $srcs1)), ext-net2 only cloud2's ($(echo $srcs2)) ($what)"

  # 3. Floating IPs: inbound works; disassociated, it stops; associated again, it works.
  for n in 1 2; do
    i=instance$n fip=$(fact instance.instance$n.floating_ip) id=$(fact instance.instance$n.floating_ip_id)
    wait_for "$i via floating IP $fip" 20 fetch_fip "$fip" "$i"
    fip_put "$id" null || fail "disassociating $fip failed"
    lab wait-converged --timeout 30 || fail "no convergence after disassociating $fip"
    wait_for "$fip to stop answering after disassociation" 20 no_fetch_fip "$fip"
    pass "$i: inbound via $fip works, and stops after disassociation ($what)"
    fip_put "$id" "\"$(fact instance.instance$n.port_id)\"" || fail "re-associating $fip failed"
    lab wait-converged --timeout 30 || fail "no convergence after re-associating $fip"
    wait_for "$i via floating IP $fip again" 20 fetch_fip "$fip" "$i"
    pass "$i: inbound via $fip works again after re-association ($what)"
  done
  assert_down_clean
done
echo "1 passed, 0 failed"
