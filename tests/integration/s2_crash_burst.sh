#!/usr/bin/env bash
# Issue 4, item 6: kill -9 during a burst of API calls. A burst of port creates
# on net4 runs while central is killed (SIGKILL) at a random moment and
# restarted; then the same while cloud2 is killed. What must hold: every
# acknowledged (201) port exists with the IP and MAC it was acknowledged with,
# no two ports share an IP or a MAC, ports that were never acknowledged (the
# request was in flight during the crash) are whole or absent, never half-made,
# cloud2 catches up with everything once back, and the data plane still works.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "this test needs jq"
BURST=${BURST:-200}  # ports per burst (net4 is a /24; the first burst's ports are deleted before the second)

lab_up s2
central=$(fact central)
cloud2=$(fact cloud.cloud2.endpoint)
net4=$(fact network.net4.id)
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT

# A token when central wants one (`lab token`), none before authentication.
token() { lab token 2>/dev/null || true; }
tok=$(token)
# api METHOD PATH [BODY]: sets $code (the HTTP code, "000": no answer) and
# $body. Renews the token once on 401 (central restarted). No process but curl
# (the bursts send hundreds of requests).
api() {
  local out hdr=()
  for _ in 1 2; do
    hdr=()
    [[ -n "$tok" ]] && hdr=(-H "X-Auth-Token: $tok")
    out=$(lab_curl -s --max-time 10 -w '\n%{http_code}' -X "$1" "${hdr[@]}" -H 'Content-Type: application/json' \
          ${3:+-d "$3"} "$central$2") || true
    code=${out##*$'\n'}
    body=${out%$'\n'*}
    [[ $out == *$'\n'* ]] || body=""
    [[ $code == 401 ]] || break
    tok=$(token)
  done
}

ports_json() {  # every port central lists
  local code body
  api GET /v2.0/ports
  [[ $code == 200 ]] || fail "GET /v2.0/ports: $code ${body: -300}"
  printf '%s\n' "$body"
}

# burst TAG HOST COUNT: creates COUNT ports on net4 bound to HOST. Each 201's
# body is recorded, one line each, in $work/TAG.bodies (acked_ports reads the
# "id ip mac" of each from them). A request whose connection failed
# is unacknowledged: it is retried (it may or may not have been made), and the
# burst goes on. Anything else is an error ($work/TAG.errors).
burst() {
  local tag=$1 host=$2 n=$3 i code body deadline
  : >"$work/$tag.bodies"
  : >"$work/$tag.errors"
  for ((i = 1; i <= n; i++)); do
    deadline=$((SECONDS + 90))
    while :; do
      api POST /v2.0/ports "{\"port\": {\"network_id\": \"$net4\", \"name\": \"burst-$tag-$i\",
              \"binding:host_id\": \"$host\", \"device_owner\": \"compute:nova\"}}"
      if [[ $code == 201 ]]; then
        printf '%s\n' "${body//$'\n'/ }" >>"$work/$tag.bodies"  # JSON: a newline is only whitespace
        break
      fi
      if [[ $code == 000 || $code == 503 ]] && ((SECONDS < deadline)); then
        echo "$i" >>"$work/$tag.retried"
        sleep 0.05
        continue
      fi
      echo "port $i: HTTP $code ${body:0:300}" >>"$work/$tag.errors"
      break
    done
  done
}

acked_count() { wc -l <"$work/$1.bodies"; }
# acked_ports TAG: "id ip mac" of each acknowledged port of the burst.
acked_ports() {
  jq -r '.port | "\(.id) \(.fixed_ips[0].ip_address) \(.mac_address)"' "$work/$1.bodies" ||
    fail "burst $1: an acknowledged answer is not a port"
}
# True once the burst acknowledged N ports, or ended (then its errors tell).
# Says how far it got (wait_for shows it on a timeout): acknowledged, retried, errors.
acked_at_least() {
  echo "$(acked_count "$1") acknowledged, $(wc -l <"$work/$1.retried" 2>/dev/null || echo 0) retries," \
    "errors: $(tail -n 2 "$work/$1.errors" | tr '\n' ' ')"
  (($(acked_count "$1") >= $2)) || ! kill -0 "$burst_pid" 2>/dev/null
}

# wait_acked TAG N: until the burst (running as $burst_pid) acknowledged N ports.
wait_acked() {
  wait_for "$2 ports of burst $1 acknowledged" 120 acked_at_least "$1" "$2"
  [[ ! -s "$work/$1.errors" ]] || fail "burst $1 had errors: $(head -5 "$work/$1.errors")"
}

# check_burst TAG BASELINE_IDS_FILE: the invariants after a burst.
check_burst() {
  local tag=$1 base=$2 all id ip mac got acked extra bad
  [[ ! -s "$work/$tag.errors" ]] || fail "burst $tag had errors: $(head -5 "$work/$tag.errors")"
  all=$(ports_json)
  acked_ports "$tag" >"$work/$tag.acked"
  acked=$(wc -l <"$work/$tag.acked")
  ((acked == $(acked_count "$tag"))) || fail "burst $tag: $acked ports read from $(acked_count "$tag") answers"
  # Every acknowledged port exists, with the same IP and MAC (what central
  # lists now, "id ip mac" per port, looked up by id).
  declare -A now=()
  while read -r id got; do now[$id]=$got; done < <(jq -r '.ports[] | "\(.id) \(.fixed_ips[0].ip_address) \(.mac_address)"' <<<"$all")
  while read -r id ip mac; do
    got=${now[$id]-}
    [[ -n "$got" ]] || fail "acknowledged port $id ($ip) is gone after the crash"
    [[ "$got" == "$ip $mac" ]] || fail "acknowledged port $id was $ip $mac, is now $got"
  done <"$work/$tag.acked"
  # No two ports share a MAC, nor an IP on the same network (a router's anycast
  # gateway legs share the subnet's gateway IP by design).
  bad=$(jq -r '.ports[] | .mac_address // empty | select(. != "")' <<<"$all" | sort | uniq -d)
  [[ -z "$bad" ]] || fail "ports share a MAC: $bad"
  bad=$(jq -r '.ports[] | select(.device_owner // "" | startswith("network:router_interface") | not)
               | .network_id as $n | .fixed_ips[] | "\($n) \(.ip_address)"' <<<"$all" | sort | uniq -d)
  [[ -z "$bad" ]] || fail "ports share an IP on one network: $bad"
  # Ports beyond the lab's own: at least the acknowledged ones, each complete.
  extra=$(jq -r --slurpfile base "$base" '($base[0] | map({(.): true}) | add // {}) as $b | .ports[] | select($b[.id] | not)
                  | "\(.id) \(.name) \(.fixed_ips | length) \(.fixed_ips[0].ip_address // "") \(.mac_address // "") \(.["binding:host_id"] // "")"' <<<"$all")
  local n_extra
  n_extra=$(grep -c . <<<"$extra" || true)
  ((n_extra >= acked)) || fail "central lists $n_extra new ports, but $acked were acknowledged"
  while read -r id name nips ip mac host; do
    [[ $name == burst-* && $nips -ge 1 && -n $ip && -n $mac && -n $host ]] ||
      fail "half-made port after the crash: id=$id name=$name fixed_ips=$nips ip=$ip mac=$mac host=$host"
  done <<<"$extra"
  pass "burst $tag: $acked acknowledged ports intact (same IP and MAC), $n_extra new ports all whole, no IP or MAC shared ($(wc -l <"$work/$tag.retried" 2>/dev/null || echo 0) retries)"
}

# ---- Burst 1: central killed (kill -9) at a random moment, restarted.
ports_json | jq '[.ports[].id]' >"$work/base1.json"
burst one c1-h1 "$BURST" &
burst_pid=$!
wait_acked one $((10 + RANDOM % (BURST / 2)))
lab kill central
pass "central killed (kill -9) after $(acked_count one) acknowledged ports"
sleep 0.$((RANDOM % 5))  # the burst keeps knocking at a dead central for a moment
lab start central
# Restarted from this shell (SIGPIPE at its default), central must still ignore
# SIGPIPE: it did not, and died silently when burst two killed cloud2 mid-push.
# (Polled: `lab start` returns once the pid file is written, just before exec.)
wait_for "central restarted by 'lab start' ignoring SIGPIPE" 10 ignores_sigpipe central
wait "$burst_pid" || fail "burst one failed"
check_burst one "$work/base1.json"
# net4 is a /24: make room for the second burst. One curl deletes them all on
# one connection (each must answer 204; a 401, a token central no longer
# takes, is renewed and the delete sent again through api).
ids=$(ports_json | jq -r '.ports[] | select(.name | startswith("burst-")) | .id')
delete_args=()
for id in $ids; do delete_args+=(-o /dev/null -w "%{http_code} $id\n" "$central/v2.0/ports/$id"); done
hdr=()
[[ -n "$tok" ]] && hdr=(-H "X-Auth-Token: $tok")
: >"$work/deletes"
((${#delete_args[@]} == 0)) || lab_curl -s --max-time 60 -X DELETE "${hdr[@]}" "${delete_args[@]}" >"$work/deletes" || true
[[ $(grep -c . "$work/deletes" 2>/dev/null) == $(grep -c . <<<"$ids") ]] ||
  fail "deleting burst ports: $(grep -c . "$work/deletes" 2>/dev/null) answers for $(grep -c . <<<"$ids") ports"
while read -r code id; do
  [[ $code == 401 ]] && api DELETE "/v2.0/ports/$id"
  [[ $code == 204 ]] || fail "deleting burst port $id: HTTP $code"
done <"$work/deletes"

# ---- Burst 2: cloud2 killed at a random moment; ports bound to a host of cloud2.
ports_json | jq '[.ports[].id]' >"$work/base2.json"
burst two c2-h1 "$BURST" &
burst_pid=$!
wait_acked two $((10 + RANDOM % (BURST / 2)))
lab kill cloud-cloud2
killed_at=$(acked_count two)
pass "cloud2 killed (kill -9) after $killed_at acknowledged ports"
# Back while the burst still runs (when it still does): it catches up under load.
wait_acked two $(( killed_at + 20 < BURST ? killed_at + 20 : BURST ))
lab start cloud-cloud2
wait_for "cloud2 restarted by 'lab start' ignoring SIGPIPE" 10 ignores_sigpipe cloud-cloud2
wait "$burst_pid" || fail "burst two failed"
check_burst two "$work/base2.json"
lab wait-converged --timeout 60 || fail "agents did not converge after cloud2's restart"

# cloud2 applied everything: central has nothing pending for it, cloud2's
# applied_seq is what central recorded as acknowledged, and cloud2 holds every
# port of the networks it hosts.
cloud2_caught_up() {
  local outbox dump all want
  api GET /v2.0/outbox
  outbox=$body
  [[ $(jq -r '.outbox.cloud2.pending' <<<"$outbox") == 0 ]] || return 1
  dump=$(lab_curl -s --max-time 5 "$cloud2/v1/dump") || return 1
  [[ $(jq -r '.applied_seq' <<<"$dump") == $(jq -r '.outbox.cloud2.acked_seq' <<<"$outbox") ]] || return 1
  all=$(ports_json)
  api GET /v2.0/networks
  nets=$body
  want=$(jq -r --argjson nets "$nets" '([$nets.networks[] | select(any(.availability_zone_hints[]; . == "cloud2"))
             | {(.id): true}] | add // {}) as $mine | [.ports[] | select($mine[.network_id])] | length' <<<"$all")
  [[ $(jq -r '.resources.port' <<<"$dump") == "$want" ]]
}
wait_for "cloud2 applied every event and holds every port of its networks" 60 cloud2_caught_up
dump=$(lab_curl -s "$cloud2/v1/dump")
pass "cloud2 caught up after its restart: applied_seq $(jq -r .applied_seq <<<"$dump"), $(jq -r .resources.port <<<"$dump") ports"

assert_all_pairs_ping "after central and cloud2 were killed during bursts"
assert_down_clean
