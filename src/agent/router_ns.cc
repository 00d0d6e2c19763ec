#include "agent/router_ns.h"

#include <dirent.h>
#include <algorithm>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "agent/pipeline.h"
#include "common/log.h"
#include "common/net.h"

namespace isthmus::agent {

namespace {
constexpr int kLegMtu = 1450;  // instances' MTU: VXLAN adds 50 bytes to a 1500 underlay
}

Result<std::string> RouterNamespaces::Ip(const std::vector<std::string>& args,
                                         const std::string& netns, const std::string& input) {
  Command cmd;
  cmd.argv = {"ip"};
  if (!netns.empty()) cmd.argv.insert(cmd.argv.end(), {"-n", netns});
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.stdin_data = input;
  return runner_.Check(cmd);
}

bool RouterNamespaces::NamespaceExists(const std::string& ns) const {
  struct stat st;
  return stat(("/run/netns/" + ns).c_str(), &st) == 0;
}

bool RouterNamespaces::LinkExists(const std::string& netns, const std::string& dev) {
  return Ip({"link", "show", "dev", dev}, netns).ok();
}

Status RouterNamespaces::Sync(const std::vector<state::RouterInstance>& routers,
                              const std::set<std::string>& existing_ports) {
  std::set<std::string> wanted_ns, wanted_legs;
  for (const auto& r : routers) {
    wanted_ns.insert(RouterNamespaceName(prefix_, r.id));
    for (const auto& leg : r.interfaces) wanted_legs.insert(RouterLegPortName(leg.port_id));
  }
  // Routers that went away (and, once, leftovers of an earlier run).
  std::set<std::string> stale;
  for (const auto& [id, r] : applied_)
    if (!wanted_ns.count(RouterNamespaceName(prefix_, id))) stale.insert(RouterNamespaceName(prefix_, id));
  if (!swept_) {
    std::string head = prefix_ + "qrouter-";
    if (DIR* d = opendir("/run/netns")) {
      while (dirent* e = readdir(d)) {
        std::string name = e->d_name;
        if (name.rfind(head, 0) == 0 && !wanted_ns.count(name)) stale.insert(name);
      }
      closedir(d);
    }
    swept_ = true;
  }
  for (const auto& ns : stale) ISTHMUS_RETURN_IF_ERROR(DeleteRouter(ns));
  for (auto it = applied_.begin(); it != applied_.end();) {
    if (!wanted_ns.count(RouterNamespaceName(prefix_, it->first))) it = applied_.erase(it);
    else ++it;
  }
  for (const auto& r : routers) {
    auto it = applied_.find(r.id);
    if (it != applied_.end() && it->second == r) continue;
    // Most changes are a port coming or going: only the ARP entries change.
    Status st = it != applied_.end() && it->second.interfaces == r.interfaces
                    ? SyncNeighbors(RouterNamespaceName(prefix_, r.id), r, &it->second)
                    : SyncRouter(r, existing_ports);
    if (!st.ok()) {
      applied_.erase(r.id);
      return st;
    }
    applied_[r.id] = r;
  }
  for (const auto& port : existing_ports)
    if (port.rfind("qp-", 0) == 0 && !wanted_legs.count(port))
      ISTHMUS_RETURN_IF_ERROR(ovs_.DeletePort("br-int", port));
  return Status::Ok();
}

Status RouterNamespaces::DeleteRouter(const std::string& ns) {
  LOG_INFO("removing router namespace " << ns);
  if (!NamespaceExists(ns)) return Status::Ok();
  return Ip({"netns", "del", ns}, "").status();
}

Status RouterNamespaces::SyncRouter(const state::RouterInstance& router,
                                    const std::set<std::string>& existing_ports) {
  std::string ns = RouterNamespaceName(prefix_, router.id);
  if (!NamespaceExists(ns)) {
    LOG_INFO("creating router namespace " << ns);
    ISTHMUS_RETURN_IF_ERROR(Ip({"netns", "add", ns}, "").status());
  }
  ISTHMUS_RETURN_IF_ERROR(runner_
                              .Check({{"ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                                       "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                                       "net.ipv4.conf.default.rp_filter=0",
                                       "net.ipv6.conf.all.disable_ipv6=1",
                                       "net.ipv6.conf.default.disable_ipv6=1"},
                                      "",
                                      {}})
                              .status());
  ISTHMUS_RETURN_IF_ERROR(Ip({"link", "set", "lo", "up"}, ns).status());

  // Legs: create missing ones, set address and MAC, remove stale qr- devices.
  std::set<std::string> wanted_devs;
  for (const auto& leg : router.interfaces) {
    std::string dev = RouterLegDeviceName(leg.port_id);
    std::string peer = RouterLegPortName(leg.port_id);
    wanted_devs.insert(dev);
    if (!LinkExists(ns, dev)) {
      if (LinkExists(host_netns_, peer)) Ip({"link", "del", peer}, host_netns_);
      ISTHMUS_RETURN_IF_ERROR(
          Ip({"link", "add", peer, "type", "veth", "peer", "name", dev, "netns", ns}, host_netns_)
              .status());
      // Userspace OVS and veth checksum offload do not mix (ovs-userspace-facts.md).
      std::vector<std::string> ethtool;
      if (!host_netns_.empty()) ethtool = {"ip", "netns", "exec", host_netns_};
      ethtool.insert(ethtool.end(), {"ethtool", "-K", peer, "tx", "off"});
      ISTHMUS_RETURN_IF_ERROR(runner_.Check({ethtool, "", {}}).status());
      ISTHMUS_RETURN_IF_ERROR(
          runner_.Check({{"ip", "netns", "exec", ns, "ethtool", "-K", dev, "tx", "off"}, "", {}})
              .status());
    }
    // Idempotent, and harmless to a leg already carrying traffic.
    std::string mtu = std::to_string(kLegMtu);
    std::string batch = "link set " + dev + " address " + leg.mac + " mtu " + mtu + " up\n" +
                        "addr replace " + leg.ip + "/" + std::to_string(leg.prefix_len) +
                        " dev " + dev + "\n";
    ISTHMUS_RETURN_IF_ERROR(Ip({"-batch", "-"}, ns, batch).status());
    ISTHMUS_RETURN_IF_ERROR(Ip({"link", "set", peer, "mtu", mtu, "up"}, host_netns_).status());
    if (!existing_ports.count(peer)) ISTHMUS_RETURN_IF_ERROR(ovs_.AddPort("br-int", peer, leg.port_id));
  }
  auto links = Ip({"-j", "link", "show"}, ns);
  if (links.ok()) {
    auto j = nlohmann::json::parse(*links, nullptr, false);
    if (j.is_array()) {
      for (const auto& l : j) {
        std::string name = l.value("ifname", "");
        if (name.rfind("qr-", 0) == 0 && !wanted_devs.count(name))
          ISTHMUS_RETURN_IF_ERROR(Ip({"link", "del", name}, ns).status());
      }
    }
  }
  return SyncNeighbors(ns, router, nullptr);
}

Status RouterNamespaces::SyncNeighbors(const std::string& ns, const state::RouterInstance& router,
                                       const state::RouterInstance* applied) {
  // Which leg a neighbor sits behind: the one whose subnet holds its address.
  struct Leg {
    Cidr cidr;
    std::string dev;
  };
  std::vector<Leg> legs;
  for (const auto& leg : router.interfaces) {
    auto ip = Ipv4::Parse(leg.ip);
    if (!ip.ok()) continue;
    Cidr c{Ipv4{ip->v & Cidr{*ip, leg.prefix_len}.Mask()}, leg.prefix_len};
    legs.push_back({c, RouterLegDeviceName(leg.port_id)});
  }
  auto dev_of = [&](const std::string& text) -> std::string {
    auto ip = Ipv4::Parse(text);
    if (ip.ok())
      for (const auto& leg : legs)
        if (leg.cidr.Contains(*ip)) return leg.dev;
    return "";
  };
  std::set<std::pair<std::string, std::string>> wanted;  // (ip, dev)
  std::string batch;
  for (const auto& n : router.neighbors) {
    std::string dev = dev_of(n.ip);
    if (dev.empty()) continue;
    wanted.insert({n.ip, dev});
    bool unchanged = applied && std::find(applied->neighbors.begin(), applied->neighbors.end(), n) !=
                                    applied->neighbors.end();
    if (!unchanged)
      batch += "neigh replace " + n.ip + " lladdr " + n.mac + " dev " + dev + " nud permanent\n";
  }
  if (applied) {
    // What we installed last time is all there is to remove.
    for (const auto& n : applied->neighbors) {
      std::string dev = dev_of(n.ip);
      if (!dev.empty() && !wanted.count({n.ip, dev})) batch += "neigh del " + n.ip + " dev " + dev + "\n";
    }
  } else if (auto current = Ip({"-j", "neigh", "show", "nud", "permanent"}, ns); current.ok()) {
    auto j = nlohmann::json::parse(*current, nullptr, false);
    if (j.is_array()) {
      for (const auto& e : j) {
        std::string ip = e.value("dst", ""), dev = e.value("dev", "");
        if (!wanted.count({ip, dev})) batch += "neigh del " + ip + " dev " + dev + "\n";
      }
    }
  }
  if (batch.empty()) return Status::Ok();
  return Ip({"-batch", "-"}, ns, batch).status();
}

}  // namespace isthmus::agent
