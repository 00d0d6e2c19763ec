#!/usr/bin/env bash
# The data-plane peer of the benchmarks: OVN interconnection (Debian's ovn-central,
# ovn-host, ovn-ic, ovn-ic-db) with two availability zones on userspace Open vSwitch,
# in namespaces of its own (ovnic-*). Never part of the tests; docs/benchmarks.md
# ("Benchmarks' peers") says what it runs and how each figure is measured.
#
#   bench/ovn_ic_peer.sh up                  install on first use, build the lab, wait until az1 reaches az2
#   bench/ovn_ic_peer.sh down                stop every process, delete every namespace and file
#   bench/ovn_ic_peer.sh new-port [ROUNDS]   ms from the NB write to the first reply across zones (9)
#   bench/ovn_ic_peer.sh new-subnet [ROUNDS] same for a new switch on lr2 with a port on it (9)
#   bench/ovn_ic_peer.sh tcp [SECS] [RUNS]   iperf3 L2 (same zone) and routed (across zones) (5 5)
#   bench/ovn_ic_peer.sh hops                Geneve packets on the underlay per echo request, each way
#   bench/ovn_ic_peer.sh status              what runs
#
# Measuring commands print their figures and end with one line `RESULT key=value ...`.
# Runs as root; takes no lock itself (bench/dataplane_peers.sh runs it under the lab lock).
set -euo pipefail

run=/run/isthmus-ovnic
prefix=ovnic
ul_ns=$prefix-ul
packages=(ovn-central ovn-host ovn-ic ovn-ic-db openvswitch-switch iperf3 tcpdump iputils-ping)
zones=(1 2)
chassis=(hv1 hv2 gw)
vm_mtu=1400  # Geneve with OVN's options costs 58 bytes of the underlay's 1500

say() { echo "ovn-ic-peer: $*" >&2; }
die() { say "$*"; exit 1; }
need_root() { [[ $(id -u) -eq 0 ]] || die "run as root"; }

source "$(dirname "${BASH_SOURCE[0]}")/peer_packages.sh"

# Polls a command until it succeeds, at most $1 seconds.
wait_for() {
  local what=$1 secs=$2 deadline
  shift 2
  deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${secs}s waiting for $what"
    sleep 0.1
  done
}

icnb() { ovn-ic-nbctl --db="unix:$run/ic-nb.sock" "$@"; }
nb() { local z=$1; shift; ovn-nbctl --db="unix:$run/az$z/nb.sock" "$@"; }
sb() { local z=$1; shift; ovn-sbctl --db="unix:$run/az$z/sb.sock" "$@"; }
ch_dir() { echo "$run/az$1-$2"; }
ch_ns() { echo "$prefix-az$1-$2"; }
vsctl() { ovs-vsctl --db="unix:$(ch_dir "$1" "$2")/db.sock" --timeout=20 "${@:3}"; }
vm_ns() { echo "$prefix-vm-$1"; }

# An ovsdb-server of the control plane (root namespace, Unix socket only).
start_db() {  # name schema dir
  local name=$1 schema=$2 dir=$3
  mkdir -p "$dir"
  ovsdb-tool create "$dir/$name.db" "$schema"
  ovsdb-server "$dir/$name.db" --remote="punix:$dir/$name.sock" --unixctl="$dir/$name.ctl" \
    --pidfile="$dir/$name.pid" --log-file="$dir/$name.log" --detach --no-chdir -vconsole:off
}

control_plane() {
  start_db ic-nb /usr/share/ovn/ovn-ic-nb.ovsschema "$run"
  start_db ic-sb /usr/share/ovn/ovn-ic-sb.ovsschema "$run"
  icnb init
  local z d
  for z in "${zones[@]}"; do
    d=$run/az$z
    start_db nb /usr/share/ovn/ovn-nb.ovsschema "$d"
    start_db sb /usr/share/ovn/ovn-sb.ovsschema "$d"
    nb "$z" init
    nb "$z" set NB_Global . name="az$z" options:ic-route-adv=true options:ic-route-learn=true
    OVN_RUNDIR=$d ovn-northd --ovnnb-db="unix:$d/nb.sock" --ovnsb-db="unix:$d/sb.sock" \
      --pidfile="$d/northd.pid" --log-file="$d/northd.log" --detach --no-chdir -vconsole:off
    OVN_RUNDIR=$d ovn-ic --ovnnb-db="unix:$d/nb.sock" --ovnsb-db="unix:$d/sb.sock" \
      --ic-nb-db="unix:$run/ic-nb.sock" --ic-sb-db="unix:$run/ic-sb.sock" --unixctl="$d/ic.ctl" \
      --pidfile="$d/ic.pid" --log-file="$d/ic.log" --detach --no-chdir -vconsole:off
  done
}

underlay() {
  ip netns add "$ul_ns"
  ip -n "$ul_ns" link set lo up
  ip -n "$ul_ns" link add ul type bridge
  ip -n "$ul_ns" link set ul up
}

# A chassis: a namespace on the underlay with its own ovsdb-server,
# ovs-vswitchd (netdev) and ovn-controller, as src/lab runs an isthmus host.
start_chassis() {  # zone name vtep-index
  local z=$1 c=$2 n=$3 d ns peer vtep env
  d=$(ch_dir "$z" "$c"); ns=$(ch_ns "$z" "$c"); peer="u-az$z-$c"; vtep="10.254.$z.$n"
  mkdir -p "$d"
  env=(env "OVS_RUNDIR=$d" "OVS_DBDIR=$d" "OVS_LOGDIR=$d" "OVN_RUNDIR=$d" "OVN_LOGDIR=$d")
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
  ip -n "$ns" link add eth0 type veth peer name "$peer" netns "$ul_ns"
  ip -n "$ul_ns" link set "$peer" master ul up
  ip -n "$ns" link set eth0 mtu 1500 up
  ip netns exec "$ns" sysctl -q -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1
  ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
  ip netns exec "$ul_ns" ethtool -K "$peer" tx off >/dev/null
  ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  "${env[@]}" ip netns exec "$ns" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
    --pidfile="$d/ovsdb-server.pid" --log-file="$d/ovsdb-server.log" --detach --no-chdir -vconsole:off
  vsctl "$z" "$c" --no-wait init
  "${env[@]}" ip netns exec "$ns" ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
    --log-file="$d/ovs-vswitchd.log" --detach --no-chdir -vconsole:off
  vsctl "$z" "$c" add-br br-phy -- set bridge br-phy datapath_type=netdev -- add-port br-phy eth0
  wait_for "br-phy in $ns" 20 ip -n "$ns" link show br-phy
  ip -n "$ns" addr add "$vtep/16" dev br-phy
  ip -n "$ns" link set br-phy up
  vsctl "$z" "$c" add-br br-int -- set bridge br-int datapath_type=netdev fail_mode=secure \
    other_config:disable-in-band=true
  vsctl "$z" "$c" set Open_vSwitch . external_ids:system-id="az$z-$c" external_ids:hostname="az$z-$c" \
    external_ids:ovn-remote="unix:$run/az$z/sb.sock" external_ids:ovn-encap-type=geneve \
    external_ids:ovn-encap-ip="$vtep" external_ids:ovn-bridge-datapath-type=netdev
  [[ $c != gw ]] || vsctl "$z" "$c" set Open_vSwitch . external_ids:ovn-is-interconn=true
  "${env[@]}" ip netns exec "$ns" ovn-controller "unix:$d/db.sock" --pidfile="$d/ovn-controller.pid" \
    --log-file="$d/ovn-controller.log" --detach --no-chdir -vconsole:off
}

# A VM: a namespace with eth0, its peer v-NAME in the chassis; plugged into
# br-int (iface-id NAME) only with `plug`.
make_vm() {  # name zone chassis mac ip/len gateway
  local name=$1 z=$2 c=$3 mac=$4 cidr=$5 gw=$6 ns hns
  ns=$(vm_ns "$name"); hns=$(ch_ns "$z" "$c")
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
  ip -n "$hns" link add "v-$name" type veth peer name eth0 netns "$ns"
  ip -n "$ns" link set eth0 address "$mac" mtu "$vm_mtu" up
  ip -n "$hns" link set "v-$name" mtu "$vm_mtu" up
  ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
  ip netns exec "$hns" ethtool -K "v-$name" tx off >/dev/null
  ip -n "$ns" addr add "$cidr" dev eth0
  ip -n "$ns" route add default via "$gw"
}
plug() { vsctl "$2" "$3" add-port br-int "v-$1" -- set Interface "v-$1" external_ids:iface-id="$1"; }
remove_vm() {  # name zone chassis
  vsctl "$2" "$3" --if-exists del-port br-int "v-$1" || true
  ip netns del "$(vm_ns "$1")" 2>/dev/null || true
}

# Per zone z: ls<z> (10.<z>.1.0/24) - lr<z> - ts1 (169.254.100.0/24), lr<z>-ts1 on az<z>-gw.
logical() {
  local z
  icnb ts-add ts1
  for z in "${zones[@]}"; do
    nb "$z" ls-add "ls$z"
    nb "$z" lr-add "lr$z"
    nb "$z" lrp-add "lr$z" "lr$z-ls$z" "02:ac:0$z:01:00:01" "10.$z.1.1/24"
    nb "$z" lsp-add "ls$z" "ls$z-lr$z" -- lsp-set-type "ls$z-lr$z" router -- \
      lsp-set-addresses "ls$z-lr$z" router -- lsp-set-options "ls$z-lr$z" router-port="lr$z-ls$z"
    wait_for "ts1 in az$z's NB" 30 nb "$z" get Logical_Switch ts1 name
    nb "$z" lrp-add "lr$z" "lr$z-ts1" "02:ac:ff:00:00:0$z" "169.254.100.$z/24"
    nb "$z" lsp-add ts1 "ts1-lr$z" -- lsp-set-type "ts1-lr$z" router -- \
      lsp-set-addresses "ts1-lr$z" router -- lsp-set-options "ts1-lr$z" router-port="lr$z-ts1"
    nb "$z" lrp-set-gateway-chassis "lr$z-ts1" "az$z-gw" 1
  done
}

# vm1 (az1-hv1) and vm2 (az1-hv2) on ls1; vm3 (az2-hv1) and vm4 (az2-hv2) on ls2.
vms() {
  local spec name z c ip
  for spec in vm1:1:hv1:11 vm2:1:hv2:12 vm3:2:hv1:13 vm4:2:hv2:14; do
    IFS=: read -r name z c ip <<<"$spec"
    make_vm "$name" "$z" "$c" "02:00:00:0$z:01:$ip" "10.$z.1.$ip/24" "10.$z.1.1"
    nb "$z" lsp-add "ls$z" "$name" -- lsp-set-addresses "$name" "02:00:00:0$z:01:$ip 10.$z.1.$ip"
    plug "$name" "$z" "$c"
  done
}

reaches() { ip netns exec "$(vm_ns "$1")" ping -c1 -W1 "$2"; }

up() {
  need_root
  [[ ! -e $run && $(ip netns list | grep -c "^$prefix-") == 0 ]] || die "already up (or leftovers): run down first"
  install_if_missing
  trap 'say "up failed: taking everything down"; down' ERR
  mkdir -p "$run"
  control_plane
  underlay
  local z c n
  for z in "${zones[@]}"; do
    n=1
    for c in "${chassis[@]}"; do start_chassis "$z" "$c" "$n"; n=$((n + 1)); done
  done
  logical
  vms
  wait_for "vm1 reaching vm2 (same zone)" 90 reaches vm1 10.1.1.12
  wait_for "vm1 reaching vm4 (across zones)" 90 reaches vm1 10.2.1.14
  wait_for "vm4 reaching vm1 (across zones)" 30 reaches vm4 10.1.1.11
  trap - ERR
  say "up: 2 zones x (hv1 hv2 gw), ts1; vm1 vm2 on ls1 (az1), vm3 vm4 on ls2 (az2); learned in az1: $(
    nb 1 lr-route-list lr1 | grep -c 10.2.1.0/24) route(s) to 10.2.1.0/24"
}

down() {
  local pid f ns
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  done
  # The control plane runs in the root namespace: every process whose command line names our run dir.
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    [[ $pid != "$$" ]] || continue
    { tr '\0' ' ' <"$f" | grep -q "$run/"; } 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do ip netns del "$ns"; done
  rm -rf "$run"
  local left
  left=$(ip netns list | grep -c "^$prefix-" || true)
  ((left == 0)) || die "down: $left namespaces left"
  say "down: nothing left"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

# Starts `ping -D -i 0.005` from vm1 to $1, output to $2; sets ping_pid.
start_train() {
  ip netns exec "$(vm_ns vm1)" ping -D -n -i 0.005 -W 1 -c 3000 "$1" >"$2" 2>&1 &
  ping_pid=$!
}
# ms from t0 ($1) to the first reply in file $2, waiting up to 6 s; empty if none.
first_reply_ms() {
  local t0=$1 out=$2 deadline=$((SECONDS + 6)) stamp
  while ((SECONDS < deadline)); do
    stamp=$(grep -m1 'bytes from' "$out" | sed -n 's/^\[\([0-9.]*\)\].*/\1/p')
    [[ -z $stamp ]] || { awk -v a="$stamp" -v b="$t0" 'BEGIN{printf "%.1f\n", (a - b) * 1000}'; return; }
    sleep 0.01
  done
}

# Each round: a VM namespace ready on az2-hv2, a 5 ms ping train from vm1 started
# 1 s before t0; t0 just before the NB write (lsp-add + addresses) and the VIF's
# add-port with its iface-id; the end is the first reply.
new_port() {
  local rounds=${1:-9} r name ip mac out t0 ms results=()
  out=$(mktemp)
  for ((r = 0; r < rounds; r++)); do
    name=np$r; ip=10.2.1.$((100 + r)); mac=$(printf '02:00:00:02:02:%02x' "$r")
    make_vm "$name" 2 hv2 "$mac" "$ip/24" 10.2.1.1
    start_train "$ip" "$out"
    sleep 1
    t0=$(now)
    nb 2 lsp-add ls2 "$name" -- lsp-set-addresses "$name" "$mac $ip"
    plug "$name" 2 hv2
    ms=$(first_reply_ms "$t0" "$out")
    kill "$ping_pid" 2>/dev/null; wait "$ping_pid" 2>/dev/null || true
    nb 2 lsp-del "$name"
    remove_vm "$name" 2 hv2
    if [[ -z $ms ]]; then echo "round $r: not reachable within 6 s"; continue; fi
    echo "round $r: new port in az2 reachable from az1 (routed, across zones) $ms ms after the NB write"
    results+=("$ms")
  done
  rm -f "$out"
  ((${#results[@]})) || die "new-port: no round converged"
  echo "RESULT new_port_ms=$(median "${results[@]}") rounds=${#results[@]}"
}

# Each round: a new switch 10.2.<10+r>.0/24 attached to lr2 with one VIF port, in
# the steps a user takes (ls-add; lrp-add; the router's switch port; the VIF's
# port; add-port), t0 before the first; az1 learns the route through ovn-ic.
new_subnet() {
  local rounds=${1:-9} r name ls ip mac out t0 ms results=() net
  out=$(mktemp)
  for ((r = 0; r < rounds; r++)); do
    net=10.2.$((10 + r)); name=ns$r; ls=ls2-s$r; ip=$net.10; mac=$(printf '02:00:00:02:03:%02x' "$r")
    make_vm "$name" 2 hv2 "$mac" "$ip/24" "$net.1"
    start_train "$ip" "$out"
    sleep 1
    t0=$(now)
    nb 2 ls-add "$ls"
    nb 2 lrp-add lr2 "lr2-$ls" "$(printf '02:ac:02:%02x:00:01' $((10 + r)))" "$net.1/24"
    nb 2 lsp-add "$ls" "$ls-lr2" -- lsp-set-type "$ls-lr2" router -- \
      lsp-set-addresses "$ls-lr2" router -- lsp-set-options "$ls-lr2" router-port="lr2-$ls"
    nb 2 lsp-add "$ls" "$name" -- lsp-set-addresses "$name" "$mac $ip"
    plug "$name" 2 hv2
    ms=$(first_reply_ms "$t0" "$out")
    kill "$ping_pid" 2>/dev/null; wait "$ping_pid" 2>/dev/null || true
    nb 2 lsp-del "$name" -- lsp-del "$ls-lr2" -- lrp-del "lr2-$ls" -- ls-del "$ls"
    remove_vm "$name" 2 hv2
    if [[ -z $ms ]]; then echo "round $r: not reachable within 6 s"; continue; fi
    echo "round $r: new subnet on lr2 (az2) reachable from az1 $ms ms after the first NB write"
    results+=("$ms")
  done
  rm -f "$out"
  ((${#results[@]})) || die "new-subnet: no round converged"
  echo "RESULT new_subnet_ms=$(median "${results[@]}") rounds=${#results[@]}"
}

gbps() {  # from to-vm to-ip secs
  ip netns exec "$(vm_ns "$2")" iperf3 -s -1 -D -p 5201 >/dev/null
  wait_for "iperf3 in $2" 10 bash -c "ip netns exec $(vm_ns "$2") ss -ltnH 'sport = :5201' | grep -q ."
  ip netns exec "$(vm_ns "$1")" iperf3 -c "$3" -p 5201 -t "$4" -f m |
    awk '/receiver/ {for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") printf "%.3f\n", $(i-1) / 1000}'
}

tcp() {
  local secs=${1:-5} runs=${2:-5} r l2=() routed=() ml2 mr
  echo "TCP, ${secs}s per run, $runs runs, alternating"
  for ((r = 1; r <= runs; r++)); do
    l2+=("$(gbps vm1 vm2 10.1.1.12 "$secs")")
    routed+=("$(gbps vm1 vm4 10.2.1.14 "$secs")")
    echo "run $r: L2 vm1->vm2 (az1, hv1->hv2) ${l2[-1]} Gbit/s, routed vm1->vm4 (az1->az2) ${routed[-1]} Gbit/s"
  done
  ml2=$(median "${l2[@]}"); mr=$(median "${routed[@]}")
  echo "RESULT tcp_l2_gbps=$ml2 tcp_routed_gbps=$mr ratio=$(awk -v a="$mr" -v b="$ml2" 'BEGIN{printf "%.2f", a/b}')"
}

# Geneve hops of vm1 -> vm4 and back, counted on the underlay (bench/tunnel_hops.sh).
hops() {
  bash "$(dirname "$0")/tunnel_hops.sh" "$ul_ns" 6081 10.1.1.11 10.2.1.14 20 -- \
    ip netns exec "$(vm_ns vm1)" ping -n -q -c 20 -i 0.02 10.2.1.14
}

status() {
  ip netns list | grep "^$prefix-" || echo "no $prefix-* namespace"
  [[ -d $run ]] && nb 1 lr-route-list lr1 && nb 2 lr-route-list lr2 || true
}

# Descriptors inherited from the caller (flock's lock on /tmp/isthmus-lab.lock
# above all) must not live on in the daemons: closed here, before anything starts.
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null || true
done

need_root
case ${1:-} in
  up) up ;;
  down) down ;;
  new-port) new_port "${2:-9}" ;;
  new-subnet) new_subnet "${2:-9}" ;;
  tcp) tcp "${2:-5}" "${3:-5}" ;;
  hops) hops ;;
  status) status ;;
  *) sed -n '7,13p' "$0" >&2; exit 2 ;;
esac
