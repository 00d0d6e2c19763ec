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

# Port status and agent liveness (docs/architecture.md, "Port status and
# agent liveness"): every port is ACTIVE once wired (a floating IP's is N/A);
# an agent killed is dead after the lab's agent down time and its host's ports
# DOWN; restarted, it is alive and its ports ACTIVE again.
central=$(fact central)
tok=$(lab token)
api() { lab_curl -sf -H "X-Auth-Token: $tok" "$central$1"; }
# The statuses of the ports bound to host $1, and of the ports that are not
# ACTIVE anywhere (but floating IPs' N/A), as "status owner" lines.
host_statuses() { api "/v2.0/ports?binding:host_id=$1" | jq -r '[.ports[].status] | unique | join(",")'; }
not_active() {
  api /v2.0/ports | jq -r '.ports[] | select(.status != "ACTIVE" and .device_owner != "network:floatingip"
    or (.device_owner == "network:floatingip" and .status != "N/A")) | "\(.status) \(.device_owner) \(.id)"'
}
ports_are() { [[ $(host_statuses "$1") == "$2" ]]; }
all_wired() {
  local left
  left=$(not_active) || return 1
  [[ -z $left ]] || { echo "$left" | head -3 | tr '\n' ';'; return 1; }
}
agent_alive_is() { [[ $(api "/v2.0/agents?host=$1" | jq -r '.agents[0].alive') == "$2" ]]; }
host1=$(fact instance.instance1.host)
wait_for "every port ACTIVE (a floating IP's N/A)" 30 all_wired
for h in $(fact hosts); do agent_alive_is "$h" true || fail "agent of $h not alive: $(api "/v2.0/agents?host=$h")"; done
pass "every port ACTIVE once wired, every agent alive"
lab kill "agent-$host1"
wait_for "the agent of $host1 dead after the down time" 30 agent_alive_is "$host1" false
wait_for "the ports of $host1 DOWN with its agent" 10 ports_are "$host1" DOWN
api "/v2.0/agents?host=$host1" | jq -e '.agents[0].heartbeat_timestamp != null and .agents[0].started_at != null' \
  >/dev/null || fail "agent of $host1 without heartbeat or start time: $(api "/v2.0/agents?host=$host1")"
lab start "agent-$host1"
wait_for "the agent of $host1 alive again" 30 agent_alive_is "$host1" true
wait_for "the ports of $host1 ACTIVE again" 30 ports_are "$host1" ACTIVE
pass "agent of $host1 killed: dead and its ports DOWN; restarted: alive and ACTIVE again"

# A change while cloud2 is down: a new instance port in cloud1 is pushed to
# cloud2 once it is back, and instance4 reaches it.
lab kill cloud-cloud2
lab add-instance instance5 --host c1-h1 --network net4 --ip 10.0.4.15
lab start cloud-cloud2
wait_for "instance4 -> instance5 (created while cloud2 was down)" 30 ping_ok instance4 10.0.4.15
pass "a port created while cloud2 was down reached it after its restart"
assert_down_clean
