#!/usr/bin/env bash
# The API fuzz test (issue 4): central and a cloud controller built with
# AddressSanitizer and UndefinedBehaviorSanitizer (tree build-asan: targets
# fuzz_daemons and api_fuzz only, build type Sanitize = -O1 -g1), started on
# free loopback ports with temporary databases; registers the cloud, runs the
# fuzzer, then stops both with SIGTERM. Fails when the fuzzer found something,
# when a daemon crashed or did not stop, or when a daemon's log holds a
# sanitizer report.
#
#   tests/fuzz/run.sh           # builds build-asan, then fuzzes
#   tests/fuzz/run.sh --build   # only builds build-asan (scripts/test's setup step)
#   FUZZ_REQUESTS (default 6000: ~1.5 min on 2 idle cores, at most ~5 min while other
#   builds share them; the rates and CPU per 1,000 requests are printed at the end),
#   FUZZ_SEED (default: time), FUZZ_ARGS=--keep-going (report every distinct failure)
#
# As a CTest test (label `fuzz`, run.sh --from-ctest) it never builds: the
# build stays outside the test's timeout, and a missing or stale build-asan
# fails with what to run. It runs only with ISTHMUS_FUZZ=1, so a plain `ctest`
# of the normal build does not spend minutes on it by accident:
#   tests/fuzz/run.sh --build && ISTHMUS_FUZZ=1 ctest --test-dir build -L fuzz --output-on-failure
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-}
if [[ $mode == --from-ctest && "${ISTHMUS_FUZZ:-}" != 1 ]]; then
  echo "SKIP: the fuzz test runs with ISTHMUS_FUZZ=1"; exit 77
fi
REQUESTS=${FUZZ_REQUESTS:-6000}
SEED=${FUZZ_SEED:-$(date +%s)}
BUILD=${FUZZ_BUILD_DIR:-build-asan}
DAEMONS="$BUILD/tests/fuzz/fuzz_daemons"  # `isthmus central`, `cloud` and `hash-password`
FUZZER="$BUILD/tests/fuzz/api_fuzz"
start=$SECONDS

if [[ $mode == --build || ( -z $mode && "${FUZZ_NO_BUILD:-}" != 1 ) ]]; then  # FUZZ_NO_BUILD=1: $BUILD as it is
  echo "== building $BUILD (ASan + UBSan; fuzz_daemons and api_fuzz)"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Sanitize -DISTHMUS_SANITIZE=ON >/dev/null
  if ! cmake --build "$BUILD" -j"$(nproc)" --target fuzz_daemons api_fuzz >"$BUILD/build.log" 2>&1; then
    grep -E "error|Error" "$BUILD/build.log" | head -40 >&2
    echo "FAIL: building $BUILD (full log: $BUILD/build.log)" >&2
    exit 1
  fi
  touch "$BUILD/fuzz-built.stamp"  # when the binaries were last brought up to date
  echo "   built in $((SECONDS - start)) s"
  [[ $mode == --build ]] && exit 0
fi
if [[ $mode == --from-ctest ]]; then
  # Stale: a source or build file changed after the last build.
  stale=""
  [[ -x $DAEMONS && -x $FUZZER && -e $BUILD/fuzz-built.stamp ]] || stale="not built"
  [[ -n $stale ]] || stale=$(find src tests/fuzz CMakeLists.txt -type f -newer "$BUILD/fuzz-built.stamp" -print -quit)
  if [[ -n $stale ]]; then
    echo "FAIL: $BUILD is not built, or older than the sources ($stale): run tests/fuzz/run.sh --build" \
         "first (scripts/test does)" >&2
    exit 1
  fi
fi

work=$(mktemp -d /tmp/isthmus-fuzz.XXXXXX)
central_pid="" cloud_pid=""
cleanup() {
  for p in $cloud_pid $central_pid; do kill -KILL "$p" 2>/dev/null || true; done
  if [[ "${KEEP_FUZZ_DIR:-}" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {  # a loopback port nobody listens on
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))  # below the ephemeral range: no outgoing connection holds it
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
up() { curl -s -o /dev/null "http://$1/" ; }
wait_up() {  # wait_up ADDR PID NAME
  local deadline=$((SECONDS + 60))
  until up "$1"; do
    kill -0 "$2" 2>/dev/null || { cat "$work/$3.log" >&2; echo "FAIL: $3 exited at start" >&2; exit 1; }
    ((SECONDS < deadline)) || { echo "FAIL: $3 not answering on $1" >&2; exit 1; }
    sleep 0.1
  done
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cport=$(free_port)
kport=$(free_port)
while [[ $kport == "$cport" ]]; do kport=$(free_port); done

# Authentication: when central wants an identity file, write one with an admin
# user for the cloud and the fuzzer (its --help says so).
central_args=(--listen "127.0.0.1:$cport" --db "$work/central.db")
cloud_conf="$work/cloud.conf"
printf 'name = cloud1\nlisten = 127.0.0.1:%s\ncentral = http://127.0.0.1:%s\ndb = %s\n' \
  "$kport" "$cport" "$work/cloud.db" >"$cloud_conf"
# The fuzzer speaks plain HTTP: daemons that want TLS get --insecure.
if "$DAEMONS" central --help | grep -- '--insecure' >/dev/null; then
  central_args+=(--insecure)
  printf 'insecure = true\n' >>"$cloud_conf"
fi
auth=0
if "$DAEMONS" central --help | grep -- '--identity' >/dev/null; then
  auth=1
  # Central stores password hashes (isthmus hash-password) and refuses secret
  # files that others may read.
  admin_hash=$(printf 'fuzz-admin-pw\n' | "$DAEMONS" hash-password)
  demo_hash=$(printf 'fuzz-demo-pw\n' | "$DAEMONS" hash-password)
  cat >"$work/identity.json" <<EOF
{"projects": [{"name": "admin"}, {"name": "demo"}],
 "users": [{"name": "admin", "password_hash": "$admin_hash", "project": "admin", "roles": ["admin"]},
           {"name": "demo", "password_hash": "$demo_hash", "project": "demo", "roles": ["member"]}]}
EOF
  chmod 600 "$work/identity.json"
  central_args+=(--identity "$work/identity.json")
  printf 'central_user = admin\ncentral_password = fuzz-admin-pw\n' >>"$cloud_conf"
  chmod 600 "$cloud_conf"
fi

"$DAEMONS" central "${central_args[@]}" >"$work/central.log" 2>&1 &
central_pid=$!
wait_up "127.0.0.1:$cport" "$central_pid" central
"$DAEMONS" cloud --config "$cloud_conf" >"$work/cloud.log" 2>&1 &
cloud_pid=$!
wait_up "127.0.0.1:$kport" "$cloud_pid" cloud

token=""
if ((auth)); then
  token=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d '{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin",
         "domain": {"name": "Default"}, "password": "fuzz-admin-pw"}}},
         "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}' \
    "http://127.0.0.1:$cport/v3/auth/tokens" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token" {print $2}')
  [[ -n "$token" ]] || { echo "FAIL: no token from central" >&2; exit 1; }
fi
hdr=()
[[ -n "$token" ]] && hdr=(-H "X-Auth-Token: $token")
code=$(curl -s -o "$work/cloud.json" -w '%{http_code}' "${hdr[@]}" -H 'Content-Type: application/json' \
  -d "{\"cloud\": {\"name\": \"cloud1\", \"endpoint\": \"http://127.0.0.1:$kport\"}}" \
  "http://127.0.0.1:$cport/v2.0/clouds")
[[ $code == 201 ]] || { echo "FAIL: registering cloud1: $code $(cat "$work/cloud.json")" >&2; exit 1; }

echo "== fuzzing central 127.0.0.1:$cport and cloud1 127.0.0.1:$kport: $REQUESTS requests, seed $SEED"
fuzz_start=$SECONDS
rc=0
ISTHMUS_TOKEN="$token" "$FUZZER" --central "http://127.0.0.1:$cport" \
  --cloud "http://127.0.0.1:$kport" --seed "$SEED" --requests "$REQUESTS" --daemon-pids "$central_pid,$cloud_pid" \
  ${FUZZ_ARGS:-} || rc=$?
echo "   fuzzing took $((SECONDS - fuzz_start)) s"

# Both daemons must still be alive, then stop on SIGTERM.
crashed=""
for d in central:$central_pid cloud:$cloud_pid; do
  name=${d%%:*} pid=${d#*:}
  if ! kill -0 "$pid" 2>/dev/null; then crashed+=" $name(died during the run)"; continue; fi
  kill -TERM "$pid"
done
for d in central:$central_pid cloud:$cloud_pid; do
  name=${d%%:*} pid=${d#*:}
  deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then crashed+=" $name(ignored SIGTERM for 30 s)"; continue; fi
  set +e; wait "$pid"; st=$?; set -e
  [[ $st == 0 ]] || crashed+=" $name(exit status $st)"
done
central_pid="" cloud_pid=""
for name in central cloud; do
  if grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'ERROR: LeakSanitizer' "$work/$name.log"; then
    crashed+=" $name(sanitizer report)"
    echo "---- $name.log (sanitizer report)" >&2
    grep -n -A40 -e 'ERROR: AddressSanitizer' -e 'runtime error:' "$work/$name.log" | head -80 >&2
  fi
done
if [[ -n "$crashed" ]]; then
  for name in central cloud; do echo "---- tail of $name.log" >&2; tail -20 "$work/$name.log" >&2; done
  echo "FAIL:$crashed" >&2
  exit 1
fi
if ((rc != 0)); then
  echo "FAIL: api_fuzz found a failure (seed $SEED; rerun: FUZZ_SEED=$SEED $0)" >&2
  exit 1
fi
echo "ok: $REQUESTS fuzz requests (seed $SEED), no 5xx, no hang, refused requests changed nothing, no sanitizer report; total $((SECONDS - start)) s"
