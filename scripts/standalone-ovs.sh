# Sourced by tests and benchmarks that need Open vSwitch without the lab: a
# throwaway ovsdb-server and ovs-vswitchd (userspace datapath) whose files all
# live in a new temporary directory. After sourcing: $dir, OVS_RUNDIR,
# OVS_DBDIR and OVS_LOGDIR pointing at it, and vsctl (ovs-vsctl on its
# database); an EXIT trap stops both daemons and removes $dir.
dir=$(mktemp -d)
export OVS_RUNDIR=$dir OVS_DBDIR=$dir OVS_LOGDIR=$dir
standalone_ovs_stop() {
  ovs-appctl -t ovs-vswitchd exit 2>/dev/null || true
  ovs-appctl -t ovsdb-server exit 2>/dev/null || true
  rm -rf "$dir"
}
trap standalone_ovs_stop EXIT
vsctl() { ovs-vsctl --db="unix:$dir/db.sock" "$@"; }
ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" --pidfile --detach --log-file 2>/dev/null
vsctl --no-wait init
ovs-vswitchd "unix:$dir/db.sock" --pidfile --detach --log-file 2>/dev/null
