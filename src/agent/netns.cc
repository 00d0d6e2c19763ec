#include "agent/netns.h"

#include <dirent.h>
#include <sys/stat.h>

#include "agent/netns_kernel.h"
#include "common/log.h"

namespace isthmus::agent {

Result<std::string> Netns::Exec(const std::string& ns, const std::vector<std::string>& argv,
                                const std::string& input) {
  Command cmd;
  cmd.argv = argv;
  cmd.netns = ns;
  cmd.stdin_data = input;
  return runner_.Check(cmd);
}

bool Netns::Exists(const std::string& ns) {
  struct stat st;
  return stat(NetnsPath(ns).c_str(), &st) == 0;
}

std::vector<std::string> Netns::List(const std::string& prefix) {
  std::vector<std::string> out;
  if (DIR* d = opendir("/run/netns")) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.rfind(prefix, 0) == 0) out.push_back(name);
    }
    closedir(d);
  }
  return out;
}

Status Netns::Ensure(const std::string& ns, bool forwarding) {
  if (!Exists(ns)) {
    LOG_INFO("creating namespace " << ns);
    ISTHMUS_RETURN_IF_ERROR(CreateNetns(ns));
  }
  ISTHMUS_RETURN_IF_ERROR(WriteSysctls(ns, {{"net.ipv4.ip_forward", forwarding ? "1" : "0"},
                                            {"net.ipv4.conf.all.rp_filter", "0"},
                                            {"net.ipv4.conf.default.rp_filter", "0"},
                                            {"net.ipv6.conf.all.disable_ipv6", "1"},
                                            {"net.ipv6.conf.default.disable_ipv6", "1"}}));
  auto nl = Netlink(ns);
  if (!nl.ok()) return nl.status();
  return nl->SetLink("lo", {});
}

Status Netns::Delete(const std::string& ns) {
  if (!Exists(ns)) return Status::Ok();
  LOG_INFO("removing namespace " << ns);
  return DeleteNetns(ns);
}

Status Netns::Sysctl(const std::string& ns, const std::string& name, const std::string& value) {
  return WriteSysctls(ns, {{name, value}});
}

Status Netns::PlugVeth(const VethLeg& leg, Ovs& ovs, const std::set<std::string>& existing_ports) {
  auto mac = Mac::Parse(leg.mac);
  if (!mac.ok()) return InvalidArgument("leg " + leg.dev + ": bad MAC '" + leg.mac + "'");
  std::vector<IfaceAddress> want;
  std::set<std::string> want_text;
  for (const auto& a : leg.addrs) {
    auto addr = IfaceAddress::Parse(a);
    if (!addr.ok()) return InvalidArgument("leg " + leg.dev + ": bad address '" + a + "'");
    want.push_back(*addr);
    want_text.insert(addr->ToString());
  }
  auto host = Netlink(host_netns_);
  if (!host.ok()) return host.status();
  auto inside = Netlink(leg.ns);
  if (!inside.ok()) return inside.status();
  auto dev = inside->FindLink(leg.dev);
  if (!dev.ok()) return dev.status();
  if (!*dev) {
    ISTHMUS_RETURN_IF_ERROR(host->DeleteLink(leg.peer));  // half a pair of an earlier run
    ISTHMUS_RETURN_IF_ERROR(host->AddVeth(leg.peer, leg.dev, leg.ns));
    ISTHMUS_RETURN_IF_ERROR(DisableTxChecksum(host_netns_, leg.peer));
    ISTHMUS_RETURN_IF_ERROR(DisableTxChecksum(leg.ns, leg.dev));
  }
  ISTHMUS_RETURN_IF_ERROR(inside->SetLink(leg.dev, {*mac, leg.mtu, true}));
  auto index = inside->LinkIndex(leg.dev);
  if (!index.ok()) return index.status();
  for (const auto& a : want) ISTHMUS_RETURN_IF_ERROR(inside->ReplaceAddress(*index, a));
  // Addresses no longer wanted (a floating IP that went away, say).
  auto current = inside->Addresses(*index);
  if (!current.ok()) return current.status();
  for (const auto& a : *current)
    if (!want_text.count(a.ToString())) ISTHMUS_RETURN_IF_ERROR(inside->DeleteAddress(*index, a));
  ISTHMUS_RETURN_IF_ERROR(host->SetLink(leg.peer, {std::nullopt, leg.mtu, true}));
  if (!existing_ports.count(leg.peer))
    ISTHMUS_RETURN_IF_ERROR(ovs.AddPort(leg.bridge, leg.peer, leg.iface_id));
  return Status::Ok();
}

Status Netns::RemoveStaleDevices(const std::string& ns, const std::string& prefix,
                                 const std::set<std::string>& keep) {
  auto nl = Netlink(ns);
  if (!nl.ok()) return nl.status();
  auto links = nl->Links();
  if (!links.ok()) return links.status();
  for (const auto& l : *links)
    if (l.name.rfind(prefix, 0) == 0 && !keep.count(l.name)) ISTHMUS_RETURN_IF_ERROR(nl->DeleteLink(l.name));
  return Status::Ok();
}

}  // namespace isthmus::agent
