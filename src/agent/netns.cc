#include "agent/netns.h"

#include <dirent.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace isthmus::agent {

Result<std::string> Netns::Ip(const std::vector<std::string>& args, const std::string& netns,
                              const std::string& input) {
  Command cmd;
  cmd.argv = {"ip"};
  if (!netns.empty()) cmd.argv.insert(cmd.argv.end(), {"-n", netns});
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.stdin_data = input;
  return runner_.Check(cmd);
}

Result<std::string> Netns::Exec(const std::string& ns, const std::vector<std::string>& argv,
                                const std::string& input) {
  Command cmd;
  cmd.argv = {"ip", "netns", "exec", ns};
  cmd.argv.insert(cmd.argv.end(), argv.begin(), argv.end());
  cmd.stdin_data = input;
  return runner_.Check(cmd);
}

Result<std::string> Netns::ExecHost(const std::vector<std::string>& argv) {
  if (host_netns_.empty()) return runner_.Check({argv, "", {}});
  return Exec(host_netns_, argv);
}

bool Netns::Exists(const std::string& ns) {
  struct stat st;
  return stat(("/run/netns/" + ns).c_str(), &st) == 0;
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

bool Netns::LinkExists(const std::string& netns, const std::string& dev) {
  return Ip({"link", "show", "dev", dev}, netns).ok();
}

Status Netns::Ensure(const std::string& ns, bool forwarding) {
  if (!Exists(ns)) {
    LOG_INFO("creating namespace " << ns);
    ISTHMUS_RETURN_IF_ERROR(Ip({"netns", "add", ns}, "").status());
  }
  std::vector<std::string> sysctl = {"sysctl", "-q", "-w",
                                     std::string("net.ipv4.ip_forward=") + (forwarding ? "1" : "0"),
                                     "net.ipv4.conf.all.rp_filter=0",
                                     "net.ipv4.conf.default.rp_filter=0",
                                     "net.ipv6.conf.all.disable_ipv6=1",
                                     "net.ipv6.conf.default.disable_ipv6=1"};
  ISTHMUS_RETURN_IF_ERROR(Exec(ns, sysctl).status());
  return Ip({"link", "set", "lo", "up"}, ns).status();
}

Status Netns::Delete(const std::string& ns) {
  if (!Exists(ns)) return Status::Ok();
  LOG_INFO("removing namespace " << ns);
  return Ip({"netns", "del", ns}, "").status();
}

Status Netns::PlugVeth(const VethLeg& leg, Ovs& ovs, const std::set<std::string>& existing_ports) {
  if (!LinkExists(leg.ns, leg.dev)) {
    if (LinkExists(host_netns_, leg.peer)) Ip({"link", "del", leg.peer}, host_netns_);
    ISTHMUS_RETURN_IF_ERROR(Ip({"link", "add", leg.peer, "type", "veth", "peer", "name", leg.dev,
                                "netns", leg.ns},
                               host_netns_)
                                .status());
    ISTHMUS_RETURN_IF_ERROR(ExecHost({"ethtool", "-K", leg.peer, "tx", "off"}).status());
    ISTHMUS_RETURN_IF_ERROR(Exec(leg.ns, {"ethtool", "-K", leg.dev, "tx", "off"}).status());
  }
  std::string mtu = std::to_string(leg.mtu);
  std::string batch = "link set " + leg.dev + " address " + leg.mac + " mtu " + mtu + " up\n";
  for (const auto& a : leg.addrs) batch += "addr replace " + a + " dev " + leg.dev + "\n";
  // Addresses no longer wanted (a floating IP that went away, say).
  if (auto cur = Ip({"-j", "addr", "show", "dev", leg.dev}, leg.ns); cur.ok()) {
    auto j = nlohmann::json::parse(*cur, nullptr, false);
    std::set<std::string> want(leg.addrs.begin(), leg.addrs.end());
    if (j.is_array())
      for (const auto& link : j)
        for (const auto& a : link.value("addr_info", nlohmann::json::array())) {
          if (a.value("family", "") != "inet") continue;
          std::string cidr = a.value("local", "") + "/" + std::to_string(a.value("prefixlen", 0));
          if (!want.count(cidr)) batch += "addr del " + cidr + " dev " + leg.dev + "\n";
        }
  }
  ISTHMUS_RETURN_IF_ERROR(Ip({"-batch", "-"}, leg.ns, batch).status());
  ISTHMUS_RETURN_IF_ERROR(Ip({"link", "set", leg.peer, "mtu", mtu, "up"}, host_netns_).status());
  if (!existing_ports.count(leg.peer))
    ISTHMUS_RETURN_IF_ERROR(ovs.AddPort(leg.bridge, leg.peer, leg.iface_id));
  return Status::Ok();
}

Status Netns::RemoveStaleDevices(const std::string& ns, const std::string& prefix,
                                 const std::set<std::string>& keep) {
  auto links = Ip({"-j", "link", "show"}, ns);
  if (!links.ok()) return links.status();
  auto j = nlohmann::json::parse(*links, nullptr, false);
  if (!j.is_array()) return Status::Ok();
  for (const auto& l : j) {
    std::string name = l.value("ifname", "");
    if (name.rfind(prefix, 0) == 0 && !keep.count(name))
      ISTHMUS_RETURN_IF_ERROR(Ip({"link", "del", name}, ns).status());
  }
  return Status::Ok();
}

}  // namespace isthmus::agent
