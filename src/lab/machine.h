// The lab's machine: the underlay, one namespace with its own ovsdb-server and
// ovs-vswitchd (userspace datapath) per host, instance namespaces plugged into
// their host's br-int the way Nova plugs a VIF, and the teardown that removes
// all of it. Every OS action goes through a Runner.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/process.h"
#include "lab/paths.h"

namespace isthmus::lab {

// The underlay: namespace isth-underlay holding Linux bridge ul0.
Status CreateUnderlay(Runner& runner);
// Namespace isth-<host> with eth0 on the underlay (its peer on ul0).
Status AttachHostToUnderlay(Runner& runner, const std::string& host, const std::string& vtep_cidr);

struct OvsEnvironment {
  std::string db;      // unix:<dir>/db.sock
  std::string rundir;  // OVS_RUNDIR: <bridge>.mgmt, ovs-vswitchd.<pid>.ctl
};
OvsEnvironment OvsEnv(const std::string& host);
// ovsdb-server + ovs-vswitchd inside isth-<host>, each a lab daemon named
// below (so `lab kill`/`lab start` restart them), and br-phy holding eth0 with
// the VTEP address on its internal port (userspace tunnels need that).
Status StartHostOvs(Runner& runner, const std::string& host, const std::string& vtep_cidr);
std::string OvsdbServerDaemon(const std::string& host);  // "ovsdb-server-<host>"
std::string VswitchdDaemon(const std::string& host);     // "ovs-vswitchd-<host>"
// br-phy's internal port is vswitchd's: a restarted vswitchd makes it anew,
// without the VTEP address. Waits for it and puts the address back.
Status RestoreHostVtep(Runner& runner, const std::string& host, const std::string& vtep_cidr);

struct InstanceNicSpec {
  std::string dev;      // eth0, eth1, ...
  std::string mac;
  std::string port_id;  // external_ids:iface-id
  int mtu = 1500;       // until DHCP says otherwise
};
struct InstanceSpec {
  std::string name;
  std::string host;
  std::vector<InstanceNicSpec> nics;
};
// Namespace isth-<name> with one veth NIC per port (no address: DHCP gives it);
// each peer (t-<name>, t1-<name>, ...) on the host's br-int, as os-vif plugs one.
Status CreateInstance(Runner& runner, const InstanceSpec& spec);

Result<CommandOutput> Exec(Runner& runner, const std::string& netns,
                           const std::vector<std::string>& argv);
// Replaces this process with argv run inside netns (stdio inherited).
int ExecInteractive(const std::string& netns, const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env);

// The processes in a network namespace (`ip netns pids`).
Result<std::vector<pid_t>> NamespacePids(Runner& runner, const std::string& ns);

// Stops every lab process, kills whatever else still runs in an isth-*
// namespace (a test's orphaned ping, say), deletes every isth-* namespace
// and the lab root. Idempotent.
Status DestroyEverything(Runner& runner);
// What of a lab is still present ("" when nothing).
std::string LeftoversReport();

// Polls fn every 100 ms until it is true or timeout_ms passed.
Status WaitFor(const std::string& what, int timeout_ms, const std::function<bool()>& fn);

}  // namespace isthmus::lab
