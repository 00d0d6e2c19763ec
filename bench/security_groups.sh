#!/usr/bin/env bash
# Security groups (issue 11): what a rule change costs and what enforcement
# costs, on the lab's S2 (DVR), in one run.
#  1. API to enforced: instance4's port in a group of its own with no ingress
#     rule, so instance1 cannot ping it; a 5 ms ping train from instance1 runs
#     while an ICMP ingress rule is created; the time from sending the create to
#     the first echo reply (every host that must act on it has: instance4's).
#     Median of ROUNDS; between rounds the rule is deleted and a new ping (a new
#     connection) is refused again.
#  2. TCP instance1 -> instance4 (routed across clouds) with port security and
#     groups on, then off on both ports (port_security_enabled false), median
#     of RUNS each, and their ratio.
# Usage: bench/security_groups.sh [build/isthmus] [ROUNDS=9] [RUNS=3] [SECS=5]
set -euo pipefail
ISTHMUS=${1:-build/isthmus} ROUNDS=${2:-9} RUNS=${3:-3} SECS=${4:-5}
lab() { "$ISTHMUS" lab "$@"; }
fact() { lab show --get "$1"; }
lab down >/dev/null 2>&1 || true
lab up s2 >/dev/null
trap 'lab down >/dev/null 2>&1 || true' EXIT
TLS=(--cacert "$(fact tls.ca)" --cert "$(fact tls.operator_cert)" --key "$(fact tls.operator_key)")
central=$(fact central) token=$(lab token)  # the lab builds its ports as admin
api() {  # METHOD PATH [BODY] -> body; fails on a status >= 300
  local out code
  out=$(curl "${TLS[@]}" -s -w '\n%{http_code}' -X "$1" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
    ${3:+-d "$3"} "$central$2")
  code=${out##*$'\n'}
  ((code < 300)) || { echo "$1 $2: HTTP $code ${out%$'\n'*}" >&2; return 1; }
  printf '%s\n' "${out%$'\n'*}"
}
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
p1=$(fact instance.instance1.port_id) p4=$(fact instance.instance4.port_id) ip4=$(fact instance.instance4.ip)
pings() { lab exec instance1 -- ping -c 1 -W 1 "$ip4" >/dev/null 2>&1; }

# 1. API to enforced.
sg=$(api POST /v2.0/security-groups '{"security_group": {"name": "bench-closed"}}' | jget 'd["security_group"]["id"]')
old_groups=$(api GET "/v2.0/ports/$p4" | jget 'json.dumps(d["port"]["security_groups"])')
api PUT "/v2.0/ports/$p4" "{\"port\": {\"security_groups\": [\"$sg\"]}}" >/dev/null
for _ in $(seq 100); do pings || break; sleep 0.1; done
! pings || { echo "instance4 still answers in a group without ingress rules" >&2; exit 1; }
rule='{"security_group_rule": {"security_group_id": "'$sg'", "direction": "ingress", "ethertype": "IPv4", "protocol": "icmp"}}'
times=()
for r in $(seq "$ROUNDS"); do
  log=$(mktemp)
  lab exec instance1 -- ping -D -i 0.005 -W 1 -w 5 "$ip4" >"$log" 2>&1 &
  pid=$!
  sleep 0.3
  t0=$(now_ms)
  rid=$(api POST /v2.0/security-group-rules "$rule" | jget 'd["security_group_rule"]["id"]')
  wait "$pid" || true
  first=$(awk -F'[][]' '/bytes from/ {print $2; exit}' "$log")
  rm -f "$log"
  [[ -n "$first" ]] || { echo "round $r: no reply within 5 s of the rule" >&2; exit 1; }
  times+=("$(awk -v f="$first" -v t="$t0" 'BEGIN {printf "%d", f * 1000 - t}')")
  echo "round $r: rule created -> first echo reply ${times[-1]} ms"
  api DELETE "/v2.0/security-group-rules/$rid" >/dev/null
  for _ in $(seq 100); do pings || break; sleep 0.1; done
done
echo "RESULT rule_to_enforced_ms_median=$(median "${times[@]}") rounds=$ROUNDS"
api PUT "/v2.0/ports/$p4" "{\"port\": {\"security_groups\": $old_groups}}" >/dev/null

# 2. TCP with groups on and off.
gbps() {
  lab exec instance4 -- iperf3 -s -1 -D -p 5201 >/dev/null
  for _ in $(seq 50); do lab exec instance4 -- ss -ltnH 'sport = :5201' | grep -q . && break; sleep 0.1; done
  lab exec instance1 -- iperf3 -c "$ip4" -p 5201 -t "$SECS" -f m |
    awk '/receiver/ {for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") printf "%.3f\n", $(i-1) / 1000}'
}
groups1=$(api GET "/v2.0/ports/$p1" | jget 'json.dumps(d["port"]["security_groups"])')
set_security() {  # on|off
  if [[ $1 == off ]]; then
    for p in "$p1" "$p4"; do api PUT "/v2.0/ports/$p" '{"port": {"security_groups": [], "port_security_enabled": false}}' >/dev/null; done
  else
    api PUT "/v2.0/ports/$p1" "{\"port\": {\"port_security_enabled\": true, \"security_groups\": $groups1}}" >/dev/null
    api PUT "/v2.0/ports/$p4" "{\"port\": {\"port_security_enabled\": true, \"security_groups\": $old_groups}}" >/dev/null
  fi
  for _ in $(seq 100); do pings && break; sleep 0.1; done
}
on=(); off=()
for r in $(seq "$RUNS"); do
  set_security on; on+=("$(gbps)")
  set_security off; off+=("$(gbps)")
  echo "run $r: TCP instance1 -> instance4 with groups ${on[-1]} Gbit/s, without ${off[-1]} Gbit/s"
done
set_security on
mon=$(median "${on[@]}") moff=$(median "${off[@]}")
echo "RESULT tcp_groups_on_gbps=$mon tcp_groups_off_gbps=$moff ratio=$(awk -v a="$mon" -v b="$moff" 'BEGIN {printf "%.2f", a / b}')"
