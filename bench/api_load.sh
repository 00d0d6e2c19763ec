#!/usr/bin/env bash
# Port creates against a standalone central (no auth, plain HTTP): starts
# `isthmus central` on a fresh SQLite file or, with --postgres, on a throwaway
# PostgreSQL cluster (as scripts/postgres-test makes it), then runs
# bench_api_load with the remaining arguments (--ports, --clients, --single,
# --lists) and central's pid for its RSS. Prints figures; asserts nothing.
#   bench/api_load.sh [--postgres] [--build build] [--isthmus BINARY] [--neutron N] [bench_api_load args...]
# --neutron N: then the same client, N creates, against the peer, Debian's
# neutron-server (bench/neutron_peer.sh, keep-alive on), in the same run.
# Against another Neutron: build/bench/bench_api_load --url URL --token TOKEN ...
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
isthmus=""
postgres=false
neutron=0
args=()
while (($#)); do
  case $1 in
    --postgres) postgres=true ;;
    --build) build=$2; shift ;;
    --isthmus) isthmus=$2; shift ;;
    --neutron) neutron=$2; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
work=$(mktemp -d /tmp/isthmus-api-load.XXXXXX)
chmod 755 "$work"
pids=()
pg_bin=""
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -n $pg_bin ]] && as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

db=$work/central.db
if $postgres; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -n $pg_bin ]] || { echo "api_load: PostgreSQL is not installed (scripts/postgres-test installs it)" >&2; exit 1; }
  [[ $(id -u) -eq 0 ]] && chown postgres: "$work"
  pg_port=$(free_port)
  as_pg "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
  as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -t 60 \
    -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
  as_pg "$pg_bin/psql" -qX -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres \
    -c "CREATE ROLE isthmus LOGIN CREATEDB" -c "CREATE DATABASE central OWNER isthmus" >/dev/null
  db="postgresql://isthmus@127.0.0.1:$pg_port/central"
fi
port=$(free_port)
"${isthmus:-$build/isthmus}" central --insecure --no-auth --listen "127.0.0.1:$port" --db "$db" >"$work/central.log" 2>&1 &
pids+=($!)
central=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/v2.0/networks" >/dev/null 2>&1 && break
  kill -0 "$central" 2>/dev/null || { cat "$work/central.log" >&2; exit 1; }
  sleep 0.1
done
echo "== isthmus central on $($postgres && echo PostgreSQL || echo SQLite), pid $central"
status=0
"$build/bench/bench_api_load" --url "http://127.0.0.1:$port" --pid "$central" --cloud bench "${args[@]}" || status=$?
if ((neutron > 0)); then
  kill "$central"; wait "$central" 2>/dev/null || true
  peer_stop() { bench/neutron_peer.sh stop >/dev/null 2>&1 || true; cleanup; }
  trap peer_stop EXIT
  echo "== the peer: Debian's neutron-server on PostgreSQL (bench/neutron_peer.sh), $neutron creates"
  url=$(NEUTRON_PEER_KEEPALIVE=1 bench/neutron_peer.sh start | sed -n 's/^URL=\([^ ]*\).*/\1/p')
  [[ -n $url ]] || { echo "api_load: the neutron peer did not start" >&2; exit 1; }
  "$build/bench/bench_api_load" --url "$url" --no-quota "${args[@]}" --ports "$neutron" --single 0 || status=$?
fi
exit "$status"
