// The host's Open vSwitch, seen by the agent: bridges and ports written over
// ovsdb-server's socket (vswitch_db.h), flows through its own OpenFlow
// connection to each bridge (agent/openflow): no process per change. All flows go in as one atomic
// OpenFlow bundle per bridge, so a bridge is never half-programmed. Owns
// nothing durable: the installed FlowTable it remembers is rebuilt by a full
// resync (every flow with our cookie replaced) after a restart or an error.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/flow_table.h"
#include "agent/openflow/bridge_client.h"
#include "agent/vswitch_db.h"

namespace isthmus::agent {

struct OvsTarget {
  std::string db;      // "unix:/run/.../db.sock" ("" = the default database)
  std::string rundir;  // OVS_RUNDIR: where <bridge>.mgmt and the control socket are ("" = default)
};

class Ovs {
 public:
  explicit Ovs(OvsTarget target);
  virtual ~Ovs() = default;

  // br-int and br-tun (userspace datapath, fail_mode=secure, OpenFlow 1.0-1.4)
  // joined by the patch-tun/patch-int pair. Idempotent.
  Status EnsureBridges();
  // Makes br-tun's VXLAN ports exactly one per remote VTEP in `remote_ips`.
  Status SyncTunnels(const std::string& local_ip, const std::set<std::string>& remote_ips,
                     const std::set<std::string>& existing_port_names);
  // A port (and its interface, external_ids:iface-id) on `bridge`; virtual for tests.
  virtual Status AddPort(const std::string& bridge, const std::string& name, const std::string& iface_id);
  virtual Status DeletePort(const std::string& bridge, const std::string& name);

  // Sends `diff` (desired.DiffFrom(installed)) as one bundle on the bridge's
  // OpenFlow connection; nothing when it is empty. With full=true replaces
  // every flow carrying kCookie with `desired`, in one bundle.
  Status ApplyFlows(const std::string& bridge, const FlowTable& desired,
                    const std::vector<std::string>& diff, bool full);

  // A command of this host's ovs-vswitchd (dpctl/dump-conntrack, ...), as
  // `ovs-appctl` runs it, over its control socket (unixctl.h): no process.
  Result<std::string> Appctl(std::vector<std::string> args);

 private:
  openflow::BridgeClient& Client(const std::string& bridge);

  OvsTarget target_;
  VswitchDb db_;
  std::map<std::string, std::unique_ptr<openflow::BridgeClient>> clients_;  // by bridge
};

}  // namespace isthmus::agent
