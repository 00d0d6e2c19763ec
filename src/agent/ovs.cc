#include "agent/ovs.h"

#include "agent/pipeline.h"
#include "agent/unixctl.h"
#include "common/log.h"

namespace isthmus::agent {

Result<std::string> Ovs::Vsctl(std::vector<std::string> args) {
  Command cmd;
  cmd.argv = {"ovs-vsctl", "--timeout=4"};  // within the runner's 5 s
  if (!target_.db.empty()) cmd.argv.push_back("--db=" + target_.db);
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  return runner_.Check(cmd);
}

Result<std::string> Ovs::Appctl(std::vector<std::string> args) {
  if (args.empty()) return InvalidArgument("ovs-vswitchd control: no command");
  auto path = UnixctlPath(target_.rundir);
  if (!path.ok()) return path.status();
  std::string method = args.front();
  args.erase(args.begin());
  return UnixctlCall(*path, method, args, std::chrono::milliseconds(4000));  // within a pass's budget, as before
}

Status Ovs::EnsureBridges() {
  const std::string protocols = "protocols=OpenFlow10,OpenFlow13,OpenFlow14";
  auto r = Vsctl({"--may-exist", "add-br", kBrInt, "--", "set", "bridge", kBrInt,
                  "datapath_type=netdev", "fail_mode=secure", protocols, "--", "--may-exist",
                  "add-br", kBrTun, "--", "set", "bridge", kBrTun, "datapath_type=netdev",
                  "fail_mode=secure", protocols, "--", "--may-exist", "add-port", kBrInt,
                  kPatchTun, "--", "set", "interface", kPatchTun, "type=patch",
                  std::string("options:peer=") + kPatchInt, "--", "--may-exist", "add-port",
                  kBrTun, kPatchInt, "--", "set", "interface", kPatchInt, "type=patch",
                  std::string("options:peer=") + kPatchTun,
                  // The external network: plain L2 switching (NORMAL), as Neutron's br-ex.
                  "--", "--may-exist", "add-br", kBrEx, "--", "set", "bridge", kBrEx,
                  "datapath_type=netdev", "fail_mode=standalone"});
  return r.status();
}

Status Ovs::SyncTunnels(const std::string& local_ip, const std::set<std::string>& remote_ips,
                        const std::set<std::string>& existing) {
  std::vector<std::string> args;
  std::set<std::string> wanted;
  for (const auto& ip : remote_ips) {
    std::string name = TunnelPortName(ip);
    wanted.insert(name);
    if (existing.count(name)) continue;
    if (!args.empty()) args.push_back("--");
    args.insert(args.end(), {"--may-exist", "add-port", kBrTun, name, "--", "set", "interface",
                             name, "type=vxlan", "options:remote_ip=" + ip,
                             "options:local_ip=" + local_ip, "options:key=flow",
                             "options:dst_port=4789"});
  }
  for (const auto& name : existing) {
    if (name.rfind("vx", 0) != 0 || wanted.count(name)) continue;
    if (!args.empty()) args.push_back("--");
    args.insert(args.end(), {"--if-exists", "del-port", kBrTun, name});
  }
  if (args.empty()) return Status::Ok();
  return Vsctl(args).status();
}

Status Ovs::AddPort(const std::string& bridge, const std::string& name,
                    const std::string& iface_id) {
  return Vsctl({"--may-exist", "add-port", bridge, name, "--", "set", "interface", name,
                "external_ids:iface-id=" + iface_id})
      .status();
}

Status Ovs::DeletePort(const std::string& bridge, const std::string& name) {
  return Vsctl({"--if-exists", "del-port", bridge, name}).status();
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
  return Client(bridge).Apply(diff);
}

}  // namespace isthmus::agent
