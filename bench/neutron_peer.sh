#!/usr/bin/env bash
# The API peer of the benchmarks: Debian's neutron-server (neutron-api under
# uwsgi, as Debian runs it) on a throwaway PostgreSQL cluster, on
# 127.0.0.1:9796. Never part of the tests. docs/benchmarks.md says what it runs.
#
#   bench/neutron_peer.sh start   install on first use, start, self-check, print URL=... TOKEN=...
#   bench/neutron_peer.sh url     print URL=... TOKEN=... of the running peer
#   bench/neutron_peer.sh check   network + subnet + 10 ports with curl, time per create
#   bench/neutron_peer.sh stop    stop it and remove its cluster and files
#
# Environment: NEUTRON_PEER_PORT (9796), NEUTRON_PEER_PROCESSES (uwsgi processes,
# nproc), NEUTRON_PEER_DIR (/var/tmp/isthmus-neutron-peer), NEUTRON_PEER_KEEPALIVE
# (0: Debian's uwsgi file, Connection: close on every answer; 1: keep-alive).
# Runs as root.
set -euo pipefail

port=${NEUTRON_PEER_PORT:-9796}
processes=${NEUTRON_PEER_PROCESSES:-$(nproc)}
state=${NEUTRON_PEER_DIR:-/var/tmp/isthmus-neutron-peer}
keepalive=${NEUTRON_PEER_KEEPALIVE:-0}
url="http://127.0.0.1:$port"
packages=(neutron-server python3-psycopg2 postgresql curl jq)

say() { echo "neutron-peer: $*" >&2; }
die() { say "$*"; exit 1; }

need_root() { [[ $(id -u) -eq 0 ]] || die "run as root (installs packages, runs as the neutron and postgres users)"; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

source "$(dirname "${BASH_SOURCE[0]}")/peer_packages.sh"

# The uwsgi master we started, if it still runs (checked by its command line,
# so a recycled pid is never taken for it).
server_pid() {
  local pid
  [[ -r $state/neutron/uwsgi.pid ]] || return 1
  pid=$(<"$state/neutron/uwsgi.pid")
  [[ -r /proc/$pid/cmdline && $(tr '\0' ' ' <"/proc/$pid/cmdline") == *"$state/neutron/uwsgi.ini"* ]] &&
    echo "$pid"
}

print_url() { echo "URL=$url TOKEN="; }

# Runs a long step in the background and waits for it: bash runs a trap only
# between commands, and `wait` is one, so a SIGTERM is handled at once.
child=
in_background() {
  local rc=0
  "$@" &
  child=$!
  wait "$child" || rc=$?
  child=
  return "$rc"
}

make_cluster() {
  local bin pgport
  bin=$(pg_bin)
  mkdir -p "$state/pg"
  chown postgres: "$state/pg"
  pgport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "$pgport" >"$state/pg.port"
  runuser -u postgres -- "$bin/initdb" -D "$state/pg/data" -A trust -U postgres --no-sync \
    >"$state/pg/initdb.log" 2>&1 || { cat "$state/pg/initdb.log" >&2; return 1; }
  runuser -u postgres -- "$bin/pg_ctl" -D "$state/pg/data" -l "$state/pg/server.log" -w -t 60 \
    -o "-p $pgport -k $state/pg -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null ||
    { cat "$state/pg/server.log" >&2; return 1; }
  runuser -u postgres -- "$bin/psql" -qX -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U postgres \
    -d postgres -c "CREATE ROLE neutron LOGIN" -c "CREATE DATABASE neutron OWNER neutron" >/dev/null
}

stop_cluster() {
  local bin
  bin=$(pg_bin)
  [[ -n $bin && -f $state/pg/data/postmaster.pid ]] || return 0
  # Immediate: the cluster is removed next, a shutdown checkpoint is wasted time.
  runuser -u postgres -- "$bin/pg_ctl" -D "$state/pg/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
}

# neutron.conf + ml2_conf.ini: ML2 with flat/vxlan, tenant networks vxlan,
# the openvswitch mechanism driver with no agent (ports stay DOWN, unbound),
# no Keystone (noauth), RPC on oslo.messaging's in-process fake transport
# (no RabbitMQ; nothing listens, casts to agents go nowhere), no Nova
# notifications, quotas off (the benchmarks create 100k ports in one project).
write_config() {
  local d=$state/neutron pgport
  pgport=$(<"$state/pg.port")
  mkdir -p "$d/state" "$d/lock" "$d/tmp"
  cat >"$d/neutron.conf" <<EOF
[DEFAULT]
core_plugin = ml2
service_plugins = router
auth_strategy = noauth
allow_overlapping_ips = true
transport_url = fake://
dhcp_agent_notification = false
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
state_path = $d/state
log_dir = $d
log_file = neutron-server.log
use_stderr = false
debug = false

[database]
connection = postgresql+psycopg2://neutron@127.0.0.1:$pgport/neutron

[oslo_concurrency]
lock_path = $d/lock

[oslo_messaging_notifications]
driver = noop

[quotas]
quota_network = -1
quota_subnet = -1
quota_port = -1
quota_router = -1
quota_floatingip = -1
quota_security_group = -1
quota_security_group_rule = -1
EOF
  cat >"$d/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = openvswitch
extension_drivers = port_security

[ml2_type_flat]
flat_networks = *

[ml2_type_vxlan]
vni_ranges = 1:10000
EOF
  # Debian's uwsgi file for neutron-api, with our socket, process count,
  # paths and config files (the init script passes the socket and the
  # config files on its command line). Debian's file closes every
  # connection and drops Content-Length; NEUTRON_PEER_KEEPALIVE=1 keeps
  # both and serves HTTP/1.1 keep-alive (uwsgi's http11-socket) instead.
  local socket=http-socket dropped=()
  if [[ $keepalive == 1 ]]; then
    socket=http11-socket
    dropped=(-e '/^add-header = Connection: close/d' -e '/^rem-header = Content-Length/d')
  fi
  sed -e "s|^processes = .*|processes = $processes|" \
      -e "s|^logto = .*|logto = $d/neutron-api.log|" \
      -e "s|^chdir = .*|chdir = $d|" "${dropped[@]}" \
      /etc/neutron/neutron-api-uwsgi.ini >"$d/uwsgi.ini"
  cat >>"$d/uwsgi.ini" <<EOF

# neutron_peer.sh
$socket = 127.0.0.1:$port
pyargv = --config-file=$d/neutron.conf --config-file=$d/ml2_conf.ini
EOF
  chown -R neutron:neutron "$d"
}

migrate() {
  local d=$state/neutron
  say "neutron-db-manage upgrade heads"
  in_background runuser -u neutron -- neutron-db-manage --config-file "$d/neutron.conf" \
    --config-file "$d/ml2_conf.ini" upgrade heads >"$d/db-manage.log" 2>&1 ||
    { tail -30 "$d/db-manage.log" >&2; return 1; }
}

launch() {
  local d=$state/neutron uwsgi
  uwsgi=$(ls /usr/bin/uwsgi_python3[0-9]* 2>/dev/null | sort -V | tail -1)
  [[ -x $uwsgi ]] || die "no /usr/bin/uwsgi_python3*: is neutron-api installed?"
  # Its own session: stop can end the whole group it started, workers too.
  TMPDIR=$d/tmp setsid "$uwsgi" --ini "$d/uwsgi.ini" </dev/null >>"$d/uwsgi.out" 2>&1 &
  echo $! >"$d/uwsgi.pid"
}

wait_ready() {
  local deadline=$((SECONDS + 180))
  while ! curl -sf --max-time 5 -o /dev/null "$url/v2.0/networks"; do
    if ! server_pid >/dev/null; then
      tail -30 "$state/neutron/neutron-api.log" >&2 || true
      die "neutron-api exited during start (logs in $state/neutron)"
    fi
    ((SECONDS < deadline)) || die "GET $url/v2.0/networks did not answer in 180 s (logs in $state/neutron)"
    sleep 0.5
  done
}

stop_server() {
  local pid deadline
  pid=$(server_pid) || return 0
  # SIGINT: uwsgi's master kills its workers and exits at once (SIGTERM waits
  # for workers still loading neutron, up to a minute).
  kill -INT "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  # Master gone or stuck: end what is left of the group we started (workers).
  kill -KILL -- "-$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

teardown() {
  if [[ -n $child ]]; then kill -TERM "$child" 2>/dev/null || true; wait "$child" 2>/dev/null || true; fi
  stop_server
  stop_cluster
  rm -rf "$state"
}

# POSTs a JSON body, prints the response body; fails on any status but 201.
post() {
  local out code
  out=$(mktemp)
  code=$(curl -s -o "$out" -w '%{http_code}' -H 'Content-Type: application/json' -d "$2" "$url/v2.0/$1")
  if [[ $code != 201 ]]; then
    say "POST /v2.0/$1 -> $code: $(cat "$out")"
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

delete() { curl -sf -o /dev/null -X DELETE "$url/v2.0/$1"; }

check() {
  local net subnet i line total=0 ports=()
  net=$(post networks '{"network": {"name": "peer-check"}}' | jq -r .network.id)
  subnet=$(post subnets "{\"subnet\": {\"network_id\": \"$net\", \"cidr\": \"10.99.0.0/24\", \"ip_version\": 4}}" |
    jq -r .subnet.id)
  for i in $(seq 1 10); do
    line=$(curl -s -w '\n%{http_code} %{time_total}' -H 'Content-Type: application/json' \
      -d "{\"port\": {\"network_id\": \"$net\", \"name\": \"peer-check-$i\"}}" "$url/v2.0/ports")
    read -r code secs <<<"$(tail -1 <<<"$line")"
    [[ $code == 201 ]] || die "port create $i -> $code: $(head -1 <<<"$line")"
    ports+=("$(head -1 <<<"$line" | jq -r .port.id)")
    printf 'neutron-peer: port create %2d: %4.0f ms (%s)\n' "$i" "$(awk "BEGIN {print $secs * 1000}")" \
      "$(head -1 <<<"$line" | jq -r '.port.fixed_ips[0].ip_address + " " + .port.status')" >&2
    total=$(awk "BEGIN {print $total + $secs}")
  done
  printf 'neutron-peer: check: 10 port creates, one curl each, %.0f ms per create on average\n' \
    "$(awk "BEGIN {print $total * 100}")" >&2
  for i in "${ports[@]}"; do delete "ports/$i"; done
  delete "subnets/$subnet"
  delete "networks/$net"
}

start() {
  need_root
  if server_pid >/dev/null; then
    say "already running"
    print_url
    return 0
  fi
  [[ -e $state ]] && die "$state exists from an earlier run: run '$0 stop' first"
  if curl -s -o /dev/null "$url/"; then die "something else answers on $url"; fi
  install_if_missing
  # Until it is up and checked, any failure or signal takes everything down.
  trap teardown EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  mkdir -p "$state"
  make_cluster
  write_config
  migrate
  say "starting neutron-api ($processes uwsgi processes) on $url"
  launch
  wait_ready
  check
  trap - EXIT TERM INT
  say "up; logs in $state/neutron; '$0 stop' ends it"
  print_url
}

case ${1:-} in
  start) start ;;
  stop) need_root; teardown ;;
  url) server_pid >/dev/null || die "not running"; print_url ;;
  check) server_pid >/dev/null || die "not running"; check ;;
  *) echo "usage: $0 start|stop|url|check" >&2; exit 2 ;;
esac
