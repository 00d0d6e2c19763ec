#!/usr/bin/env bash
# Central -> cloud ordering, end to end (docs/architecture.md, "Central -> cloud:
# events"), with no lab: central and one cloud controller on free loopback
# ports with temporary databases.
#  1. A cloud whose DB is restored from an older copy is brought back to exactly
#     what central says it should hold (GET /v2.0/routings), every job SUCCESS,
#     without an operator; the hosts registered there keep their DVR MACs.
#  2. A cloud whose DB is lost (a new empty one) catches up the same way,
#     although central has nothing pending for it.
#  3. A forged push with a huge seq is refused (409 with applied_seq) and
#     central's later events still apply.
#   tests/integration/cloud_restore.sh build/isthmus
source "$(dirname "$0")/lib.sh"
ISTHMUS=$(realpath "$ISTHMUS")
work=$(mktemp -d /tmp/isthmus-restore.XXXXXX)
central_pid="" cloud_pid=""
cleanup() {
  for p in $cloud_pid $central_pid; do kill -KILL "$p" 2>/dev/null || true; done
  if [[ "${KEEP_DIR:-}" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for n in central cloud; do echo "---- tail of $n.log" >&2; tail -15 "$work/$n.log" >&2 || true; done
  exit 1
}

cport=$(free_port)
kport=$(free_port)
while [[ $kport == "$cport" ]]; do kport=$(free_port); done
central="http://127.0.0.1:$cport" cloud="http://127.0.0.1:$kport"

# Secrets as central and the cloud want them: password hashes, files 0600.
umask 077
admin_hash=$(printf 'restore-admin-pw\n' | "$ISTHMUS" hash-password)
cloud_hash=$(printf 'restore-cloud-pw\n' | "$ISTHMUS" hash-password)
cat >"$work/identity.json" <<EOF
{"projects": [{"name": "admin"}, {"name": "service"}],
 "users": [{"name": "admin", "password_hash": "$admin_hash", "project": "admin", "roles": ["admin"]},
           {"name": "isthmus-cloud", "password_hash": "$cloud_hash", "project": "service", "roles": ["admin"]}]}
EOF
printf 'name = cloud1\nlisten = 127.0.0.1:%s\ncentral = %s\ndb = %s\ncentral_user = isthmus-cloud\ncentral_password = restore-cloud-pw\n' \
  "$kport" "$central" "$work/cloud1.db" >"$work/cloud.conf"

# Plain HTTP on loopback (the channel's TLS is tests/integration/trust.sh's).
insecure=()
if "$ISTHMUS" central --help | grep -- '--insecure' >/dev/null; then
  insecure=(--insecure)
  echo 'insecure = true' >>"$work/cloud.conf"
fi
"$ISTHMUS" central --listen "127.0.0.1:$cport" --db "$work/central.db" --identity "$work/identity.json" \
  "${insecure[@]}" >"$work/central.log" 2>&1 &
central_pid=$!
start_cloud() {
  "$ISTHMUS" cloud --config "$work/cloud.conf" >>"$work/cloud.log" 2>&1 &
  cloud_pid=$!
  wait_for "cloud1 answering" 30 curl -sf "$cloud/"
}
stop_cloud() {
  kill -TERM "$cloud_pid"
  wait "$cloud_pid" || fail "cloud1 exited with status $? on SIGTERM"
  cloud_pid=""
}
wait_for "central answering" 30 curl -sf "$central/"

token=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin",
       "domain": {"name": "Default"}, "password": "restore-admin-pw"}}},
       "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}' \
  "$central/v3/auth/tokens" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token" {print $2}')
[[ -n "$token" ]] || fail "no token from central"
# api METHOD PATH [BODY]: central's answer body; fails on a non-2xx status.
api() {
  local out code
  out=$(curl -s -w '\n%{http_code}' -X "$1" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
    ${3:+-d "$3"} "$central$2")
  code=${out##*$'\n'}
  [[ $code == 2* ]] || { echo "$1 $2: $code ${out%$'\n'*}" >&2; return 1; }
  echo "${out%$'\n'*}"
}

start_cloud
api POST /v2.0/clouds "{\"cloud\": {\"name\": \"cloud1\", \"endpoint\": \"$cloud\"}}" >/dev/null ||
  fail "registering cloud1"
wait_for "cloud1 to get its DVR MAC prefix" 30 \
  curl -sf -d '{"host": {"name": "h1", "role": "compute", "vtep_ip": "10.255.0.11"}}' "$cloud/v1/hosts"
dvr_mac=$(curl -s -d '{"host": {"name": "h1", "role": "compute", "vtep_ip": "10.255.0.11"}}' "$cloud/v1/hosts" |
  jq -r .host.dvr_mac)

network() {  # network N -> id of a new network of cloud1 with a subnet 10.0.N.0/24 and a port vmN
  local id
  id=$(api POST /v2.0/networks '{"network": {"availability_zone_hints": ["cloud1"]}}' | jq -r .network.id) || return 1
  api POST /v2.0/subnets "{\"subnet\": {\"network_id\": \"$id\", \"cidr\": \"10.0.$1.0/24\"}}" >/dev/null || return 1
  api POST /v2.0/ports "{\"port\": {\"network_id\": \"$id\", \"name\": \"vm$1\"}}" >/dev/null || return 1
  echo "$id"
}
drop_network() {  # drop_network ID N: its port vmN, then it (its subnet and DHCP port go with it)
  local p
  p=$(api GET "/v2.0/ports?network_id=$1&name=vm$2" | jq -r '.ports[0].id') || return 1
  api DELETE "/v2.0/ports/$p" >/dev/null && api DELETE "/v2.0/networks/$1" >/dev/null
}

# What central says cloud1 should hold vs what it holds, as sorted "kind id"
# lines. A cloud without resource_ids in its dump (older than this test) is
# compared by counts per kind: "kind count" lines.
want() { api GET '/v2.0/routings?cloud=cloud1' | jq -r '.routings[] | "\(.resource_type) \(.top_id)"' | sort; }
kinds='["network", "subnet", "port", "router", "floatingip", "securitygroup", "securitygrouprule"]'
have() {
  curl -sf "$cloud/v1/dump" | jq -r --argjson k "$kinds" '(.resource_ids // {}) | to_entries[]
    | select(.key | IN($k[])) | .key as $kind | .value[] | "\($kind) \(.)"' | sort
}
has_ids() { curl -sf "$cloud/v1/dump" | jq -e 'has("resource_ids")' >/dev/null; }
want_counts() { want | cut -d' ' -f1 | uniq -c | awk '{print $2, $1}'; }
have_counts() {
  curl -sf "$cloud/v1/dump" | jq -r --argjson k "$kinds" '.resources | to_entries[]
    | select((.key | IN($k[])) and .value > 0) | "\(.key) \(.value)"' | sort
}
counts() { echo "central: $(want_counts | tr '\n' ' ') cloud: $(have_counts | tr '\n' ' ')"; }
in_sync() {
  local w h jobs outbox dump
  if has_ids; then
    w=$(want) && h=$(have) || return 1
  else
    w=$(want_counts) && h=$(have_counts) || return 1
  fi
  [[ "$w" == "$h" ]] || { echo "cloud1 differs from central: $(counts)"; return 1; }
  jobs=$(api GET '/v2.0/jobs?cloud=cloud1') || return 1
  [[ $(jq '[.jobs[] | select(.status != "SUCCESS")] | length' <<<"$jobs") == 0 ]] ||
    { echo "jobs not SUCCESS: $(jq -c '[.jobs[] | select(.status != "SUCCESS") | {id, status, last_error}]' <<<"$jobs")"; return 1; }
  outbox=$(api GET /v2.0/outbox) && dump=$(curl -sf "$cloud/v1/dump") || return 1
  [[ $(jq .outbox.cloud1.acked_seq <<<"$outbox") == $(jq .applied_seq <<<"$dump") ]] ||
    { echo "acked $(jq .outbox.cloud1.acked_seq <<<"$outbox") != applied $(jq .applied_seq <<<"$dump")"; return 1; }
}
port_name() {  # the name of a port as the cloud's DB holds it
  sqlite3 "file:$work/cloud1.db?mode=ro" "SELECT json_extract(body, '\$.name') FROM resources WHERE kind = 'port' AND id = '$1'"
}

# 1. Restore from an older copy.
a=$(network 1) && b=$(network 2) && c=$(network 3) || fail "creating networks"
wait_for "cloud1 holding networks a, b, c" 30 in_sync
stop_cloud
cp "$work/cloud1.db" "$work/backup.db"
[[ ! -e "$work/cloud1.db-wal" ]] || cp "$work/cloud1.db-wal" "$work/backup.db-wal"
backup_seq=$(sqlite3 "$work/backup.db" "SELECT value FROM meta WHERE key = 'applied_seq'")
start_cloud
drop_network "$a" 1 || fail "deleting network a"
d=$(network 4) && e=$(network 5) || fail "creating networks d, e"
port_b=$(api GET "/v2.0/ports?network_id=$b&name=vm2" | jq -r '.ports[0].id')
api PUT "/v2.0/ports/$port_b" '{"port": {"name": "renamed"}}' >/dev/null || fail "renaming a port"
wait_for "cloud1 holding b, c, d, e" 30 in_sync
acked=$(api GET /v2.0/outbox | jq .outbox.cloud1.acked_seq)
stop_cloud
rm -f "$work/cloud1.db-wal" "$work/cloud1.db-shm"
cp "$work/backup.db" "$work/cloud1.db"
[[ ! -e "$work/backup.db-wal" ]] || cp "$work/backup.db-wal" "$work/cloud1.db-wal"
start_cloud
echo "cloud1 restored to seq $backup_seq; central acknowledged $acked"
wait_for "restored cloud1 to hold exactly what central says (routings), every job SUCCESS" 30 in_sync
[[ $(port_name "$port_b") == renamed ]] || fail "port $port_b is '$(port_name "$port_b")' in cloud1, not 'renamed'"
[[ $(curl -s "$cloud/v1/dump" | jq -r .hosts.h1.dvr_mac) == "$dvr_mac" ]] || fail "h1 lost its DVR MAC $dvr_mac"
pass "restored cloud1 (seq $backup_seq < acked $acked) resynced: $(want | wc -l) resources as central says, every job SUCCESS, h1 keeps $dvr_mac"

# 2. Lost disk: a new empty DB, nothing pending at central.
stop_cloud
rm -f "$work/cloud1.db" "$work/cloud1.db-wal" "$work/cloud1.db-shm"
start_cloud
wait_for "cloud1 with a new empty DB to hold exactly what central says" 30 in_sync
pass "cloud1 with a lost DB resynced: $(want | wc -l) resources, applied_seq $(curl -s "$cloud/v1/dump" | jq .applied_seq)"

# 3. A forged push with a huge seq.
applied=$(curl -s "$cloud/v1/dump" | jq .applied_seq)
code=$(curl -s -o "$work/forged.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"events": [{"seq": 1000000000, "kind": "network", "op": "upsert", "id": "forged",
       "body": {"id": "forged", "clouds": ["cloud1"], "segmentation_id": 1999}}]}' "$cloud/v1/federation/events")
[[ $code == 409 ]] || fail "a forged push with seq 1000000000 answered $code $(cat "$work/forged.json"), not 409"
[[ $(jq .applied_seq "$work/forged.json") == "$applied" ]] ||
  fail "the 409 does not carry applied_seq $applied: $(cat "$work/forged.json")"
jq -e '.NeutronError.message | test("missing")' "$work/forged.json" >/dev/null || fail "unclear 409: $(cat "$work/forged.json")"
f=$(network 6) || fail "creating network f"
wait_for "network f (after the forged push) in cloud1" 30 in_sync
have | grep "network $f" >/dev/null || fail "network $f is not in cloud1"
! have | grep "network forged" >/dev/null || fail "the forged network is in cloud1"
pass "forged push refused (409, applied_seq $applied: $(jq -r .NeutronError.message "$work/forged.json")); later events apply"

stop_cloud
kill -TERM "$central_pid"
wait "$central_pid" || fail "central exited with status $? on SIGTERM"
central_pid=""
pass "cloud_restore"
