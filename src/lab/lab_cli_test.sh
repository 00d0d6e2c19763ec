#!/usr/bin/env bash
# lab_cli_test.sh ISTHMUS TOPOLOGIES_DIR: every subcommand answers --help (exit
# 0, usage on stdout naming the command), unknown options point at --help, and
# `lab show --dot/--svg` draws every shipped topology; no root (run as nobody
# when started as root), no lab.
set -uo pipefail
isthmus=$(readlink -f "$1")
topologies=$(readlink -f "$2")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# As an unprivileged user when we are root, to show none of it needs root.
as_user=()
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
# No lab here (ISTHMUS_LAB_DIR points nowhere).
export ISTHMUS_LAB_DIR=/nonexistent/isthmus-lab-cli-test
run() { "${as_user[@]}" "$isthmus" "$@"; }

help_of() {  # help_of WORD ARGS...: exit 0, stdout names WORD
  local word=$1
  shift
  local out rc
  out=$(run "$@" 2>/tmp/lab_cli_err.$$)
  rc=$?
  if [[ $rc -ne 0 ]]; then fail "isthmus $* exited $rc: $(head -c 300 /tmp/lab_cli_err.$$)"; return; fi
  if ! grep -q -- "$word" <<<"$out"; then fail "isthmus $* does not name '$word'"; return; fi
  if ! grep -q "^usage: " <<<"$out"; then fail "isthmus $* prints no usage line"; return; fi
  echo "ok: isthmus $*"
}

help_of "isthmus <command>" --help
for cmd in central cloud agent hash-password; do help_of "isthmus $cmd" "$cmd" --help; done
help_of "isthmus lab <command>" lab --help
lab_commands=(up down exec matrix north-south lease show openrc token leftovers add-instance
              wait-converged daemons kill start serve)
lab_help=$(run lab --help)
for cmd in "${lab_commands[@]}"; do
  help_of "isthmus lab $cmd" lab "$cmd" --help
  # Every lab command appears in `lab --help`.
  grep -q "^  $cmd\b" <<<"$lab_help" || fail "isthmus lab --help does not list $cmd"
done
help_of "isthmus lab up" lab up s2 --legacy --help
help_of "isthmus lab exec" lab exec -h

# An unknown option is refused and points at the command's --help (lab up
# checks its options after the root check: as root only).
if [[ $(id -u) -eq 0 ]]; then
  err=$("$isthmus" lab up s2 --frobnicate 2>&1 >/dev/null)
  rc=$?
  [[ $rc -eq 2 && $err == *"unknown option --frobnicate"*"isthmus lab up --help"* ]] ||
    fail "lab up --frobnicate: exit $rc, '$err'"
fi
err=$(run lab show --dot s2 extra 2>&1 >/dev/null)
[[ $err == *"isthmus lab show --help"* ]] || fail "lab show --dot s2 extra: '$err'"
err=$(run lab frobnicate 2>&1 >/dev/null)
[[ $? -eq 2 && $err == *"unknown command 'frobnicate'"*"isthmus lab --help"* ]] || fail "lab frobnicate: '$err'"

# Every shipped topology draws, and Graphviz renders it.
for f in "$topologies"/*.json; do
  name=$(basename "$f" .json)
  dot=$(run lab show --dot "$name") || { fail "lab show --dot $name"; continue; }
  [[ $dot == "graph \"$name\" {"* ]] || fail "lab show --dot $name: not a graph"
  [[ $(run lab show --dot "$f") == "$dot" ]] || fail "lab show --dot $f differs from the shipped $name"
  if command -v dot >/dev/null; then
    svg=$(run lab show --svg "$name") || { fail "lab show --svg $name"; continue; }
    grep -q "<svg" <<<"$svg" || fail "lab show --svg $name: no <svg>"
    dot -Tsvg <<<"$dot" >/dev/null || fail "dot -Tsvg of $name"
    echo "ok: lab show --dot/--svg $name"
  else
    echo "skip: graphviz is not installed, lab show --svg $name not checked"
  fi
done
err=$(run lab show --dot no-such-topology 2>&1 >/dev/null)
[[ $err == *"unknown topology 'no-such-topology'"* ]] || fail "lab show --dot no-such-topology: '$err'"
err=$(run lab show --dot 2>&1 >/dev/null)
[[ $err == *"saved no topology"* ]] || fail "lab show --dot without a lab: '$err'"

rm -f /tmp/lab_cli_err.$$
[[ $failures -eq 0 ]] && echo "lab_cli: all ok" || { echo "lab_cli: $failures failures"; exit 1; }
