#include "agent/router_ns.h"

#include <algorithm>
#include <tuple>

#include <nlohmann/json.hpp>

#include "agent/pipeline.h"
#include "common/log.h"
#include "common/net.h"

namespace isthmus::agent {

namespace {
constexpr int kLegMtu = 1450;       // instances' MTU: VXLAN adds 50 bytes to a 1500 underlay
constexpr int kExternalMtu = 1500;  // the external network is the provider's flat network
// Policy routing in a DVR router (docs/architecture.md, "Router namespaces"):
// the main table holds the legs' subnets; what it cannot route goes by source:
// a floating IP's fixed IP to fip- (table 16), a subnet to its SNAT leg.
constexpr int kFipRulePriority = 40000;
constexpr int kSnatRulePriority = 50000;
constexpr int kRulePriorityEnd = 60000;
constexpr int kFipTable = 16;
constexpr int kSnatTableBase = 100;

std::string LegKind(const state::RouterInstance& r) { return RouterLegKind(r.kind); }

std::string Slash(const std::string& ip, int len) { return ip + "/" + std::to_string(len); }

}  // namespace

// Every value of an iptables-restore line: an IPv4 address or a device name made
// from an ID, never anything that could add a rule or an option.
Status CheckNatValues(const state::RouterInstance& r) {
  auto bad = [&](const std::string& what, const std::string& v) {
    return InvalidArgument("router " + nlohmann::json(r.id).dump() + ": refusing " + what + " " +
                           nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                           " in its nat table");
  };
  if (!IsValidId(r.id)) return bad("router id", r.id);
  if (!r.gateway.port_id.empty() && !IsValidId(r.gateway.port_id)) return bad("gateway port", r.gateway.port_id);
  if (!r.gateway.port_id.empty() && !Ipv4::Parse(r.gateway.ip).ok()) return bad("gateway IP", r.gateway.ip);
  for (const auto& f : r.floating_ips) {
    if (!Ipv4::Parse(f.floating_ip).ok()) return bad("floating IP", f.floating_ip);
    if (!Ipv4::Parse(f.fixed_ip).ok()) return bad("fixed IP", f.fixed_ip);
  }
  return Status::Ok();
}

Result<std::string> NatTable(const state::RouterInstance& r) {
  ISTHMUS_RETURN_IF_ERROR(CheckNatValues(r));
  std::string t = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                  ":POSTROUTING ACCEPT [0:0]\n";
  std::string qg = LegDeviceName("qg", r.gateway.port_id);
  std::string rfp = LegDeviceName("rfp", r.id);
  for (const auto& f : r.floating_ips) {
    if (r.kind == "legacy" && !r.gateway.port_id.empty()) {
      t += "-A PREROUTING -d " + f.floating_ip + "/32 -j DNAT --to-destination " + f.fixed_ip + "\n";
      t += "-A POSTROUTING -s " + f.fixed_ip + "/32 -o " + qg + " -j SNAT --to-source " + f.floating_ip + "\n";
    } else if (r.kind == "dvr" && !r.fip_link.network_id.empty()) {
      t += "-A PREROUTING -i " + rfp + " -d " + f.floating_ip + "/32 -j DNAT --to-destination " +
           f.fixed_ip + "\n";
      t += "-A POSTROUTING -s " + f.fixed_ip + "/32 -o " + rfp + " -j SNAT --to-source " + f.floating_ip + "\n";
    }
  }
  if (r.kind != "dvr" && !r.gateway.port_id.empty() && r.gateway.enable_snat)
    t += "-A POSTROUTING -o " + qg + " -j SNAT --to-source " + r.gateway.ip + "\n";
  return t + "COMMIT\n";
}

std::string RouterNamespaces::NamespaceOf(const state::RouterInstance& r) const {
  return r.kind == "snat" ? SnatNamespaceName(prefix_, r.id) : RouterNamespaceName(prefix_, r.id);
}

Status RouterNamespaces::Sync(const std::vector<state::RouterInstance>& routers,
                              const std::vector<state::FipGateway>& fips,
                              const std::set<std::string>& existing_ports) {
  std::set<std::string> wanted_ns, wanted_ports;
  for (const auto& r : routers) {
    wanted_ns.insert(NamespaceOf(r));
    for (const auto& leg : r.interfaces) wanted_ports.insert(LegPeerName(LegKind(r), leg.port_id));
    if (!r.gateway.port_id.empty()) wanted_ports.insert(LegPeerName("qg", r.gateway.port_id));
  }
  for (const auto& f : fips) {
    wanted_ns.insert(FipNamespaceName(prefix_, f.network_id));
    wanted_ports.insert(LegPeerName("fg", f.port_id));
  }
  // Namespaces that went away (and, once, leftovers of an earlier run).
  std::set<std::string> stale;
  for (const auto& [ns, r] : applied_)
    if (!wanted_ns.count(ns)) stale.insert(ns);
  for (const auto& [ns, f] : applied_fips_)
    if (!wanted_ns.count(ns)) stale.insert(ns);
  if (!swept_) {
    for (const char* kind : {"qrouter-", "snat-", "fip-"})
      for (const auto& ns : Netns::List(prefix_ + kind))
        if (!wanted_ns.count(ns)) stale.insert(ns);
    swept_ = true;
  }
  for (const auto& ns : stale) {
    ISTHMUS_RETURN_IF_ERROR(netns_.Delete(ns));
    applied_.erase(ns);
    applied_fips_.erase(ns);
  }
  // fip- first: DVR routers link into it.
  for (const auto& f : fips) {
    std::string ns = FipNamespaceName(prefix_, f.network_id);
    auto it = applied_fips_.find(ns);
    if (it != applied_fips_.end() && it->second == f) continue;
    Status st = SyncFipGateway(f, existing_ports);
    if (!st.ok()) {
      applied_fips_.erase(ns);
      return st;
    }
    applied_fips_[ns] = f;
    // Its routers' links must be checked again (a new fip- has none yet).
    for (auto& [rns, r] : applied_)
      if (r.fip_link.network_id == f.network_id) r.fip_link = {};
  }
  for (const auto& r : routers) {
    std::string ns = NamespaceOf(r);
    auto it = applied_.find(ns);
    if (it != applied_.end() && it->second == r) continue;
    Status st = SyncRouter(r, it == applied_.end() ? nullptr : &it->second, existing_ports);
    if (!st.ok()) {
      applied_.erase(ns);
      return st;
    }
    applied_[ns] = r;
  }
  for (const auto& port : existing_ports)
    if (IsRouterPort(port) && !wanted_ports.count(port)) {
      std::string bridge = port.rfind("gp-", 0) == 0 || port.rfind("fp-", 0) == 0 ? kBrEx : kBrInt;
      ISTHMUS_RETURN_IF_ERROR(ovs_.DeletePort(bridge, port));
    }
  return Status::Ok();
}

Status RouterNamespaces::SyncFipGateway(const state::FipGateway& f,
                                        const std::set<std::string>& existing_ports) {
  std::string ns = FipNamespaceName(prefix_, f.network_id);
  std::string fg = LegDeviceName("fg", f.port_id);
  ISTHMUS_RETURN_IF_ERROR(netns_.Ensure(ns, true));
  ISTHMUS_RETURN_IF_ERROR(netns_.PlugVeth(
      {ns, fg, LegPeerName("fg", f.port_id), kBrEx, f.port_id, f.mac, kExternalMtu, {Slash(f.ip, f.prefix_len)}},
      ovs_, existing_ports));
  ISTHMUS_RETURN_IF_ERROR(netns_.RemoveStaleDevices(ns, "fg-", {fg}));
  // Proxy ARP: fg- answers for every floating IP routed into a router link.
  ISTHMUS_RETURN_IF_ERROR(
      netns_.Exec(ns, {"sysctl", "-q", "-w", "net.ipv4.conf." + fg + ".proxy_arp=1"}).status());
  if (f.gateway_ip.empty()) return Status::Ok();
  return netns_.Ip({"route", "replace", "default", "via", f.gateway_ip, "dev", fg}, ns).status();
}

Status RouterNamespaces::SyncRouter(const state::RouterInstance& router,
                                    const state::RouterInstance* applied,
                                    const std::set<std::string>& existing_ports) {
  std::string ns = NamespaceOf(router);
  // Most changes are a port coming or going: only the ARP entries change.
  if (applied && applied->interfaces == router.interfaces && applied->gateway == router.gateway &&
      applied->snat_routes == router.snat_routes && applied->floating_ips == router.floating_ips &&
      applied->fip_link == router.fip_link && applied->routes == router.routes)
    return SyncNeighbors(ns, router, applied);

  if (!applied) LOG_INFO("syncing " << router.kind << " router namespace " << ns);
  ISTHMUS_RETURN_IF_ERROR(netns_.Ensure(ns, true));
  std::string kind = LegKind(router);
  std::set<std::string> legs;
  for (const auto& leg : router.interfaces) {
    std::string dev = LegDeviceName(kind, leg.port_id);
    legs.insert(dev);
    ISTHMUS_RETURN_IF_ERROR(netns_.PlugVeth({ns, dev, LegPeerName(kind, leg.port_id), kBrInt,
                                             leg.port_id, leg.mac, kLegMtu,
                                             {Slash(leg.ip, leg.prefix_len)}},
                                            ovs_, existing_ports));
  }
  ISTHMUS_RETURN_IF_ERROR(netns_.RemoveStaleDevices(ns, kind + "-", legs));

  // The external gateway (legacy, snat): qg- on br-ex, the default route, and
  // a legacy router's floating IPs as /32 addresses on it.
  std::set<std::string> gateways;
  const auto& gw = router.gateway;
  if (!gw.port_id.empty()) {
    std::string qg = LegDeviceName("qg", gw.port_id);
    gateways.insert(qg);
    std::vector<std::string> addrs = {Slash(gw.ip, gw.prefix_len)};
    for (const auto& f : router.floating_ips) addrs.push_back(f.floating_ip + "/32");
    ISTHMUS_RETURN_IF_ERROR(netns_.PlugVeth(
        {ns, qg, LegPeerName("qg", gw.port_id), kBrEx, gw.port_id, gw.mac, kExternalMtu, addrs}, ovs_,
        existing_ports));
    if (!gw.gateway_ip.empty())
      ISTHMUS_RETURN_IF_ERROR(
          netns_.Ip({"route", "replace", "default", "via", gw.gateway_ip, "dev", qg}, ns).status());
  }
  ISTHMUS_RETURN_IF_ERROR(netns_.RemoveStaleDevices(ns, "qg-", gateways));
  if (router.kind == "dvr") {
    ISTHMUS_RETURN_IF_ERROR(SyncFipLink(ns, router));
    ISTHMUS_RETURN_IF_ERROR(SyncRules(ns, router, applied));
  }
  ISTHMUS_RETURN_IF_ERROR(SyncNat(ns, router));
  ISTHMUS_RETURN_IF_ERROR(SyncExtraRoutes(ns, router));
  return SyncNeighbors(ns, router, nullptr);
}

// A route's destination as `ip -j route` shows it ("default", "1.2.3.4" for a /32).
static std::string ShownDestination(const std::string& cidr) {
  if (cidr == "0.0.0.0/0") return "default";
  if (cidr.size() > 3 && cidr.compare(cidr.size() - 3, 3, "/32") == 0) return cidr.substr(0, cidr.size() - 3);
  return cidr;
}

Result<std::string> ExtraRoutesBatch(const state::RouterInstance& r, const std::string& current_json) {
  struct Leg {
    Cidr cidr;
    std::string dev;
  };
  std::vector<Leg> legs;
  for (const auto& leg : r.interfaces) {
    auto ip = Ipv4::Parse(leg.ip);
    if (!ip.ok() || leg.prefix_len < 0 || leg.prefix_len > 32) continue;
    Cidr c{*ip, leg.prefix_len};
    legs.push_back({Cidr{Ipv4{ip->v & c.Mask()}, leg.prefix_len}, LegDeviceName(LegKind(r), leg.port_id)});
  }
  // (destination as shown, nexthop, device) of each wanted route.
  std::set<std::tuple<std::string, std::string, std::string>> want;
  std::string adds;
  for (const auto& route : r.routes) {
    auto dst = Cidr::Parse(route.destination);
    auto hop = Ipv4::Parse(route.nexthop);
    if (!dst.ok() || !hop.ok())
      return InvalidArgument("router " + r.id + ": refusing route " +
                             nlohmann::json(route.destination + " via " + route.nexthop)
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    std::string dev;
    for (const auto& leg : legs)
      if (leg.cidr.Contains(*hop)) dev = leg.dev;
    if (dev.empty()) continue;  // not connected here: the kernel would refuse it
    std::string shown = ShownDestination(dst->ToString());
    if (!want.insert({shown, hop->ToString(), dev}).second) continue;
    adds += "route replace " + dst->ToString() + " via " + hop->ToString() + " dev " + dev + " proto static\n";
  }
  std::string dels;
  auto j = nlohmann::json::parse(current_json, nullptr, false);
  if (j.is_array())
    for (const auto& e : j) {
      std::string dst = e.value("dst", ""), gw = e.value("gateway", ""), dev = e.value("dev", "");
      if (dst.empty() || want.count({dst, gw, dev})) continue;
      // Shown as "default" or an address: both are valid `ip route del` destinations.
      if (dst != "default" && !Cidr::Parse(dst.find('/') == std::string::npos ? dst + "/32" : dst).ok()) continue;
      dels += "route del " + dst + " proto static\n";
    }
  return dels + adds;
}

// The router's extra routes in its main table, marked `proto static` (ours
// alone in these namespaces): wanted ones replaced, others removed.
Status RouterNamespaces::SyncExtraRoutes(const std::string& ns, const state::RouterInstance& r) {
  auto cur = netns_.Ip({"-j", "route", "show", "table", "main", "proto", "static"}, ns);
  if (!cur.ok()) return cur.status();
  auto batch = ExtraRoutesBatch(r, *cur);
  if (!batch.ok()) return batch.status();
  if (batch->empty()) return Status::Ok();
  return netns_.Ip({"-batch", "-"}, ns, *batch).status();
}

Status RouterNamespaces::SyncFipLink(const std::string& ns, const state::RouterInstance& r) {
  std::string rfp = LegDeviceName("rfp", r.id), fpr = LegPeerName("rfp", r.id);
  const auto& link = r.fip_link;
  if (link.network_id.empty()) {
    if (netns_.LinkExists(ns, rfp)) ISTHMUS_RETURN_IF_ERROR(netns_.Ip({"link", "del", rfp}, ns).status());
    return Status::Ok();
  }
  std::string fip_ns = FipNamespaceName(prefix_, link.network_id);
  if (!Netns::Exists(fip_ns))
    return Unavailable("namespace " + fip_ns + " for router " + r.id + "'s floating IPs is not there yet");
  if (!netns_.LinkExists(ns, rfp) || !netns_.LinkExists(fip_ns, fpr)) {
    if (netns_.LinkExists(ns, rfp)) netns_.Ip({"link", "del", rfp}, ns);
    ISTHMUS_RETURN_IF_ERROR(
        netns_.Ip({"link", "add", rfp, "type", "veth", "peer", "name", fpr, "netns", fip_ns}, ns).status());
  }
  ISTHMUS_RETURN_IF_ERROR(netns_.Ip({"-batch", "-"}, ns,
                                    "addr replace " + link.router_side + "/31 dev " + rfp +
                                        "\nlink set " + rfp + " up\n")
                              .status());
  std::string batch = "addr replace " + link.fip_side + "/31 dev " + fpr + "\nlink set " + fpr + " up\n";
  std::set<std::string> want;
  for (const auto& f : r.floating_ips) {
    want.insert(f.floating_ip);
    batch += "route replace " + f.floating_ip + "/32 via " + link.router_side + " dev " + fpr + "\n";
  }
  // Floating IPs that moved away from this host.
  if (auto cur = netns_.Ip({"-j", "route", "show", "dev", fpr}, fip_ns); cur.ok()) {
    auto j = nlohmann::json::parse(*cur, nullptr, false);
    if (j.is_array())
      for (const auto& e : j) {
        std::string dst = e.value("dst", "");
        if (e.contains("gateway") && !want.count(dst)) batch += "route del " + dst + "/32 dev " + fpr + "\n";
      }
  }
  return netns_.Ip({"-batch", "-"}, fip_ns, batch).status();
}

Status RouterNamespaces::SyncRules(const std::string& ns, const state::RouterInstance& r,
                                   const state::RouterInstance* applied) {
  struct Rule {
    int priority;
    std::string from;
    int table;
    bool operator<(const Rule& o) const { return std::tie(priority, from, table) < std::tie(o.priority, o.from, o.table); }
  };
  std::set<Rule> want;
  std::string routes;
  if (!r.fip_link.network_id.empty()) {
    for (size_t i = 0; i < r.floating_ips.size(); ++i)
      want.insert({kFipRulePriority + static_cast<int>(i), r.floating_ips[i].fixed_ip + "/32", kFipTable});
    routes += "route replace default via " + r.fip_link.fip_side + " dev " + LegDeviceName("rfp", r.id) +
              " table " + std::to_string(kFipTable) + "\n";
  } else {
    routes += "route flush table " + std::to_string(kFipTable) + "\n";
  }
  for (size_t i = 0; i < r.snat_routes.size(); ++i) {
    const auto& sr = r.snat_routes[i];
    int table = kSnatTableBase + static_cast<int>(i);
    want.insert({kSnatRulePriority + static_cast<int>(i), sr.cidr, table});
    routes += "route replace default via " + sr.via + " dev " + LegDeviceName("qr", sr.port_id) +
              " table " + std::to_string(table) + "\n";
  }
  size_t before = applied ? applied->snat_routes.size() : 64;
  for (size_t i = r.snat_routes.size(); i < before; ++i)
    routes += "route flush table " + std::to_string(kSnatTableBase + i) + "\n";

  std::string batch;
  auto cur = netns_.Ip({"-j", "rule", "show"}, ns);
  if (!cur.ok()) return cur.status();
  std::set<Rule> have;
  auto j = nlohmann::json::parse(*cur, nullptr, false);
  if (j.is_array())
    for (const auto& e : j) {
      int prio = e.value("priority", 0);
      if (prio < kFipRulePriority || prio >= kRulePriorityEnd) continue;
      std::string src = e.value("src", "");
      int len = e.value("srclen", 32);
      std::string table = e.contains("table") ? e["table"].dump() : "";
      if (e.contains("table") && e["table"].is_string()) table = e["table"].get<std::string>();
      Rule rule{prio, src + "/" + std::to_string(len), std::atoi(table.c_str())};
      if (want.count(rule)) have.insert(rule);
      else batch += "rule del priority " + std::to_string(prio) + "\n";
    }
  for (const auto& rule : want)
    if (!have.count(rule))
      batch += "rule add priority " + std::to_string(rule.priority) + " from " + rule.from + " lookup " +
               std::to_string(rule.table) + "\n";
  // Flushing an empty table is an error to `ip`: -force goes on past it.
  return netns_.Ip({"-force", "-batch", "-"}, ns, batch + routes).status();
}

Status RouterNamespaces::SyncNat(const std::string& ns, const state::RouterInstance& r) {
  auto table = NatTable(r);
  if (!table.ok()) return table.status();
  return netns_.Exec(ns, {"iptables-restore", "-w", "5"}, *table).status();
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
    legs.push_back({c, LegDeviceName(LegKind(router), leg.port_id)});
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
    if (!Mac::Parse(n.mac).ok())
      return InvalidArgument("router " + router.id + ": refusing neighbor MAC " +
                             nlohmann::json(n.mac).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
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
  } else if (auto current = netns_.Ip({"-j", "neigh", "show", "nud", "permanent"}, ns); current.ok()) {
    auto j = nlohmann::json::parse(*current, nullptr, false);
    if (j.is_array()) {
      for (const auto& e : j) {
        std::string ip = e.value("dst", ""), dev = e.value("dev", "");
        if (dev.rfind("qg-", 0) == 0 || dev.rfind("rfp-", 0) == 0) continue;
        if (!wanted.count({ip, dev})) batch += "neigh del " + ip + " dev " + dev + "\n";
      }
    }
  }
  if (batch.empty()) return Status::Ok();
  return netns_.Ip({"-batch", "-"}, ns, batch).status();
}

}  // namespace isthmus::agent
