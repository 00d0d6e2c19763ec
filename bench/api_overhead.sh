#!/usr/bin/env bash
# What TLS and Keystone tokens cost per request at central: the same central
# binary three ways (plain HTTP without auth, plain HTTP with tokens, TLS with
# tokens), 500 GETs each with a new connection per request and over one
# keep-alive connection. Prints figures; asserts nothing. Needs openssl.
#   bench/api_overhead.sh [build/isthmus] [N]
set -euo pipefail
ISTHMUS=${1:-build/isthmus}
N=${2:-500}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/isthmus-overhead.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
  -out "$work/ca.crt" -days 2 -subj "/CN=bench CA" 2>/dev/null
printf 'subjectAltName = IP:127.0.0.1\n' >"$work/ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/c.key" \
  -out "$work/c.csr" -subj "/CN=central" 2>/dev/null
chmod 600 "$work/c.key"
openssl x509 -req -in "$work/c.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/ext" -out "$work/c.crt" 2>/dev/null
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
identity_file() {  # the identity file as this build of central wants it
  if "$ISTHMUS" hash-password --help >/dev/null 2>&1; then
    hash=$(printf '%s' "$password" | "$ISTHMUS" hash-password)
    printf '{"projects": [{"name": "admin"}], "users": [{"name": "admin", "password_hash": "%s", "project": "admin", "roles": ["admin"]}]}\n' "$hash"
  else
    printf '{"projects": [{"name": "admin"}], "users": [{"name": "admin", "password": "%s", "project": "admin", "roles": ["admin"]}]}\n' "$password"
  fi
}
identity_file >"$work/identity.json"
chmod 600 "$work/identity.json"
start() {  # start PORT ARGS...
  local port=$1; shift
  "$ISTHMUS" central --listen "127.0.0.1:$port" --db "$work/c$port.db" "$@" >"$work/c$port.log" 2>&1 &
  pids+=($!)
}
start 19801 --insecure --no-auth
start 19802 --insecure --identity "$work/identity.json"
start 19803 --identity "$work/identity.json" --tls-ca "$work/ca.crt" --tls-cert "$work/c.crt" --tls-key "$work/c.key"
for port in 19801 19802; do
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.1; done
done
until curl -s -o /dev/null --cacert "$work/ca.crt" "https://127.0.0.1:19803/"; do sleep 0.1; done
token() {
  curl -s --cacert "$work/ca.crt" -D - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"name\": \"admin\", \"password\": \"$password\"}}}}}" \
    "$1/v3/auth/tokens" | awk -F': ' 'tolower($1) == "x-subject-token" {print $2}' | tr -d '\r'
}
python3 "$here/api_overhead.py" http://127.0.0.1:19801 "$N" --label "http, no auth"
python3 "$here/api_overhead.py" http://127.0.0.1:19802 "$N" --label "http, token" --token "$(token http://127.0.0.1:19802)"
python3 "$here/api_overhead.py" https://127.0.0.1:19803 "$N" --label "https (P-256), token" --ca "$work/ca.crt" \
  --token "$(token https://127.0.0.1:19803)"
