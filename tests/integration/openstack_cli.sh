#!/usr/bin/env bash
# Issue 4: Debian's openstack CLI (python3-openstackclient, unmodified) builds
# the whole of S2 on a bare lab with ordinary commands, as the admin; lists and
# shows it; the lab plugs instances on its ports and checks connectivity
# (east-west and north-south); the demo project sees none of it and cannot
# attach to it; then the CLI tears it all down.
source "$(dirname "$0")/lib.sh"
command -v openstack >/dev/null || fail "the openstack CLI is not installed (scripts/setup installs python3-openstackclient)"

# One CLI process per project serves every command (openstack_session.py: the
# CLI's interactive mode's way, one start-up and one password authentication
# instead of ~2 s of each per command); `openstack` below is that session.
cli_python=$(sed -n '1s/^#! *//p' "$(command -v openstack)")
os_tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$os_tmp"' EXIT
os_session() {  # starts the session of the OS_* environment (lab openrc)
  os_dir=$(mktemp -d -p "$os_tmp")
  mkfifo "$os_dir/req" "$os_dir/rep"
  "$cli_python" "$(dirname "$0")/openstack_session.py" "$os_dir/out" "$os_dir/err" \
    <"$os_dir/req" >"$os_dir/rep" &
  exec {os_req}>"$os_dir/req" {os_rep}<"$os_dir/rep"
}
openstack() {  # openstack ARGS...: as the command, its output, errors and exit status
  local rc a
  for a in "$@"; do [[ $a != *$'\n'* ]] || fail "openstack: an argument holds a newline"; done
  printf '%s\n' "$#" "$@" >&"$os_req"
  read -r rc <&"$os_rep" || fail "the openstack CLI session died (openstack $*)"
  cat "$os_dir/out"
  cat "$os_dir/err" >&2
  return "$rc"
}

lab_up bare
eval "$(lab openrc)"
os_session
os() { openstack "$@" || fail "openstack $*"; }
id_of() { openstack "$1" show "$2" -f value -c id; }

# External networks, one per cloud.
for n in 1 2; do
  os network create --external --provider-network-type flat --provider-physical-network external \
    --availability-zone-hint cloud$n ext-net$n >/dev/null
  os subnet create --network ext-net$n --subnet-range 172.24.$n.0/24 --gateway 172.24.$n.1 --no-dhcp \
    ext-net$n-subnet >/dev/null
done
# net3 and net4, stretched; R1 and R2, distributed, on both, with gateways.
for n in 3 4; do
  os network create --availability-zone-hint cloud1 --availability-zone-hint cloud2 net$n >/dev/null
  os subnet create --network net$n --subnet-range 10.0.$n.0/24 --dns-nameserver 198.51.100.53 net$n-subnet >/dev/null
done
for n in 1 2; do
  os router create --distributed --availability-zone-hint cloud$n R$n >/dev/null
  os router add subnet R$n net3-subnet
  os router add subnet R$n net4-subnet
  os router set --external-gateway ext-net$n R$n
done
# Instances' ports, bound to their hosts as Nova binds them; floating IPs.
declare -A host=([instance1]=c1-h1 [instance2]=c2-h1 [instance3]=c1-h2 [instance4]=c2-h2)
declare -A net=([instance1]=3 [instance2]=3 [instance3]=4 [instance4]=4)
declare -A ip=([instance1]=10.0.3.11 [instance2]=10.0.3.12 [instance3]=10.0.4.13 [instance4]=10.0.4.14)
for i in instance1 instance2 instance3 instance4; do
  os port create --network net${net[$i]} --host ${host[$i]} --device-owner compute:nova \
    --fixed-ip subnet=net${net[$i]}-subnet,ip-address=${ip[$i]} $i >/dev/null
done
# Their project's default group lets in only its members: open the instances'
# HTTP port (the internet fetches it through the floating IPs below).
sg=$(openstack port show instance2 -f json -c security_group_ids |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["security_group_ids"][0])') || fail "instance2's group"
os security group rule create --ingress --protocol tcp --dst-port 8080 "$sg" >/dev/null
fip1=$(openstack floating ip create --port instance1 ext-net1 -f value -c floating_ip_address) || fail "floating ip create"
fip2=$(openstack floating ip create --port instance2 ext-net2 -f value -c floating_ip_address) || fail "floating ip create"
pass "S2 built with the openstack CLI (floating IPs $fip1, $fip2)"

# Lists and shows.
[[ $(openstack network list -f value -c Name | sort | xargs) == "ext-net1 ext-net2 net3 net4" ]] ||
  fail "network list: $(openstack network list -f value -c Name | xargs)"
[[ $(openstack router list -f value -c Name | sort | xargs) == "R1 R2" ]] || fail "router list"
[[ $(openstack router show R1 -f value -c distributed) == True ]] || fail "R1 is not distributed"
[[ $(openstack router show R2 -f json -c availability_zone_hints) == *cloud2* ]] || fail "R2's zone"
[[ $(openstack network show net3 -f json -c availability_zone_hints) == *cloud1*cloud2* ]] || fail "net3's zones"
gw1=$(openstack router show R1 -f json -c external_gateway_info | grep -o '172\.24\.1\.[0-9]*' | head -1)
[[ -n $gw1 ]] || fail "R1 has no gateway address on ext-net1"
[[ $(openstack floating ip list -f value -c "Floating IP Address" | sort | xargs) == "$(echo $fip1 $fip2 | tr ' ' '\n' | sort | xargs)" ]] ||
  fail "floating ip list"
[[ $(openstack port list --network net3 --device-owner compute:nova -f value -c Name | sort | xargs) == "instance1 instance2" ]] ||
  fail "port list filters"
pass "lists and shows answer what was built"

# The lab plugs an instance on each port; DHCP configures it.
for i in instance1 instance2 instance3 instance4; do
  lab add-instance $i --port "$(id_of port $i)" >/dev/null || fail "plugging $i"
done
assert_all_pairs_ping "S2 built with the CLI"
src=$(lab exec instance1 -- curl -s -m 3 http://198.51.100.10/ | awk '{print $NF}')
[[ $src == "$fip1" ]] || fail "instance1 reached the internet from '$src', want its floating IP $fip1"
src=$(lab exec instance3 -- curl -s -m 3 http://198.51.100.10/ | awk '{print $NF}')
[[ $src == "$gw1" ]] || fail "instance3 reached the internet from '$src', want R1's SNAT address $gw1"
wait_for "instance2 via $fip2" 20 sh -c "$ISTHMUS lab exec internet -- curl -s -m 2 http://$fip2:8080/ | grep '^instance2:' >/dev/null"
pass "north-south: instance1 via $fip1, instance3 via SNAT $gw1, inbound to instance2 via $fip2"

# Another project sees none of it and cannot attach to it.
(
  eval "$(lab openrc --project demo)"
  os_session
  [[ $(openstack network list -f value -c Name | sort | xargs) == "ext-net1 ext-net2" ]] ||
    fail "demo sees networks: $(openstack network list -f value -c Name | xargs)"
  [[ -z $(openstack port list -f value -c ID) ]] || fail "demo sees admin's ports"
  openstack network create --availability-zone-hint cloud1 demo-net >/dev/null || fail "demo cannot create a network"
  openstack subnet create --network demo-net --subnet-range 10.9.0.0/24 demo-subnet >/dev/null || fail "demo subnet"
  ! openstack router add subnet R1 demo-subnet 2>/dev/null || fail "demo attached its subnet to admin's R1"
  ! openstack subnet create --network net3 --subnet-range 10.8.0.0/24 x 2>/dev/null || fail "demo used admin's net3"
  openstack subnet delete demo-subnet && openstack network delete demo-net || fail "demo cleanup"
) || exit 1
pass "the demo project sees only its own resources and the external networks"

# Tear it all down with the CLI.
os floating ip delete "$fip1" "$fip2"
for i in instance1 instance2 instance3 instance4; do os port delete $i; done
for n in 1 2; do
  os router unset --external-gateway R$n
  os router remove subnet R$n net3-subnet
  os router remove subnet R$n net4-subnet
  os router delete R$n
done
for n in 3 4; do os subnet delete net$n-subnet; os network delete net$n; done
for n in 1 2; do os subnet delete ext-net$n-subnet; os network delete ext-net$n; done
[[ -z $(openstack network list -f value -c ID) && -z $(openstack port list -f value -c ID) &&
   -z $(openstack router list -f value -c ID) ]] || fail "resources left after teardown"
lab wait-converged --timeout 60 || fail "clouds did not converge on the teardown"
pass "torn down with the CLI: nothing left"
assert_down_clean
echo "1 passed, 0 failed"
