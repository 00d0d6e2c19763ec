#!/usr/bin/env bash
# S2 with legacy (centralized) routers on one network node per cloud.
source "$(dirname "$0")/lib.sh"

lab_up s2 --legacy
for a in instance1 instance2 instance3 instance4; do
  for b in instance1 instance2 instance3 instance4; do
    [[ $a == "$b" ]] && continue
    wait_for "$a -> $b ping (legacy)" 30 ping_ok "$a" "$(fact instance.$b.ip)"
  done
done
pass "12/12 ordered pairs ping (legacy routers)"
assert_down_clean
