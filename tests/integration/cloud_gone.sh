#!/usr/bin/env bash
# Issue 9, one cloud gone and the rest unharmed, for N clouds: with 10 ms ping
# trains running between the surviving clouds' instances (the same network
# across clouds, and routed across clouds), from them to the internet service
# and from the internet into their floating IPs, every process of one cloud is
# killed (-9: controller, agents, each host's Open vSwitch, dnsmasq). No train
# may lose a ping or see a DUP!. Then the cloud is started again and its
# instances must ping every peer they pinged before (both ways) and reach the
# internet again.
source "$(dirname "$0")/lib.sh"

# The topology (a file or a shipped name) and the cloud to kill. Any topology
# works: the trains and the peers to recover are read from what it built.
TOPOLOGY=${CLOUD_GONE_TOPOLOGY:-$(dirname "$0")/topologies/cloud-gone.json}
DEAD=${CLOUD_GONE_CLOUD:-cloud3}
# Pings per train (-c, every 10 ms): the kill comes once every train answers;
# at least MIN_AFTER_KILL of them must be sent after it.
COUNT=600
MIN_AFTER_KILL=300
# A daemon of a surviving cloud to kill with the cloud, to see the test fail
# (e.g. ovs-vswitchd-c1-h1); empty in the real test.
ALSO_KILL=${CLOUD_GONE_ALSO_KILL:-}

train_pids=()
# The trains must not outlive a failed run (lab down does not end them).
trap 'for p in "${train_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done; cleanup; rm -rf "${work:-}"' EXIT
work=$(mktemp -d)
now_ms() { echo $(($(date +%s%N) / 1000000)); }

t_up=$(now_ms)
lab_up "$TOPOLOGY"
pass "lab up $TOPOLOGY in $((($(now_ms) - t_up) / 1000)) s"
lab show >"$work/facts.json"
lab show --get "cloud.$DEAD" >/dev/null || fail "no cloud $DEAD in $TOPOLOGY"
# What works before the kill (what must keep working, or come back).
lab matrix --json >"$work/matrix.json"
lab north-south --json >"$work/ns.json" || true

# Trains, one a line: "name from target" (from: an instance or "internet").
jq -r --arg dead "$DEAD" --slurpfile m "$work/matrix.json" --slurpfile ns "$work/ns.json" '
  .instances as $i
  | def alive($n): $i[$n].cloud != $dead;
  # East-west: per ordered pair of surviving clouds, one pair on the same
  # network and one routed (other network), among the pairs that pinged.
  ([$m[0].pairs[] | select(.ok and alive(.from) and alive(.to) and $i[.from].cloud != $i[.to].cloud)
    | . + {kind: (if $i[.from].network == $i[.to].network then "l2" else "routed" end),
           key: "\($i[.from].cloud)>\($i[.to].cloud)"}]
   | group_by(.key + .kind)[] | first
   | "\(.kind):\(.from)->\(.to) \(.from) \($i[.to].ip)"),
  # North-south: each surviving instance out to the internet service, and the
  # internet into each surviving floating IP (where it worked before, through
  # whichever external network: a cloud without a router exits through another).
  ($ns[0].rows[] | select(.used != "" and alive(.instance))
   | if .direction == "out" then "out:\(.instance)->internet \(.instance) 198.51.100.10"
     else "in:internet->\(.instance) internet \($i[.instance].floating_ip)" end)
' "$work/facts.json" >"$work/trains"
[[ -s "$work/trains" ]] || fail "no train between surviving instances of $TOPOLOGY"
grep -q '^l2:' "$work/trains" || fail "no pair on the same network across surviving clouds in $TOPOLOGY"
grep -q '^routed:' "$work/trains" || fail "no routed pair across surviving clouds in $TOPOLOGY"
grep -q '^out:' "$work/trains" || fail "no north-south train from a surviving cloud in $TOPOLOGY"

while read -r name from target; do
  lab exec "$from" -- ping -D -O -i 0.01 -W 1 -c "$COUNT" "$target" >"$work/$name.log" 2>&1 &
  train_pids+=($!)
done <"$work/trains"
replies() { grep -c "bytes from" "$1" || true; }
all_trains_answer() {
  local f
  for f in "$work"/*:*.log; do (($(replies "$f") >= 50)) || return 1; done
}
wait_for "every train to have 50 answers" 30 all_trains_answer
pass "$(wc -l <"$work/trains") trains of 10 ms pings running: $(cut -d' ' -f1 "$work/trains" | tr '\n' ' ')"

# The kill. Each train's answers so far are noted to count what is sent after.
for f in "$work"/*:*.log; do echo "$(replies "$f")" >"${f%.log}.at_kill"; done
t_kill=$(now_ms)
lab kill --cloud "$DEAD" || fail "lab kill --cloud $DEAD failed"
[[ -z "$ALSO_KILL" ]] || lab kill "$ALSO_KILL"
kill_ms=$(($(now_ms) - t_kill))
dead_hosts=$(jq -r --arg c "$DEAD" '.hosts | to_entries[] | select(.value.cloud == $c) | .key' "$work/facts.json")
stopped=0 daemons=$(lab daemons)
for d in "cloud-$DEAD" $(for h in $dead_hosts; do echo "agent-$h ovs-vswitchd-$h ovsdb-server-$h"; done); do
  grep -q "^$d stopped" <<<"$daemons" || fail "$d still runs after lab kill --cloud $DEAD"
  stopped=$((stopped + 1))
done
left=$(for h in $dead_hosts; do
  for ns in $(ip netns list | cut -d' ' -f1 | grep -E "^isth-$h(-|$)"); do ip netns pids "$ns"; done
done)
[[ -z "$left" ]] || fail "processes left in $DEAD's hosts' namespaces: $(echo $left)"
dead_instances=$(jq -r --arg c "$DEAD" '.instances | to_entries[] | select(.value.cloud == $c) | .key' "$work/facts.json")
for i in $dead_instances; do
  grep -q "^service-$i running" <<<"$daemons" || fail "instance $i's own service died with its cloud"
done
pass "$DEAD killed in $kill_ms ms: its $stopped daemons stopped, nothing left in its hosts' namespaces; its instances' own processes run"

for p in "${train_pids[@]}"; do wait "$p" || true; done
train_pids=()
assert_ms=$(($(now_ms) - t_kill))
bad=0 total_sent=0
for f in "$work"/*:*.log; do
  name=$(basename "$f" .log)
  read -r sent recv < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$f") || true
  dups=$(grep -c 'DUP!' "$f" || true)
  after=$((${sent:-0} - $(cat "${f%.log}.at_kill")))
  total_sent=$((total_sent + ${sent:-0}))
  echo "  $name: $recv/$sent answered, $dups DUP!, ~$after sent after the kill"
  if [[ -z "$sent" || "$sent" != "$recv" || $dups -ne 0 ]]; then
    echo "FAIL: train $name: $((${sent:-0} - ${recv:-0})) pings lost, $dups DUP! ($(tail -2 "$f" | head -1))" >&2
    bad=1
  fi
  ((after >= MIN_AFTER_KILL)) || { echo "FAIL: train $name sent only $after pings after the kill" >&2; bad=1; }
done
if ((bad != 0)); then
  # The lab's logs and the trains' (-D: timestamps, -O: each unanswered ping)
  # outlive lab down, to see what happened when.
  keep=$(mktemp -d /tmp/cloud_gone.XXXXXX)
  cp -r /run/isthmus/lab/logs "$keep/lab-logs"
  cp "$work"/*:*.log "$keep/"
  echo "$t_kill" >"$keep/kill_at_ms"
  fail "the surviving clouds were harmed by $DEAD's death (logs kept in $keep)"
fi
pass "with $DEAD gone, $(wc -l <"$work/trains") trains between and out of the surviving clouds: $total_sent pings, none lost, no DUP! (kill to assert $assert_ms ms)"

# The dead cloud's instances are unreachable meanwhile (it really is gone).
first=$(head -1 <<<"$dead_instances")
if [[ -n "$first" ]]; then
  peer=$(jq -r --arg d "$first" '.pairs[] | select(.ok and .to == $d) | .from' "$work/matrix.json" | head -1)
  [[ -z "$peer" ]] || ! ping_ok "$peer" "$(jq -r --arg d "$first" '.instances[$d].ip' "$work/facts.json")" ||
    fail "$peer still pings $first with $DEAD killed"
fi

# Back: the cloud's instances ping every peer they pinged before, both ways,
# and reach the internet (and are reached through their floating IPs) again.
t_start=$(now_ms)
lab start --cloud "$DEAD" || fail "lab start --cloud $DEAD failed"
start_ms=$(($(now_ms) - t_start))
fetch_ok() { lab exec "$1" -- curl -sf -m 2 "$2" >/dev/null; }
n=0
while read -r from to; do
  wait_for "$from -> $to after $DEAD restarted" 60 ping_ok "$from" "$(jq -r --arg i "$to" '.instances[$i].ip' "$work/facts.json")"
  n=$((n + 1))
done < <(jq -r --arg c "$DEAD" --slurpfile f "$work/facts.json" \
  '.pairs[] | select(.ok and ($f[0].instances[.from].cloud == $c or $f[0].instances[.to].cloud == $c)) | "\(.from) \(.to)"' \
  "$work/matrix.json")
east_west_ms=$(($(now_ms) - t_start))
m=0
while read -r dir inst; do
  if [[ $dir == out ]]; then
    wait_for "$inst out to the internet after $DEAD restarted" 60 fetch_ok "$inst" "http://198.51.100.10/"
  else
    fip=$(jq -r --arg i "$inst" '.instances[$i].floating_ip' "$work/facts.json")
    wait_for "the internet into $inst's floating IP after $DEAD restarted" 60 fetch_ok internet "http://$fip:8080/"
  fi
  m=$((m + 1))
done < <(jq -r --arg c "$DEAD" '.rows[] | select(.used != "" and .cloud == $c) | "\(.direction) \(.instance)"' "$work/ns.json")
pass "$DEAD started in $start_ms ms; its instances ping their $n pairs again $east_west_ms ms after the start, and their $m north-south checks pass $(($(now_ms) - t_start)) ms after it"
assert_down_clean
