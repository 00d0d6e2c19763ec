#!/usr/bin/env bash
# The agent's own OpenFlow client (src/agent/openflow) against a real
# ovs-vswitchd: a standalone ovsdb-server + ovs-vswitchd (userspace datapath, a
# temporary rundir, no lab), bridges whose ports (patch ports, no kernel state)
# carry the names the flows use. For each flow file (the golden flows of both
# bridges, a file covering the rest of the grammar, 2,000 bench-shaped flows):
#   `ovs-ofctl --bundle replace-flows` then dump, versus the client's full
#   resync then dump: identical (`dump-flows --no-stats`).
# Then the diff path (add / delete_strict), that a resync keeps flows with
# another cookie (learned flows), and that a refused flow names itself and
# leaves the bridge as it was (the bundle is atomic).
# Usage: openflow_wire.sh path/to/isthmus-ofwire
set -euo pipefail
OFWIRE=${1:?usage: $0 path/to/isthmus-ofwire}
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root"; exit 77; fi
src=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

source "$src/scripts/standalone-ovs.sh"
# Bridge names of our own (a netdev bridge's LOCAL port is a host device).
BI=ofw-int BT=ofw-tun
for br in $BI $BT; do vsctl add-br $br -- set bridge $br datapath_type=netdev fail_mode=secure \
  protocols=OpenFlow10,OpenFlow13,OpenFlow14; done
patch() { vsctl add-port "$1" "$2" -- set interface "$2" type=patch options:peer=none-"$2"; }
for p in patch-tun qp-gw13aaaaaaa qp-gw14aaaaaaa t-instance1 t-instance2; do patch $BI $p; done
for p in patch-int vx0aff000c vx0aff0015 vx0aff0016; do patch $BT $p; done

ofctl() { ovs-ofctl -O OpenFlow14 "$@"; }
dump() { ofctl dump-flows --no-stats "$1" | sed 's/^ *//' | grep "cookie=$2" | sort; }

# The grammar beyond the golden flows: nw_dst, icmp_code, sctp, nw_proto,
# arp_spa prefixes, masked regs and metadata, ct_zone, NORMAL, dec_ttl, resubmit
# with a port, ct(commit,table,zone), load into a bit range, move of subfields.
cat >"$dir/extra.flows" <<'FLOWS'
cookie=0x15a7,table=30,priority=5,in_port=t-instance2,ip,nw_dst=10.1.0.0/16 actions=dec_ttl,NORMAL
cookie=0x15a7,table=30,priority=5,icmp,icmp_type=3,icmp_code=1 actions=output:t-instance2
cookie=0x15a7,table=30,priority=5,sctp,nw_dst=10.0.0.1,tp_dst=0x100/0xff00 actions=drop
cookie=0x15a7,table=30,priority=5,ip,nw_proto=47 actions=drop
cookie=0x15a7,table=30,priority=5,udp,tp_src=53,tp_dst=1024 actions=resubmit(t-instance1,31)
cookie=0x15a7,table=30,priority=4,arp,arp_spa=10.2.0.0/24,arp_tpa=10.2.0.1,arp_op=2,arp_tha=fa:16:3e:00:00:09 actions=drop
cookie=0x15a7,table=30,priority=3,reg0=0x10/0xf0,reg15=7,metadata=0x5/0xff actions=load:0x3->NXM_NX_REG1[4..7],move:NXM_NX_REG0[0..15]->NXM_NX_REG2[16..31],goto_table:31
cookie=0x15a7,table=30,priority=2,ct_zone=9,ct_state=-trk,ip actions=ct(commit,table=31,zone=9)
cookie=0x15a7,table=30,priority=1,tcp,tcp_flags=+syn-ack,tp_dst=22 actions=set_field:fa:16:3e:00:00:0a->eth_dst,in_port
cookie=0x15a7,table=30,priority=1,dl_type=0x86dd actions=drop
FLOWS
# bench/flow_resync.sh's flows (table 60 unicast outputs).
awk 'BEGIN { for (i = 0; i < 2000; i++)
  printf "cookie=0x15a7,table=60,priority=20,dl_vlan=%d,dl_dst=fa:16:3e:%02x:%02x:%02x,actions=pop_vlan,output:t-instance1\n",
    1 + i % 50, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >"$dir/bench.flows"

same_as_ofctl() {  # bridge file
  local br=$1 file=$2 name
  name=$(basename "$file")
  ofctl --bundle replace-flows "$br" "$file" || fail "ovs-ofctl refused $name"
  dump "$br" 0x15a7 >"$dir/want"
  [[ -s $dir/want ]] || fail "ovs-ofctl installed nothing from $name"
  # Start from something else: a stale flow of ours, and a learned-like flow
  # (cookie 0x1) that a resync must keep.
  ofctl del-flows "$br"
  ofctl add-flow "$br" "cookie=0x15a7,table=7,priority=7,dl_vlan=7 actions=drop"
  ofctl add-flow "$br" "cookie=0x1,table=20,priority=1,dl_vlan=3 actions=drop"
  "$OFWIRE" replace "$dir" "$br" "$file" >/dev/null || fail "the client refused $name"
  dump "$br" 0x15a7 >"$dir/got"
  diff -u "$dir/want" "$dir/got" || fail "$name: the client's flows differ from ovs-ofctl's"
  [[ $(dump "$br" 0x1, | wc -l) == 1 ]] || fail "$name: a resync removed a flow with another cookie"
  pass "$name: $(wc -l <"$dir/got") flows, identical to ovs-ofctl's"
}
same_as_ofctl $BI "$src/src/agent/testdata/c1h1_br_int.flows"
same_as_ofctl $BT "$src/src/agent/testdata/c1h1_br_tun.flows"
same_as_ofctl $BI "$dir/extra.flows"
same_as_ofctl $BI "$dir/bench.flows"

# The diff path: one bundle of delete_strict and add lines.
cat >"$dir/diff" <<'LINES'
delete_strict table=60,priority=20,dl_vlan=1,dl_dst=fa:16:3e:00:00:00
delete_strict table=60,priority=20,dl_vlan=2,dl_dst=fa:16:3e:00:00:01
add cookie=0x15a7,table=60,priority=20,dl_vlan=3,dl_dst=fa:16:3e:00:00:02 actions=pop_vlan,output:t-instance2
add cookie=0x15a7,table=61,priority=1,in_port=patch-tun actions=drop
LINES
ofctl --bundle replace-flows $BI "$dir/bench.flows"
ofctl --bundle add-flows $BI "$dir/diff" || fail "ovs-ofctl refused the diff"  # as Ovs::ApplyFlows did
dump $BI 0x15a7 >"$dir/want"
ofctl --bundle replace-flows $BI "$dir/bench.flows"
"$OFWIRE" apply "$dir" $BI "$dir/diff" >/dev/null || fail "the client refused the diff"
dump $BI 0x15a7 >"$dir/got"
diff -u "$dir/want" "$dir/got" || fail "the client's diff differs from ovs-ofctl's"
pass "diff: add and delete_strict as ovs-ofctl bundle ($(wc -l <"$dir/got") flows)"

# A flow the switch refuses (a load whose prerequisite, arp, is not matched)
# fails the whole bundle, named; the other flow of the bundle is not installed.
cat >"$dir/bad" <<'LINES'
add cookie=0x15a7,table=62,priority=1,dl_vlan=9 actions=drop
add cookie=0x15a7,table=62,priority=2,dl_vlan=9 actions=load:0x2->NXM_OF_ARP_OP[]
LINES
if out=$("$OFWIRE" apply "$dir" $BI "$dir/bad" 2>&1); then fail "the switch took a load without its prerequisite"; fi
grep -F "priority=2,dl_vlan=9" <<<"$out" >/dev/null || fail "the error does not name the flow: $out"
dump $BI 0x15a7 >"$dir/after"
diff -u "$dir/got" "$dir/after" >/dev/null || fail "a refused bundle changed the bridge"
pass "a refused flow is named ($out) and its bundle changes nothing"

# Unknown port names and text outside the grammar: refused before anything is sent.
echo "add cookie=0x15a7,table=63,priority=1 actions=output:no-such-port" >"$dir/noport"
if out=$("$OFWIRE" apply "$dir" $BI "$dir/noport" 2>&1); then fail "a flow naming a missing port went in"; fi
grep -F "no-such-port" <<<"$out" >/dev/null || fail "the error does not name the port: $out"
echo "add cookie=0x15a7,table=63,priority=1 actions=controller" >"$dir/unknown"
if out=$("$OFWIRE" apply "$dir" $BI "$dir/unknown" 2>&1); then fail "an unsupported action went in"; fi
grep -F "unsupported action 'controller'" <<<"$out" >/dev/null || fail "unclear error: $out"
dump $BI 0x15a7 >"$dir/after"
diff -u "$dir/got" "$dir/after" >/dev/null || fail "a refused flow changed the bridge"
pass "unknown ports and actions are refused by name before anything is sent"
# A port that leaves the bridge: vswitchd keeps the flows that name it, and the
# client (one for many bundles, as the agent keeps it) deletes them by the
# number the port had, without replacing the table; unless another port holds
# that number now: then the delete is refused by name and nothing changes.
patch $BI t-gone
patch $BI t-stays
coproc OFW { "$OFWIRE" session "$dir" $BI; }
session() { echo "$1" >&"${OFW[1]}"; read -r -t 10 reply <&"${OFW[0]}" || fail "the session did not answer '$1'"; echo "$reply"; }
cat >"$dir/gone-add" <<'LINES'
add cookie=0x15a7,table=64,priority=1,in_port=t-gone actions=drop
add cookie=0x15a7,table=64,priority=1,in_port=t-stays actions=drop
LINES
echo "delete_strict table=64,priority=1,in_port=t-gone" >"$dir/gone-del"
[[ $(session "apply $dir/gone-add") == ok* ]] || fail "adding flows for t-gone and t-stays"
gone_no=$(vsctl get interface t-gone ofport) stays_no=$(vsctl get interface t-stays ofport)
vsctl del-port $BI t-gone
ofctl dump-flows $BI table=64 | grep -q "in_port=$gone_no " || fail "vswitchd dropped the departed port's flow itself"
if out=$("$OFWIRE" apply "$dir" $BI "$dir/gone-del" 2>&1); then fail "a fresh client deleted by a name it never saw"; fi
[[ $(session "apply $dir/gone-del") == ok* ]] || fail "the session could not delete the flow of a departed port"
ofctl dump-flows $BI table=64 | grep -q "in_port=$gone_no " && fail "the departed port's flow is still there"
ofctl dump-flows $BI table=64 | grep -q "in_port=$stays_no " || fail "the other port's flow went too"
pass "a departed port's flow deleted by the number it had (ofport $gone_no), the others kept"
patch $BI t-again
[[ $(session "apply $dir/gone-add") == error* ]] || fail "a flow naming the departed port was added"
vsctl del-port $BI t-again
vsctl add-port $BI t-reuse -- set interface t-reuse type=patch options:peer=none-t-reuse "ofport_request=$gone_no"
[[ $(vsctl get interface t-reuse ofport) == "$gone_no" ]] || fail "t-reuse did not get ofport $gone_no"
ofctl add-flow $BI "cookie=0x15a7,table=64,priority=1,in_port=t-reuse,actions=drop"
reply=$(session "apply $dir/gone-del")
[[ $reply == error*t-gone* ]] || fail "a delete named a departed port whose number another port holds now: $reply"
ofctl dump-flows $BI table=64 | grep -q "in_port=$gone_no " || fail "the reusing port's flow was deleted"
pass "no add toward a departed port; its number held by another port: the delete is refused by name ($reply)"
# A port that leaves and comes back under another number between two bundles:
# the flows naming it hold the old number and a diff cannot see it; the
# session refuses the diff (the agent then replaces the table).
vsctl del-port $BI t-stays
vsctl add-port $BI t-stays -- set interface t-stays type=patch options:peer=none-t-stays "ofport_request=$((stays_no + 40))"
echo "add cookie=0x15a7,table=64,priority=2,in_port=t-reuse actions=drop" >"$dir/other-add"
reply=$(session "apply $dir/other-add")
[[ $reply == error*t-stays*renumbered* ]] || fail "a diff went in while t-stays' flows hold its old number: $reply"
ofctl dump-flows $BI table=64 | grep -q "priority=2" && fail "the refused diff changed the bridge"
pass "a port renumbered between bundles: the diff is refused ($reply)"
exec {OFW[1]}>&-
echo "PASS openflow_wire"
