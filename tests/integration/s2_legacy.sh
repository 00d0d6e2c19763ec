#!/usr/bin/env bash
# S2 with legacy (centralized) routers on one network node per cloud.
source "$(dirname "$0")/lib.sh"

lab_up s2 --legacy
assert_all_pairs_ping "legacy routers"
assert_down_clean
