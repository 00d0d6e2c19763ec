#include "agent/router_ns.h"

#include <algorithm>

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
constexpr uint32_t kFipRulePriority = 40000;
constexpr uint32_t kSnatRulePriority = 50000;
constexpr uint32_t kRulePriorityEnd = 60000;
constexpr uint32_t kFipTable = 16;
constexpr uint32_t kSnatTableBase = 100;

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

namespace {

// The index of every link of the namespace, by name.
Result<std::map<std::string, int>> LinkIndexes(Rtnetlink& nl) {
  auto links = nl.Links();
  if (!links.ok()) return links.status();
  std::map<std::string, int> out;
  for (const auto& l : *links) out[l.name] = l.index;
  return out;
}

Result<Ipv4> ParseIp(const std::string& router_id, const std::string& what, const std::string& text) {
  auto ip = Ipv4::Parse(text);
  if (!ip.ok())
    return InvalidArgument("router " + router_id + ": refusing " + what + " " +
                           nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return *ip;
}

// `route replace default via gateway dev dev [table table]`.
Status ReplaceDefault(Rtnetlink& nl, const std::string& dev, Ipv4 gateway, uint32_t table = kMainTable) {
  auto index = nl.LinkIndex(dev);
  if (!index.ok()) return index.status();
  return nl.ReplaceRoute({Cidr{}, gateway, *index, table, kProtoBoot});
}

}  // namespace

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
  ISTHMUS_RETURN_IF_ERROR(netns_.Sysctl(ns, "net.ipv4.conf." + fg + ".proxy_arp", "1"));
  if (f.gateway_ip.empty()) return Status::Ok();
  auto gateway = ParseIp(f.network_id, "external gateway", f.gateway_ip);
  if (!gateway.ok()) return gateway.status();
  auto nl = netns_.Netlink(ns);
  if (!nl.ok()) return nl.status();
  return ReplaceDefault(*nl, fg, *gateway);
}

Status RouterNamespaces::SyncRouter(const state::RouterInstance& router,
                                    const state::RouterInstance* applied,
                                    const std::set<std::string>& existing_ports) {
  std::string ns = NamespaceOf(router);
  // Most changes are a port coming or going: only the ARP entries change.
  if (applied && applied->interfaces == router.interfaces && applied->gateway == router.gateway &&
      applied->snat_routes == router.snat_routes && applied->floating_ips == router.floating_ips &&
      applied->fip_link == router.fip_link && applied->routes == router.routes) {
    auto nl = netns_.Netlink(ns);
    if (!nl.ok()) return nl.status();
    return SyncNeighbors(*nl, router, applied);
  }

  if (!applied) LOG_INFO("syncing " << router.kind << " router namespace " << ns);
  bool fresh = !Netns::Exists(ns);
  ISTHMUS_RETURN_IF_ERROR(netns_.Ensure(ns, true));
  auto nl = netns_.Netlink(ns);
  if (!nl.ok()) return nl.status();
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
    if (!gw.gateway_ip.empty()) {
      auto gateway = ParseIp(router.id, "external gateway", gw.gateway_ip);
      if (!gateway.ok()) return gateway.status();
      ISTHMUS_RETURN_IF_ERROR(ReplaceDefault(*nl, qg, *gateway));
    }
  }
  ISTHMUS_RETURN_IF_ERROR(netns_.RemoveStaleDevices(ns, "qg-", gateways));
  if (router.kind == "dvr") {
    ISTHMUS_RETURN_IF_ERROR(SyncFipLink(*nl, ns, router));
    ISTHMUS_RETURN_IF_ERROR(SyncRules(*nl, router, applied));
  }
  ISTHMUS_RETURN_IF_ERROR(SyncNat(ns, router, applied, fresh));
  ISTHMUS_RETURN_IF_ERROR(SyncExtraRoutes(*nl, router));
  return SyncNeighbors(*nl, router, nullptr);
}

Result<RouteChanges> ExtraRouteChanges(const state::RouterInstance& r, const std::vector<Route>& current,
                                       const std::map<std::string, int>& link_index) {
  struct Leg {
    Cidr cidr;
    int ifindex;
  };
  std::vector<Leg> legs;
  for (const auto& leg : r.interfaces) {
    auto ip = Ipv4::Parse(leg.ip);
    if (!ip.ok() || leg.prefix_len < 0 || leg.prefix_len > 32) continue;
    auto dev = link_index.find(LegDeviceName(LegKind(r), leg.port_id));
    if (dev == link_index.end()) continue;
    Cidr c{*ip, leg.prefix_len};
    legs.push_back({Cidr{Ipv4{ip->v & c.Mask()}, leg.prefix_len}, dev->second});
  }
  RouteChanges out;
  for (const auto& route : r.routes) {
    auto dst = Cidr::Parse(route.destination);
    auto hop = Ipv4::Parse(route.nexthop);
    if (!dst.ok() || !hop.ok())
      return InvalidArgument("router " + r.id + ": refusing route " +
                             nlohmann::json(route.destination + " via " + route.nexthop)
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    int ifindex = 0;
    for (const auto& leg : legs)
      if (leg.cidr.Contains(*hop)) ifindex = leg.ifindex;
    if (ifindex == 0) continue;  // not connected here: the kernel would refuse it
    Route want{*dst, *hop, ifindex, kMainTable, kProtoStatic};
    if (std::find(out.replace.begin(), out.replace.end(), want) == out.replace.end()) out.replace.push_back(want);
  }
  for (const auto& e : current) {
    if (e.protocol != kProtoStatic || e.table != kMainTable) continue;
    if (std::find(out.replace.begin(), out.replace.end(), e) == out.replace.end()) out.remove.push_back(e);
  }
  return out;
}

// The router's extra routes in its main table, marked `proto static` (ours
// alone in these namespaces): wanted ones replaced, others removed.
Status RouterNamespaces::SyncExtraRoutes(Rtnetlink& nl, const state::RouterInstance& r) {
  auto links = LinkIndexes(nl);
  if (!links.ok()) return links.status();
  auto current = nl.Routes(kMainTable);
  if (!current.ok()) return current.status();
  auto changes = ExtraRouteChanges(r, *current, *links);
  if (!changes.ok()) return changes.status();
  for (const auto& route : changes->remove) ISTHMUS_RETURN_IF_ERROR(nl.DeleteRoute(route));
  for (const auto& route : changes->replace) ISTHMUS_RETURN_IF_ERROR(nl.ReplaceRoute(route));
  return Status::Ok();
}

Status RouterNamespaces::SyncFipLink(Rtnetlink& nl, const std::string& ns, const state::RouterInstance& r) {
  std::string rfp = LegDeviceName("rfp", r.id), fpr = LegPeerName("rfp", r.id);
  const auto& link = r.fip_link;
  if (link.network_id.empty()) return nl.DeleteLink(rfp);
  auto router_side = ParseIp(r.id, "fip link address", link.router_side);
  if (!router_side.ok()) return router_side.status();
  auto fip_side = ParseIp(r.id, "fip link address", link.fip_side);
  if (!fip_side.ok()) return fip_side.status();
  std::vector<Ipv4> floating;
  for (const auto& f : r.floating_ips) {
    auto ip = ParseIp(r.id, "floating IP", f.floating_ip);
    if (!ip.ok()) return ip.status();
    floating.push_back(*ip);
  }
  std::string fip_ns = FipNamespaceName(prefix_, link.network_id);
  if (!Netns::Exists(fip_ns))
    return Unavailable("namespace " + fip_ns + " for router " + r.id + "'s floating IPs is not there yet");
  auto fip_nl = netns_.Netlink(fip_ns);
  if (!fip_nl.ok()) return fip_nl.status();
  auto here = nl.FindLink(rfp);
  if (!here.ok()) return here.status();
  auto there = fip_nl->FindLink(fpr);
  if (!there.ok()) return there.status();
  if (!*here || !*there) {
    ISTHMUS_RETURN_IF_ERROR(nl.DeleteLink(rfp));
    ISTHMUS_RETURN_IF_ERROR(nl.AddVeth(rfp, fpr, fip_ns));
  }
  auto rfp_index = nl.LinkIndex(rfp);
  if (!rfp_index.ok()) return rfp_index.status();
  ISTHMUS_RETURN_IF_ERROR(nl.ReplaceAddress(*rfp_index, {*router_side, 31}));
  ISTHMUS_RETURN_IF_ERROR(nl.SetLink(rfp, {}));
  auto fpr_index = fip_nl->LinkIndex(fpr);
  if (!fpr_index.ok()) return fpr_index.status();
  ISTHMUS_RETURN_IF_ERROR(fip_nl->ReplaceAddress(*fpr_index, {*fip_side, 31}));
  ISTHMUS_RETURN_IF_ERROR(fip_nl->SetLink(fpr, {}));
  std::vector<Route> want;
  for (Ipv4 ip : floating) {
    want.push_back({Cidr{ip, 32}, *router_side, *fpr_index, kMainTable, kProtoBoot});
    ISTHMUS_RETURN_IF_ERROR(fip_nl->ReplaceRoute(want.back()));
  }
  // Floating IPs that moved away from this host.
  auto current = fip_nl->Routes(kMainTable);
  if (!current.ok()) return current.status();
  for (const auto& e : *current) {
    if (e.ifindex != *fpr_index || e.gateway.v == 0) continue;
    bool wanted = false;
    for (const auto& w : want) wanted |= w.dst == e.dst;
    if (!wanted) ISTHMUS_RETURN_IF_ERROR(fip_nl->DeleteRoute(e));
  }
  return Status::Ok();
}

Status RouterNamespaces::SyncRules(Rtnetlink& nl, const state::RouterInstance& r,
                                   const state::RouterInstance* applied) {
  std::set<Rule> want;
  std::vector<Route> routes;  // default routes of the rules' tables
  std::set<uint32_t> flush;  // tables of rules no longer there
  auto links = LinkIndexes(nl);
  if (!links.ok()) return links.status();
  std::string missing;  // a device a table's default route needs that is not here
  auto index_of = [&](const std::string& dev) {
    if (links->count(dev)) return links->at(dev);
    missing = dev;
    return 0;
  };
  if (!r.fip_link.network_id.empty()) {
    for (size_t i = 0; i < r.floating_ips.size(); ++i) {
      auto fixed = ParseIp(r.id, "fixed IP", r.floating_ips[i].fixed_ip);
      if (!fixed.ok()) return fixed.status();
      want.insert({kFipRulePriority + static_cast<uint32_t>(i), Cidr{*fixed, 32}, kFipTable});
    }
    auto via = ParseIp(r.id, "fip link address", r.fip_link.fip_side);
    if (!via.ok()) return via.status();
    routes.push_back({Cidr{}, *via, index_of(LegDeviceName("rfp", r.id)), kFipTable, kProtoBoot});
  } else {
    flush.insert(kFipTable);
  }
  for (size_t i = 0; i < r.snat_routes.size(); ++i) {
    const auto& sr = r.snat_routes[i];
    uint32_t table = kSnatTableBase + static_cast<uint32_t>(i);
    auto from = Cidr::Parse(sr.cidr);
    if (!from.ok()) return InvalidArgument("router " + r.id + ": refusing SNAT source " + from.status().message());
    auto via = ParseIp(r.id, "SNAT nexthop", sr.via);
    if (!via.ok()) return via.status();
    want.insert({kSnatRulePriority + static_cast<uint32_t>(i), *from, table});
    routes.push_back({Cidr{}, *via, index_of(LegDeviceName("qr", sr.port_id)), table, kProtoBoot});
  }
  size_t before = applied ? applied->snat_routes.size() : 64;
  for (size_t i = r.snat_routes.size(); i < before; ++i) flush.insert(kSnatTableBase + static_cast<uint32_t>(i));

  auto current = nl.Rules();
  if (!current.ok()) return current.status();
  std::set<Rule> have;
  for (const auto& rule : *current) {
    if (rule.priority < kFipRulePriority || rule.priority >= kRulePriorityEnd) continue;
    if (want.count(rule)) have.insert(rule);
    else ISTHMUS_RETURN_IF_ERROR(nl.DeleteRule(rule.priority));
  }
  for (const auto& rule : want)
    if (!have.count(rule)) ISTHMUS_RETURN_IF_ERROR(nl.AddRule(rule));
  if (!missing.empty()) return Unavailable("router " + r.id + ": no device " + missing + " for its policy routes");
  for (const auto& route : routes) ISTHMUS_RETURN_IF_ERROR(nl.ReplaceRoute(route));
  return nl.FlushTables(flush);
}

Status RouterNamespaces::SyncNat(const std::string& ns, const state::RouterInstance& r,
                                 const state::RouterInstance* applied, bool fresh) {
  auto table = NatTable(r);
  if (!table.ok()) return table.status();
  // No iptables-restore (a process, 5-20 ms here) when it would change
  // nothing: a leg coming or going changes no NAT rule (nothing else writes
  // this namespace's nat table), and a namespace this pass created has an
  // empty one (a DVR router without floating IPs needs no rule).
  if (applied) {
    auto before = NatTable(*applied);
    if (before.ok() && *before == *table) return Status::Ok();
  }
  if (fresh && table->find("\n-A ") == std::string::npos) return Status::Ok();
  return netns_.Exec(ns, {"iptables-restore", "-w", "5"}, *table).status();
}

Status RouterNamespaces::SyncNeighbors(Rtnetlink& nl, const state::RouterInstance& router,
                                       const state::RouterInstance* applied) {
  auto links = LinkIndexes(nl);
  if (!links.ok()) return links.status();
  // Which leg a neighbor sits behind: the one whose subnet holds its address.
  struct Leg {
    Cidr cidr;
    int ifindex;
  };
  std::vector<Leg> legs;
  for (const auto& leg : router.interfaces) {
    auto ip = Ipv4::Parse(leg.ip);
    auto dev = links->find(LegDeviceName(LegKind(router), leg.port_id));
    if (!ip.ok() || dev == links->end()) continue;
    Cidr c{Ipv4{ip->v & Cidr{*ip, leg.prefix_len}.Mask()}, leg.prefix_len};
    legs.push_back({c, dev->second});
  }
  auto dev_of = [&](const std::string& text) -> int {
    auto ip = Ipv4::Parse(text);
    if (ip.ok())
      for (const auto& leg : legs)
        if (leg.cidr.Contains(*ip)) return leg.ifindex;
    return 0;
  };
  std::set<std::pair<uint32_t, int>> wanted;  // (ip, ifindex)
  std::vector<Neighbor> replace;
  std::vector<std::pair<Ipv4, int>> remove;
  for (const auto& n : router.neighbors) {
    auto mac = Mac::Parse(n.mac);
    if (!mac.ok())
      return InvalidArgument("router " + router.id + ": refusing neighbor MAC " +
                             nlohmann::json(n.mac).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    int dev = dev_of(n.ip);
    if (dev == 0) continue;
    Ipv4 ip = *Ipv4::Parse(n.ip);
    wanted.insert({ip.v, dev});
    bool unchanged = applied && std::find(applied->neighbors.begin(), applied->neighbors.end(), n) !=
                                    applied->neighbors.end();
    if (!unchanged) replace.push_back({ip, *mac, dev, true});
  }
  if (applied) {
    // What we installed last time is all there is to remove.
    for (const auto& n : applied->neighbors) {
      int dev = dev_of(n.ip);
      if (dev != 0 && !wanted.count({Ipv4::Parse(n.ip)->v, dev})) remove.push_back({*Ipv4::Parse(n.ip), dev});
    }
  } else {
    auto current = nl.Neighbors();
    if (!current.ok()) return current.status();
    std::set<int> skipped;  // the gateway and the fip link have neighbours of their own
    for (const auto& [name, index] : *links)
      if (name.rfind("qg-", 0) == 0 || name.rfind("rfp-", 0) == 0) skipped.insert(index);
    for (const auto& n : *current)
      if (n.permanent && !skipped.count(n.ifindex) && !wanted.count({n.ip.v, n.ifindex}))
        remove.push_back({n.ip, n.ifindex});
  }
  for (const auto& n : replace) ISTHMUS_RETURN_IF_ERROR(nl.ReplaceNeighbor(n));
  for (const auto& [ip, dev] : remove) ISTHMUS_RETURN_IF_ERROR(nl.DeleteNeighbor(ip, dev));
  return Status::Ok();
}

}  // namespace isthmus::agent
