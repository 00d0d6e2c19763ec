#!/usr/bin/env bash
# Open vSwitch restarts under the agent: with S2 up and a 10 ms ping running
# from instance1 to instance4 (other cloud, routed by DVR), instance1's host's
# ovs-vswitchd is killed (-9) and started again, then its ovsdb-server. A
# restarted vswitchd comes back with no flows at all; the agent must notice on
# its own (nothing else changes) and reinstall everything. Then the same host's
# vswitchd is wedged (SIGSTOP): the agent stays responsive (its commands time
# out, it stops on SIGTERM at once) and heals on SIGCONT.
source "$(dirname "$0")/lib.sh"

ping_pid=
# The background ping must not outlive a failed run (lab down does not end it).
trap '[[ -n "$ping_pid" ]] && kill -KILL "$ping_pid" 2>/dev/null; cleanup' EXIT

lab_up s2
host=$(fact instance.instance1.host)
i4=$(fact instance.instance4.ip)
agent_log=/run/isthmus/lab/logs/agent-$host.log
wait_for "instance1 -> instance4" 30 ping_ok instance1 "$i4"

# The agent's flows (cookie 0x15a7) on one bridge of $host.
flows() {
  lab exec "$host" -- ovs-ofctl -O OpenFlow14 dump-flows "$1" cookie=0x15a7/-1 2>/dev/null |
    grep -c cookie= || true
}
flows_are() { [[ "$(flows br-int) $(flows br-tun)" == "$1" ]]; }
replies() { grep -c "bytes from" "$1" || true; }
more_replies() { (($(replies "$1") >= $2)); }
# A process that ended (a zombie counts: nothing here may reap it at once).
gone() { [[ ! -e /proc/$1 ]] || [[ $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) == Z ]]; }
# Sends SIGTERM and waits up to 2 s (the daemons' contract) for the end.
stops_on_sigterm() {
  local pid=$1 deadline=$(($(date +%s%N) + 2000000000))
  kill -TERM "$pid"
  until gone "$pid"; do
    (($(date +%s%N) < deadline)) || return 1
    sleep 0.05
  done
}

before="$(flows br-int) $(flows br-tun)"
[[ "$before" != "0 0" ]] || fail "no agent flows on $host to begin with"
pass "$host holds $before agent flows (br-int br-tun)"

for kind in ovs-vswitchd ovsdb-server; do
  daemon=$kind-$host
  log=$(mktemp)
  # The binary itself in the background (not the lab function, whose subshell
  # would be what $! names): `lab exec` becomes the ping, so killing it ends it.
  "$ISTHMUS" lab exec instance1 -- ping -i 0.01 -W 1 "$i4" >"$log" 2>&1 &
  ping_pid=$!
  wait_for "the 10 ms ping to start answering" 10 more_replies "$log" 20
  n_back=$(grep -c "$kind is back" "$agent_log" || true)
  lab kill "$daemon"
  lab daemons | grep "^$daemon stopped" >/dev/null || fail "$daemon still runs after lab kill"
  lab start "$daemon" || fail "lab start $daemon failed"
  # Nothing else changes: the agent alone must bring its flows back.
  wait_for "the agent's flows on $host back to $before after the $kind restart" 20 flows_are "$before"
  wait_for "the agent to notice $kind's restart" 20 bash -c \
    "(( \$(grep -c '$kind is back' '$agent_log') > $n_back ))"
  wait_for "instance1 -> instance4 after the $kind restart" 30 ping_ok instance1 "$i4"
  # Pings flow again: 100 more answers on the 10 ms ping.
  got=$(replies "$log")
  wait_for "the 10 ms ping to answer again after the $kind restart" 30 more_replies "$log" $((got + 100))
  kill -KILL "$ping_pid"
  wait "$ping_pid" 2>/dev/null || true
  ping_pid=
  # Lost: sequence numbers never answered between the first and last reply.
  read -r sent recv lost < <(grep 'bytes from' "$log" | grep -o 'icmp_seq=[0-9]*' | cut -d= -f2 | sort -nu |
    awk 'NR == 1 {first = $1} {n++; last = $1} END {print last - first + 1, n, last - first + 1 - n}')
  after="$(flows br-int) $(flows br-tun)"
  [[ "$after" == "$before" ]] || fail "flows on $host after the $kind restart: $after, before: $before"
  pass "$kind restart on $host: agent reinstalled its flows ($after) with no other change; outage $lost lost pings x 10 ms = $((lost * 10)) ms ($recv/$sent answered)"
  grep -E "closed its OpenFlow|is back|OVSDB monitor|applied in" "$agent_log" | tail -4 | sed 's/^/  agent: /'
  rm -f "$log"
done

# A wedged vswitchd: stop it, restart the agent (its first pass must talk to
# vswitchd), and check the agent's commands time out instead of hanging it.
lab kill "ovs-vswitchd-$host" --signal 19
n_timeouts=$(grep -c "timed out after" "$agent_log" || true)
lab kill "agent-$host"
lab start "agent-$host"
wait_for "the agent's command against the wedged vswitchd to time out" 30 bash -c \
  "(( \$(grep -c 'timed out after' '$agent_log') > $n_timeouts ))"
pass "with ovs-vswitchd stopped (SIGSTOP), the agent's command timed out: $(grep 'timed out after' "$agent_log" | tail -1 | sed 's/.*will retry: //')"

# SIGTERM while it waits on the wedged vswitchd: gone within 2 s, no child left.
agent_pid=$(cat /run/isthmus/lab/pids/agent-$host.pid)
children=$(pgrep -P "$agent_pid" | tr '\n' ' ' || true)
stops_on_sigterm "$agent_pid" || fail "agent did not stop within 2 s of SIGTERM while waiting on a wedged vswitchd"
for c in $children; do
  wait_for "the agent's child $c to end with it" 5 gone "$c"
done
pass "agent stopped within 2 s of SIGTERM mid-command, leaving no child (had: ${children:-none})"

lab start "agent-$host"
wait_for "the restarted agent to time out on the wedged vswitchd again" 30 bash -c \
  "(( \$(grep -c 'timed out after' '$agent_log') > $n_timeouts + 1 ))"
n_applied=$(grep -c "applied in" "$agent_log" || true)
lab kill "ovs-vswitchd-$host" --signal 18
wait_for "the agent to apply its state once vswitchd is SIGCONT'ed" 30 bash -c \
  "(( \$(grep -c 'applied in' '$agent_log') > $n_applied ))"
wait_for "the agent's flows on $host to be $before after SIGCONT" 30 flows_are "$before"
wait_for "instance1 -> instance4 after SIGCONT" 30 ping_ok instance1 "$i4"
pass "vswitchd SIGCONT'ed: the agent healed ($before flows, instance1 -> instance4 pings)"

# The agent stops on SIGTERM within 2 s while it waits on its long-poll; so
# do a cloud (its agents' long-polls pending) and central.
for d in "agent-$host" cloud-cloud1 central; do
  stops_on_sigterm "$(cat "/run/isthmus/lab/pids/$d.pid")" || fail "$d did not stop within 2 s of SIGTERM"
done
pass "agent (in its long-poll), cloud1 (long-polls pending) and central each stopped within 2 s of SIGTERM"
assert_down_clean
