#!/usr/bin/env bash
# requirement 5: per-cloud gateway addressing (Tricircle's: each cloud's
# router has its own gateway IP on a stretched subnet) works with DVR and with
# legacy routers; instances use their own cloud's gateway. (anycast, the
# default, is what s2_dvr.sh and s2_legacy.sh run.)
source "$(dirname "$0")/lib.sh"

for mode in "" --legacy; do
  lab_up s2 $mode --gateway-mode=per-cloud
  g1=$(fact instance.instance1.gateway) g2=$(fact instance.instance2.gateway)
  [[ "$g1" != "$g2" ]] || fail "instance1 and instance2 (net3, different clouds) share gateway $g1 in per-cloud mode"
  [[ "$g1" == "$(fact router.R1.net3.ip)" && "$g2" == "$(fact router.R2.net3.ip)" ]] ||
    fail "instances do not use their own cloud's gateway ($g1, $g2)"
  pass "per-cloud gateways on net3: cloud1 $g1, cloud2 $g2 ${mode:-(DVR)}"
  assert_all_pairs_ping "per-cloud gateways ${mode:-DVR}"
  assert_down_clean
done
