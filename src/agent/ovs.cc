#include "agent/ovs.h"

#include "agent/ovs_paths.h"
#include "agent/pipeline.h"
#include "agent/unixctl.h"
#include "common/log.h"

namespace isthmus::agent {

// Every OVSDB write gets 4 s: a wedged ovsdb-server or ovs-vswitchd costs a failed pass.
Ovs::Ovs(OvsTarget target)
    : target_(std::move(target)), db_(OvsdbSocketPath(target_.db), std::chrono::milliseconds(4000)) {}

Result<std::string> Ovs::Appctl(std::vector<std::string> args) {
  if (args.empty()) return InvalidArgument("ovs-vswitchd control: no command");
  auto path = UnixctlPath(target_.rundir);
  if (!path.ok()) return path.status();
  std::string method = args.front();
  args.erase(args.begin());
  return UnixctlCall(*path, method, args, std::chrono::milliseconds(4000));  // within a pass's budget, as before
}

Status Ovs::EnsureBridges() {
  const std::vector<std::string> protocols = {"OpenFlow10", "OpenFlow13", "OpenFlow14"};
  ISTHMUS_RETURN_IF_ERROR(db_.EnsureBridges({{kBrInt, "netdev", "secure", protocols},
                                             {kBrTun, "netdev", "secure", protocols},
                                             // The external network: plain L2 switching (NORMAL), as Neutron's br-ex.
                                             {kBrEx, "netdev", "standalone", {}}}));
  ISTHMUS_RETURN_IF_ERROR(db_.EnsurePorts(kBrInt, {{kPatchTun, "patch", {{"peer", kPatchInt}}, {}}}));
  return db_.EnsurePorts(kBrTun, {{kPatchInt, "patch", {{"peer", kPatchTun}}, {}}});
}

Status Ovs::SyncTunnels(const std::string& local_ip, const std::set<std::string>& remote_ips,
                        const std::set<std::string>& existing) {
  std::vector<PortSpec> add;
  std::set<std::string> wanted;
  for (const auto& ip : remote_ips) {
    std::string name = TunnelPortName(ip);
    wanted.insert(name);
    if (existing.count(name)) continue;
    add.push_back({name, "vxlan",
                   {{"remote_ip", ip}, {"local_ip", local_ip}, {"key", "flow"}, {"dst_port", "4789"}}, {}});
  }
  std::vector<std::string> gone;
  for (const auto& name : existing)
    if (name.rfind("vx", 0) == 0 && !wanted.count(name)) gone.push_back(name);
  ISTHMUS_RETURN_IF_ERROR(db_.EnsurePorts(kBrTun, add));
  return db_.DeletePorts(kBrTun, gone);
}

Status Ovs::AddPort(const std::string& bridge, const std::string& name, const std::string& iface_id) {
  return db_.EnsurePorts(bridge, {{name, "", {}, {{"iface-id", iface_id}}}});
}

Status Ovs::DeletePort(const std::string& bridge, const std::string& name) {
  return db_.DeletePorts(bridge, {name});
}

openflow::BridgeClient& Ovs::Client(const std::string& bridge) {
  auto& c = clients_[bridge];
  if (!c) c = std::make_unique<openflow::BridgeClient>(target_.rundir, bridge, std::stoull(kCookie, nullptr, 16));
  return *c;
}

Status Ovs::ApplyFlows(const std::string& bridge, const FlowTable& desired,
                       const std::vector<std::string>& diff, bool full) {
  if (full) return Client(bridge).Replace(desired.Dump());
  if (diff.empty()) return Status::Ok();
  Status st = Client(bridge).Apply(diff);
  // A port came back renumbered: the flows naming it hold its old number.
  if (st.code() == Code::kConflict) return Client(bridge).Replace(desired.Dump());
  return st;
}

}  // namespace isthmus::agent
