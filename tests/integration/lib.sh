# Shared helpers of the integration tests. Source it; $1 of the test is the
# isthmus binary. Tests act, then wait for a named condition with a deadline
# (never a bare sleep), and always take the lab down.
set -euo pipefail
# Under pipefail, `producer | grep -q X` fails when grep leaves at its first match
# and the producer then dies of SIGPIPE: read the whole input (`grep X >/dev/null`).
ISTHMUS=${1:?usage: $0 path/to/isthmus}
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: integration tests need root"; exit 77; fi

lab() { "$ISTHMUS" lab "$@"; }
# A failure prints, after its reason, the end of central's and the clouds' logs
# (what CI shows is all there is to go on).
fail() {
  echo "FAIL: $*" >&2
  local log
  for log in "${ISTHMUS_LAB_DIR:-/run/isthmus/lab}"/logs/{central,cloud-*}.log; do
    [[ -f $log ]] || continue
    echo "--- last lines of $log" >&2
    tail -n 12 "$log" >&2
  done
  exit 1
}
pass() { echo "ok: $*"; }

# wait_for "description" SECONDS command...: polls until the command succeeds.
wait_for() {
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${secs}s waiting for: $what (last: $("$@" 2>&1 | tail -1))"
    sleep 0.2
  done
}

# A loopback port nobody listens on, below the ephemeral range (so no outgoing
# connection holds it), for tests that run daemons without the lab.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# A fact of the running lab (`isthmus lab show --get PATH`), e.g.
# instance.instance1.ip, router.R2.net4.mac, hosts.
fact() { lab show --get "$1"; }

# ignores_sigpipe DAEMON: the daemon's process ignores SIGPIPE (bit 13 of
# SigIgn), as every isthmus process must whoever started it.
ignores_sigpipe() {
  local pid mask
  pid=$(cat "${ISTHMUS_LAB_DIR:-/run/isthmus/lab}/pids/$1.pid") || return 1
  mask=$(awk '/^SigIgn:/ {print $2}' "/proc/$pid/status") || return 1
  (((16#$mask >> 12) & 1))
}

ping_ok() { lab exec "$1" -- ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
no_ping() { ! ping_ok "$1" "$2"; }

cleanup() {
  lab down >/dev/null 2>&1 || true
}
trap cleanup EXIT

lab_up() {
  lab down >/dev/null 2>&1 || true
  lab up "$@" || fail "lab up $* failed"
  LAB_TLS=(--cacert "$(fact tls.ca)" --cert "$(fact tls.operator_cert)" --key "$(fact tls.operator_key)")
}

# curl to the lab's central or clouds: every daemon serves TLS from the lab's
# federation CA, and the clouds want a client certificate (the operator's).
LAB_TLS=()
lab_curl() { curl "${LAB_TLS[@]}" "$@"; }

# api METHOD PATH [BODY]: central's Neutron API as the lab's admin; prints the
# response body, fails on an HTTP error.
api() {
  lab_curl -sf -X "$1" "$(fact central)$2" -H 'Content-Type: application/json' \
    -H "X-Auth-Token: $(lab token)" ${3:+-d "$3"}
}
# jqr EXPR: EXPR of the JSON document on stdin (as d), printed.
jqr() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

assert_down_clean() {
  lab down || fail "lab down failed"
  local left
  left=$(lab leftovers)
  [[ -z "$left" ]] || fail "lab down left things behind: $left"
  pass "lab down left nothing behind"
}

# Every ordered pair of the lab's instances pings (waiting up to 30 s each),
# but the pairs listed after the description as "a>b" (no route by design:
# their gateways have no leg on each other's subnet).
assert_all_pairs_ping() {
  local what=$1 instances n=0; shift
  local no_route=" $* "
  instances=$(fact instances)
  for a in $instances; do
    for b in $instances; do
      [[ $a == "$b" || $no_route == *" $a>$b "* ]] && continue
      wait_for "$a -> $b ping ($what)" 30 ping_ok "$a" "$(fact instance.$b.ip)"
      n=$((n + 1))
    done
  done
  pass "$n/$n ordered pairs ping ($what)${*:+, $# without a route by design}"
}

# routed_source_mac TO FROM: the Ethernet source of an ICMP echo from instance
# FROM as instance TO receives it (a routed packet: a gateway MAC, never a DVR MAC).
routed_source_mac() {
  local to=$1 from=$2 cap err pid
  cap=$(mktemp) err=$(mktemp)
  lab exec "$to" -- timeout 10 tcpdump -i eth0 -nn -e -l --immediate-mode -c 1 \
    "icmp[icmptype] = icmp-echo and src host $(fact instance.$from.ip)" >"$cap" 2>"$err" &
  pid=$!
  wait_for "tcpdump listening in $to" 5 grep -q "listening on" "$err"
  lab exec "$from" -- ping -c 3 -W 1 "$(fact instance.$to.ip)" >/dev/null || fail "$from -> $to"
  wait "$pid" || true
  awk '{print $2; exit}' "$cap"
  rm -f "$cap" "$err"
}

# gateway_mac INSTANCE: the MAC the instance resolved for its gateway (ARP).
gateway_mac() {
  local gw
  gw=$(fact instance.$1.gateway)
  lab exec "$1" -- ping -c 1 -W 1 "$gw" >/dev/null || fail "$1 cannot reach its gateway $gw"
  lab exec "$1" -- ip neigh show "$gw" dev eth0 | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'
}

# ping_train FROM TO COUNT: COUNT pings 10 ms apart; fails on any loss or DUP!.
ping_train() {
  local out
  out=$(lab exec "$1" -- ping -c "$3" -i 0.01 -W 1 "$(fact instance.$2.ip)" 2>&1 || true)
  ! grep -q 'DUP!' <<<"$out" || fail "$1 -> $2: duplicated replies: $(grep -c 'DUP!' <<<"$out") DUP! of $3"
  grep -q " $3 received" <<<"$out" || fail "$1 -> $2: $(grep -o '[0-9]* received' <<<"$out") of $3"
}
