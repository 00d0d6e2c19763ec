// The desired-state computation as it was before StateContext (main at
// c14141d, unchanged but for its names and the facts added since: routers'
// admin_state_up and extra routes, subnets' host routes): the reference the
// shared-context computation must equal, host by host (live_view_test). Test-only.
#include "cloud/desired_state_reference.h"

#include <algorithm>
#include <vector>

#include "cloud/security_groups.h"
#include "cloud/subnet_serving.h"
#include "common/net.h"

namespace isthmus::cloud::reference {
namespace {

using model::Port;
using model::Router;

// Legs of this cloud's routers (router id -> its interface ports).
std::map<std::string, std::vector<const Port*>> RouterLegs(const FederationView& v) {
  std::map<std::string, std::vector<const Port*>> legs;
  for (const Port* p : v.router_interfaces)
    if (p->cloud == v.cloud && v.routers.count(p->device_id)) legs[p->device_id].push_back(p);
  return legs;
}

std::set<std::string> InstanceNetworks(const FederationView& v, const std::string& host) {
  std::set<std::string> nets;
  auto it = v.ports_by_host.find(host);
  if (it != v.ports_by_host.end())
    for (const Port* p : it->second) nets.insert(p->network_id);
  return nets;
}

// The ports an index holds under `key` (none when it has no entry).
const std::vector<const Port*>& PortsIn(const std::map<std::string, std::vector<const Port*>>& index,
                                        const std::string& key) {
  static const std::vector<const Port*> kNone;
  auto it = index.find(key);
  return it == index.end() ? kNone : it->second;
}

const std::vector<const Port*>& BoundPorts(const FederationView& v, const std::string& host) {
  return PortsIn(v.bound_by_host, host);
}

// The view itself when its indexes are current, else an indexed copy.
const FederationView& Indexed(const FederationView& view, FederationView& copy) {
  if (view.Indexed()) return view;
  copy = view;
  copy.Reindex();
  return copy;
}

bool IsNetworkNode(const FederationView& v, const std::string& host) {
  const model::Host* nn = v.NetworkNode(v.cloud);
  return nn && nn->name == host;
}

// Routers instantiated on a host: DVR routers with a leg on a network that has
// an instance port there; on the network node, legacy routers and the DVR
// routers that serve a subnet to clouds without a router on it (requirement 7).
std::vector<const Router*> HostRouters(const FederationView& v, const SubnetServing& serving,
                                       const std::string& host) {
  std::vector<const Router*> out;
  auto legs = RouterLegs(v);
  auto nets = InstanceNetworks(v, host);
  bool network_node = IsNetworkNode(v, host);
  for (const auto& [id, r] : v.routers) {
    if (r.cloud != v.cloud || !r.admin_state_up) continue;
    if (!r.distributed) {
      if (network_node) out.push_back(&r);
      continue;
    }
    for (const Port* leg : legs[id])
      if (nets.count(leg->network_id) || (network_node && serving.ServesOtherClouds(*leg))) {
        out.push_back(&r);
        break;
      }
  }
  return out;
}

int PrefixLen(const std::string& cidr) {
  auto c = Cidr::Parse(cidr);
  return c.ok() ? c->prefix_len : 0;
}

const model::Subnet* SubnetOf(const FederationView& v, const std::string& subnet_id) {
  auto it = v.subnets.find(subnet_id);
  return it == v.subnets.end() ? nullptr : &it->second;
}

template <typename T, typename Key>
void SortBy(std::vector<T>& v, Key key) {
  std::sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
}

// The router's extra routes whose nexthop lies in the subnet of one of
// `legs` and is no leg's own address: per destination the lowest nexthop.
std::vector<state::Route> ExtraRoutes(const FederationView& v, const Router& r,
                                      const std::vector<state::RouterInterface>& legs) {
  std::map<std::string, std::string> by_destination;
  for (const auto& route : r.routes) {
    auto hop = Ipv4::Parse(route.nexthop);
    if (!hop.ok() || !Cidr::Parse(route.destination).ok()) continue;
    bool on_leg_subnet = false, a_leg = false;
    for (const auto& leg : legs) {
      const model::Subnet* sub = SubnetOf(v, leg.subnet_id);
      auto cidr = sub ? Cidr::Parse(sub->cidr) : Result<Cidr>(NotFound(""));
      if (cidr.ok() && cidr->Contains(*hop)) on_leg_subnet = true;
      if (leg.ip == hop->ToString()) a_leg = true;
    }
    if (!on_leg_subnet || a_leg) continue;
    auto [it, fresh] = by_destination.emplace(route.destination, route.nexthop);
    if (!fresh && route.nexthop < it->second) it->second = route.nexthop;
  }
  std::vector<state::Route> out;
  for (const auto& [dst, hop] : by_destination) out.push_back({dst, hop});
  return out;
}

// A port of this cloud owned by `router` with `owner` (gateway, SNAT legs).
std::vector<const Port*> RouterPorts(const FederationView& v, const std::string& router_id,
                                     const char* owner) {
  std::vector<const Port*> out;
  for (const Port* p : PortsIn(v.router_ports, router_id))
    if (p->device_owner == owner && p->cloud == v.cloud) out.push_back(p);
  return out;
}

state::ExternalGateway GatewayOf(const FederationView& v, const Router& r) {
  state::ExternalGateway g;
  if (r.gateway_network_id.empty()) return g;
  for (const Port* p : RouterPorts(v, r.id, model::kOwnerRouterGateway)) {
    if (p->fixed_ips.empty()) continue;
    const model::Subnet* sub = SubnetOf(v, p->fixed_ips[0].subnet_id);
    if (!sub) continue;
    g = {p->id,         p->network_id,      p->mac_address, p->fixed_ips[0].ip_address,
         PrefixLen(sub->cidr), sub->gateway_ip, r.enable_snat};
  }
  return g;
}

// Every port (not a router leg) of `subnets` on `networks`: permanent ARP.
std::vector<state::Neighbor> NeighborsOn(const FederationView& v, const std::set<std::string>& networks,
                                         const std::set<std::string>& subnets) {
  std::vector<state::Neighbor> out;
  for (const auto& net_id : networks)
    for (const Port* p : v.PortsOn(net_id)) {
      if (p->IsRouterInterface()) continue;
      for (const auto& f : p->fixed_ips)
        if (subnets.count(f.subnet_id)) out.push_back({f.ip_address, p->mac_address});
    }
  SortBy(out, [](const auto& x) { return x.ip + " " + x.mac; });
  return out;
}

// The /31 between a DVR router and its host's fip- namespace: a hash of the
// router ID into 169.254.64.0/18, probing past routers of this host that took
// the slot first (in ID order), so a router keeps its link while others come and go.
state::FipLink FipLinkFor(const std::string& router_id, const std::string& network_id,
                          std::set<uint32_t>& taken) {
  uint32_t h = 2166136261u;  // FNV-1a: the same slot from every build
  for (unsigned char c : router_id) h = (h ^ c) * 16777619u;
  uint32_t slot = h % 8192;
  while (taken.count(slot)) slot = (slot + 1) % 8192;
  taken.insert(slot);
  uint32_t base = (169u << 24) | (254u << 16) | (64u << 8);
  return {network_id, Ipv4{base + 2 * slot}.ToString(), Ipv4{base + 2 * slot + 1}.ToString()};
}

std::string Hostname(const std::string& ip) {
  std::string h = "host-" + ip;
  std::replace(h.begin(), h.end(), '.', '-');
  return h;
}

// The networks of a host's bound ports and of the legs of the routers on it.
std::set<std::string> NetworksOf(const FederationView& v, const std::string& host,
                                 const std::vector<const Router*>& routers,
                                 std::map<std::string, std::vector<const Port*>>& legs) {
  std::set<std::string> nets = InstanceNetworks(v, host);
  for (const Port* p : BoundPorts(v, host)) nets.insert(p->network_id);
  for (const Router* r : routers)
    for (const Port* leg : legs[r->id]) nets.insert(leg->network_id);
  return nets;
}

}  // namespace

std::set<std::string> ReferenceHostNetworks(const FederationView& view, const std::string& host) {
  FederationView copy;
  const FederationView& v = Indexed(view, copy);
  auto legs = RouterLegs(v);
  return NetworksOf(v, host, HostRouters(v, SubnetServing(v), host), legs);
}

state::HostState ReferenceHostState(const FederationView& view, const std::string& host_name,
                                  const std::map<std::string, int>& lvids,
                                  const DesiredStateOptions& options) {
  FederationView copy;
  const FederationView& v = Indexed(view, copy);
  state::HostState s;
  const model::Host* host = v.FindHost(host_name);
  s.host = host_name;
  s.cloud = v.cloud;
  if (host) {
    s.role = host->role;
    s.vtep_ip = host->vtep_ip;
    s.dvr_mac = host->dvr_mac;
  }
  s.dvr_mac_federation = options.dvr_mac_federation;
  s.dvr_mac_space = "fa:16:3f:00:00:00/ff:ff:ff:00:00:00";

  auto legs = RouterLegs(v);
  SubnetServing serving(v);
  auto routers = HostRouters(v, serving, host_name);
  std::set<std::string> nets = NetworksOf(v, host_name, routers, legs);
  const model::Host* nn = v.NetworkNode(v.cloud);
  bool network_node = nn && nn->name == host_name;
  std::set<std::string> routers_here;
  for (const Router* r : routers) routers_here.insert(r->id);

  // Networks with their flood lists (hosts of any cloud with ports bound on them).
  std::map<std::string, std::set<std::string>> flood, cloud_flood;
  for (const auto& net_id : nets)
    for (const Port* p : v.PortsOn(net_id)) {
      std::string bound = v.BoundHost(*p);
      if (bound.empty() || bound == host_name) continue;
      if (const model::Host* h = v.FindHost(bound); h && !h->vtep_ip.empty()) {
        flood[net_id].insert(h->vtep_ip);
        if (h->cloud == v.cloud) cloud_flood[net_id].insert(h->vtep_ip);
      }
    }
  for (const auto& net_id : nets) {
    auto n = v.networks.find(net_id);
    auto l = lvids.find(net_id);
    if (n == v.networks.end() || l == lvids.end() || n->second.external) continue;
    state::LocalNetwork ln{net_id, n->second.segmentation_id, l->second, {}, {}};
    ln.flood_vteps.assign(flood[net_id].begin(), flood[net_id].end());
    ln.cloud_flood_vteps.assign(cloud_flood[net_id].begin(), cloud_flood[net_id].end());
    s.networks.push_back(ln);
  }
  std::set<std::string> present;  // networks actually in s.networks
  for (const auto& n : s.networks) present.insert(n.id);

  std::set<std::string> tunnels, groups;
  for (const auto& net_id : present)
  for (const Port* pp : v.PortsOn(net_id)) {
    const Port& p = *pp;
    std::vector<std::string> ips;
    for (const auto& f : p.fixed_ips) ips.push_back(f.ip_address);
    if (std::string bound = v.BoundHost(p); !bound.empty()) {
      if (bound == host_name) {
        // SNAT legs are plugged as legs of their snat- instance, below; an
        // instance port with admin_state_up false is not wired.
        if (p.device_owner != model::kOwnerRouterSnat && (p.admin_state_up || !p.IsInstance())) {
          s.ports.push_back({p.id, p.network_id, p.mac_address, ips, p.IsInstance() && p.port_security_enabled});
          if (s.ports.back().port_security) {
            s.ports.back().allowed_address_pairs = AddressPairs(p);
            std::set<std::string> known;
            for (const auto& g : p.security_groups)
              if (v.security_groups.count(g)) known.insert(g);
            s.ports.back().security_groups.assign(known.begin(), known.end());
            groups.insert(known.begin(), known.end());
          }
        }
        continue;
      }
      const model::Host* h = v.FindHost(bound);
      if (!h || h->vtep_ip.empty()) continue;
      s.remote_ports.push_back({p.network_id, p.mac_address, h->vtep_ip});
      tunnels.insert(h->vtep_ip);
      for (const auto& ip : ips) s.arp_responder.push_back({p.network_id, ip, p.mac_address});
    } else if (p.IsRouterInterface()) {
      if (p.cloud != v.cloud) {
        s.foreign_gateways.push_back({p.network_id, p.mac_address, p.cloud});
        // Frames routed by another cloud's legacy router come from its network node.
        if (p.device_owner == model::kOwnerRouterInterface)
          if (const model::Host* fnn = v.NetworkNode(p.cloud); fnn && fnn->name != host_name)
            tunnels.insert(fnn->vtep_ip);
        continue;
      }
      auto r = v.routers.find(p.device_id);
      if (r == v.routers.end() || r->second.distributed) continue;
      // A legacy router leg lives on the network node.
      if (nn && nn->name != host_name && !nn->vtep_ip.empty()) {
        s.remote_ports.push_back({p.network_id, p.mac_address, nn->vtep_ip});
        tunnels.insert(nn->vtep_ip);
        for (const auto& f : p.fixed_ips) s.arp_responder.push_back({p.network_id, f.ip_address, p.mac_address});
      }
    }
  }
  for (const auto& n : s.networks)
    for (const auto& vtep : n.flood_vteps) tunnels.insert(vtep);

  // Gateways of the subnets of this host's networks: this cloud's router leg,
  // or the serving leg of another cloud (requirement 7), whose MAC is then
  // answered for here, switched only to that cloud's network node (never
  // flooded to every host of a DVR router) and trusted from it.
  std::set<std::pair<std::string, std::string>> drops;
  std::set<std::string> serving_hosts, serving_clouds;
  for (const auto& [sid, sub] : v.subnets) {
    if (!present.count(sub.network_id) || sub.gateway_ip.empty()) continue;
    const Port* leg = serving.GatewayLeg(sid, v.cloud);
    std::string mac = leg ? leg->mac_address : "";
    // ARP for any cloud's gateway address on the subnet stays on the host:
    // one address in anycast mode, one per cloud in per-cloud mode.
    std::set<std::string> gateway_ips = {sub.gateway_ip};
    for (const Port* leg : v.router_interfaces)
      if (!leg->fixed_ips.empty() && leg->fixed_ips[0].subnet_id == sid)
        gateway_ips.insert(leg->fixed_ips[0].ip_address);
    for (const auto& ip : gateway_ips)
      if (drops.insert({sub.network_id, ip}).second)
        s.gateway_arp_drop.push_back({sub.network_id, ip, mac});
    if (!leg) continue;
    const std::string& ip = leg->fixed_ips[0].ip_address;
    s.gateways.push_back({sub.network_id, sid, sub.cidr, ip, mac, routers_here.count(leg->device_id) > 0});
    if (leg->cloud == v.cloud) continue;
    const model::Host* server = v.NetworkNode(leg->cloud);
    if (!server || server->vtep_ip.empty()) continue;
    s.arp_responder.push_back({sub.network_id, ip, mac});
    s.remote_ports.push_back({sub.network_id, mac, server->vtep_ip});
    serving_hosts.insert(server->name);
    serving_clouds.insert(leg->cloud);
  }

  // Router instances: legs and permanent ARP for every port of their subnets;
  // north-south: gateway (legacy), SNAT routes and this host's floating IPs (DVR).
  std::set<uint32_t> fip_slots;
  std::set<std::string> fip_networks;
  for (const Router* r : routers) {
    state::RouterInstance ri;
    ri.id = r->id;
    ri.distributed = r->distributed;
    ri.kind = r->distributed ? "dvr" : "legacy";
    std::set<std::string> subnets, leg_networks;
    for (const Port* leg : legs[r->id]) {
      if (leg->fixed_ips.empty()) continue;
      const auto& f = leg->fixed_ips[0];
      const model::Subnet* sub = SubnetOf(v, f.subnet_id);
      if (!sub) continue;
      subnets.insert(f.subnet_id);
      leg_networks.insert(leg->network_id);
      ri.interfaces.push_back({leg->id, leg->network_id, f.subnet_id, leg->mac_address,
                               f.ip_address, PrefixLen(sub->cidr),
                               r->distributed && network_node && serving.ServesOtherClouds(*leg)});
    }
    ri.neighbors = NeighborsOn(v, leg_networks, subnets);
    state::ExternalGateway gw = GatewayOf(v, *r);
    if (!r->distributed) {
      ri.gateway = gw;
    } else if (!gw.port_id.empty() && r->enable_snat) {
      for (const Port* sg : RouterPorts(v, r->id, model::kOwnerRouterSnat)) {
        if (sg->fixed_ips.empty()) continue;
        const model::Subnet* sub = SubnetOf(v, sg->fixed_ips[0].subnet_id);
        for (const auto& i : ri.interfaces)
          if (sub && i.subnet_id == sub->id)
            ri.snat_routes.push_back({sub->cidr, sg->fixed_ips[0].ip_address, i.port_id});
      }
    }
    for (const auto& [fid, fip] : v.floatingips) {
      if (fip.router_id != r->id || fip.port_id.empty()) continue;
      auto port = v.ports.find(fip.port_id);
      if (port == v.ports.end()) continue;
      if (r->distributed && port->second.host != host_name) continue;
      ri.floating_ips.push_back({fip.floating_ip_address, fip.fixed_ip_address, fip.port_id});
    }
    if (r->distributed && !ri.floating_ips.empty() && !gw.port_id.empty()) {
      ri.fip_link = FipLinkFor(r->id, gw.network_id, fip_slots);
      fip_networks.insert(gw.network_id);
    }
    SortBy(ri.interfaces, [](const auto& x) { return x.port_id; });
    SortBy(ri.snat_routes, [](const auto& x) { return x.cidr; });
    SortBy(ri.floating_ips, [](const auto& x) { return x.floating_ip; });
    ri.routes = ExtraRoutes(v, *r, ri.interfaces);
    s.routers.push_back(ri);
  }

  // Centralized SNAT of this cloud's DVR routers, on its network node.
  if (network_node)
    for (const auto& [rid, r] : v.routers) {
      if (r.cloud != v.cloud || !r.distributed || r.gateway_network_id.empty() || !r.admin_state_up) continue;
      state::RouterInstance sn;
      sn.id = rid;
      sn.kind = "snat";
      sn.gateway = GatewayOf(v, r);
      if (sn.gateway.port_id.empty()) continue;
      std::set<std::string> subnets, networks;
      for (const Port* sg : RouterPorts(v, rid, model::kOwnerRouterSnat)) {
        if (sg->fixed_ips.empty()) continue;
        const auto& f = sg->fixed_ips[0];
        const model::Subnet* sub = SubnetOf(v, f.subnet_id);
        if (!sub || !present.count(sg->network_id)) continue;
        subnets.insert(f.subnet_id);
        networks.insert(sg->network_id);
        sn.interfaces.push_back({sg->id, sg->network_id, f.subnet_id, sg->mac_address,
                                 f.ip_address, PrefixLen(sub->cidr)});
      }
      sn.neighbors = NeighborsOn(v, networks, subnets);
      std::erase_if(sn.neighbors, [&](const state::Neighbor& n) {
        return std::any_of(sn.interfaces.begin(), sn.interfaces.end(),
                           [&](const auto& i) { return i.ip == n.ip; });
      });
      SortBy(sn.interfaces, [](const auto& x) { return x.port_id; });
      sn.routes = ExtraRoutes(v, r, sn.interfaces);
      s.routers.push_back(sn);
    }

  // This host's floating-IP gateways (DVR), one per external network in use here.
  for (const Port* fg : PortsIn(v.fip_agent_ports, host_name)) {
    const Port& p = *fg;
    if (!fip_networks.count(p.network_id) || p.fixed_ips.empty()) continue;
    const model::Subnet* sub = SubnetOf(v, p.fixed_ips[0].subnet_id);
    if (!sub) continue;
    s.fip_gateways.push_back({p.network_id, p.id, p.mac_address, p.fixed_ips[0].ip_address,
                              PrefixLen(sub->cidr), sub->gateway_ip});
  }

  // DHCP servers of this cloud bound here (its network node): each answers
  // this cloud's instance ports only, and hands out this cloud's gateway.
  for (const Port* p : BoundPorts(v, host_name)) {
    if (p->device_owner != model::kOwnerDhcp || p->cloud != v.cloud || !present.count(p->network_id))
      continue;
    state::DhcpServer d;
    d.network_id = p->network_id;
    d.port_id = p->id;
    d.mac = p->mac_address;
    std::set<std::string> served;
    for (const auto& f : p->fixed_ips) {
      const model::Subnet* sub = SubnetOf(v, f.subnet_id);
      if (!sub || !sub->enable_dhcp) continue;
      d.ip_cidrs.push_back(f.ip_address + "/" + std::to_string(PrefixLen(sub->cidr)));
      const Port* leg = serving.GatewayLeg(sub->id, v.cloud);
      std::string router = leg ? leg->fixed_ips[0].ip_address : sub->gateway_ip;
      state::DhcpSubnet ds{sub->id, sub->cidr, router, sub->dns_nameservers, {}};
      for (const auto& hr : sub->host_routes) ds.host_routes.push_back({hr.destination, hr.nexthop});
      d.subnets.push_back(ds);
      served.insert(sub->id);
    }
    for (const Port* q : v.PortsOn(p->network_id)) {
      if (!q->IsInstance() || q->cloud != v.cloud) continue;
      for (const auto& f : q->fixed_ips)
        if (served.count(f.subnet_id)) {
          d.hosts.push_back({q->mac_address, f.ip_address, Hostname(f.ip_address)});
          break;
        }
    }
    SortBy(d.hosts, [](const auto& x) { return x.mac; });
    s.dhcp_servers.push_back(d);
  }

  // DVR MAC trust: this cloud's other hosts always; when federated, other
  // clouds' hosts that have an instance port on one of this cloud's networks,
  // the network nodes of clouds with a DVR router on one, and every host of a
  // cloud serving a subnet here (requirement 7: its router routes here from
  // any of its hosts, also from subnets this cloud does not know). Frames
  // routed here by another cloud's host come over a tunnel to it, so each has one.
  std::set<std::string> trusted, routing_clouds = v.OtherCloudsWithDistributedLegs();
  for (const auto& [name, h] : v.hosts) {
    if (name == host_name || h.dvr_mac.empty()) continue;
    if (h.cloud == v.cloud) {
      trusted.insert(h.dvr_mac);
      continue;
    }
    bool is_network_node = h.role == "network" && v.NetworkNode(h.cloud) == &h;
    bool routes_here = v.hosts_on_our_networks.count(name) || serving_clouds.count(h.cloud) ||
                       (is_network_node && routing_clouds.count(h.cloud));
    if (!options.dvr_mac_federation || !routes_here) continue;
    trusted.insert(h.dvr_mac);
    if (!s.networks.empty() && !h.vtep_ip.empty()) tunnels.insert(h.vtep_ip);
  }
  s.trusted_dvr_macs.assign(trusted.begin(), trusted.end());
  for (const auto& name : serving_hosts)
    if (const model::Host* h = v.FindHost(name)) tunnels.insert(h->vtep_ip);
  s.tunnels.assign(tunnels.begin(), tunnels.end());

  // Security groups of the local ports, each rule's remote group resolved by
  // a scan of every port and group member record of the view.
  for (const auto& g : groups) {
    state::SecurityGroupRules sg{g, {}};
    for (const auto& [rid, r] : v.security_group_rules) {
      if (r.security_group_id != g) continue;
      std::vector<std::string> remote;
      if (!r.remote_group_id.empty())
        for (const auto& [pid, m] : v.ports)
          if (std::find(m.security_groups.begin(), m.security_groups.end(), r.remote_group_id) !=
              m.security_groups.end())
            for (auto& a : MemberAddresses(m)) remote.push_back(a);
      if (!r.remote_group_id.empty())
        for (const auto& [mid, m] : v.group_members)
          if (std::find(m.security_groups.begin(), m.security_groups.end(), r.remote_group_id) !=
              m.security_groups.end())
            for (auto& a : MemberAddresses(m)) remote.push_back(a);
      if (auto rule = ResolveRule(r, remote)) sg.rules.push_back(*rule);
    }
    s.security_groups.push_back(sg);
  }

  SortBy(s.ports, [](const auto& x) { return x.id; });
  SortBy(s.remote_ports, [](const auto& x) { return x.network_id + " " + x.mac; });
  SortBy(s.arp_responder, [](const auto& x) { return x.network_id + " " + x.ip + " " + x.mac; });
  SortBy(s.gateway_arp_drop, [](const auto& x) { return x.network_id + " " + x.ip; });
  SortBy(s.routers, [](const auto& x) { return x.kind + " " + x.id; });
  SortBy(s.gateways, [](const auto& x) { return x.subnet_id; });
  SortBy(s.foreign_gateways, [](const auto& x) { return x.network_id + " " + x.mac; });
  SortBy(s.fip_gateways, [](const auto& x) { return x.network_id; });
  SortBy(s.dhcp_servers, [](const auto& x) { return x.network_id; });
  return s;
}

}  // namespace isthmus::cloud::reference
