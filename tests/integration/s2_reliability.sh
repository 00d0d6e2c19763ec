#!/usr/bin/env bash
# Reliability (docs/requirements.md): with every control-plane process killed
# (kill -9) the data plane keeps forwarding; restarted, each resumes from its DB
# and the agents resync without dropping established traffic; a change made
# while a cloud is down reaches it when it comes back.
source "$(dirname "$0")/lib.sh"

lab_up s2
i4=$(fact instance.instance4.ip)
wait_for "instance1 -> instance4" 30 ping_ok instance1 "$i4"

# Every isthmus daemon (each host's Open vSwitch is the data plane: it stays).
for d in $(lab daemons | awk '{print $1}' | grep -v '^ovs'); do lab kill "$d"; done
lab daemons | grep -v '^ovs' | grep running >/dev/null && fail "a daemon survived kill -9: $(lab daemons)"
for pair in "instance1 $i4" "instance3 $(fact instance.instance2.ip)" "instance2 $(fact instance.instance1.ip)"; do
  set -- $pair
  lab exec "$1" -- ping -c 2 -W 1 "$2" >/dev/null || fail "$1 -> $2 stopped working with the control plane down"
done
pass "with central, both clouds and every agent killed, routed traffic across clouds still flows"

# A continuous ping across the restarts must not lose a packet.
log=$(mktemp)
lab exec instance1 -- ping -i 0.05 -c 200 -W 1 "$i4" >"$log" 2>&1 &
ping_pid=$!
lab start central
lab start cloud-cloud1
lab start cloud-cloud2
for h in $(fact hosts); do lab start "agent-$h"; done
lab wait-converged --timeout 60 || fail "agents did not converge after the restarts"
wait "$ping_pid" || true
loss=$(grep -o '[0-9.]*% packet loss' "$log")
[[ "$loss" == "0% packet loss" ]] || fail "instance1 -> instance4 lost packets across the restarts: $loss"
pass "restarted daemons resumed and agents resynced with 0% loss ($(grep -o '[0-9]* received' "$log"))"

# A change while cloud2 is down: a new instance port in cloud1 is pushed to
# cloud2 once it is back, and instance4 reaches it.
lab kill cloud-cloud2
lab add-instance instance5 --host c1-h1 --network net4 --ip 10.0.4.15
lab start cloud-cloud2
wait_for "instance4 -> instance5 (created while cloud2 was down)" 30 ping_ok instance4 10.0.4.15
pass "a port created while cloud2 was down reached it after its restart"
assert_down_clean
