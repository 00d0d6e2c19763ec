#include "cloud/desired_state.h"

#include <algorithm>
#include <vector>

#include "common/net.h"

namespace isthmus::cloud {
namespace {

using model::Port;
using model::Router;

bool IsInstancePort(const Port& p) { return !p.IsRouterInterface() && !p.host.empty(); }

// A cloud's network node: its first host with role "network", by name. Every
// cloud applies the same rule, so each knows where the others' legacy routers are.
const model::Host* NetworkNode(const FederationView& v, const std::string& cloud) {
  for (const auto& [name, h] : v.hosts)
    if (h.cloud == cloud && h.role == "network") return &h;
  return nullptr;
}

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

// The view itself when its indexes are current, else an indexed copy.
const FederationView& Indexed(const FederationView& view, FederationView& copy) {
  if (view.Indexed()) return view;
  copy = view;
  copy.Reindex();
  return copy;
}

// Routers instantiated on a host: DVR routers with a leg on a network that has
// an instance port there; legacy routers on the network node.
std::vector<const Router*> HostRouters(const FederationView& v, const std::string& host) {
  std::vector<const Router*> out;
  auto legs = RouterLegs(v);
  auto nets = InstanceNetworks(v, host);
  const model::Host* nn = NetworkNode(v, v.cloud);
  for (const auto& [id, r] : v.routers) {
    if (r.cloud != v.cloud) continue;
    if (!r.distributed) {
      if (nn && nn->name == host) out.push_back(&r);
      continue;
    }
    for (const Port* leg : legs[id])
      if (nets.count(leg->network_id)) {
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

template <typename T, typename Key>
void SortBy(std::vector<T>& v, Key key) {
  std::sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
}

}  // namespace

std::set<std::string> HostNetworks(const FederationView& view, const std::string& host) {
  FederationView copy;
  const FederationView& v = Indexed(view, copy);
  std::set<std::string> nets = InstanceNetworks(v, host);
  auto legs = RouterLegs(v);
  for (const Router* r : HostRouters(v, host))
    for (const Port* leg : legs[r->id]) nets.insert(leg->network_id);
  return nets;
}

state::HostState ComputeHostState(const FederationView& view, const std::string& host_name,
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

  std::set<std::string> nets = HostNetworks(v, host_name);
  auto legs = RouterLegs(v);
  auto routers = HostRouters(v, host_name);
  const model::Host* nn = NetworkNode(v, v.cloud);
  std::set<std::string> routers_here;
  for (const Router* r : routers) routers_here.insert(r->id);

  // Networks with their flood lists (hosts of any cloud with instance ports).
  std::map<std::string, std::set<std::string>> flood;
  for (const auto& net_id : nets)
    for (const Port* p : v.PortsOn(net_id)) {
      if (!IsInstancePort(*p) || p->host == host_name) continue;
      if (const model::Host* h = v.FindHost(p->host); h && !h->vtep_ip.empty())
        flood[net_id].insert(h->vtep_ip);
    }
  for (const auto& net_id : nets) {
    auto n = v.networks.find(net_id);
    auto l = lvids.find(net_id);
    if (n == v.networks.end() || l == lvids.end()) continue;
    state::LocalNetwork ln{net_id, n->second.segmentation_id, l->second, {}};
    ln.flood_vteps.assign(flood[net_id].begin(), flood[net_id].end());
    s.networks.push_back(ln);
  }
  std::set<std::string> present;  // networks actually in s.networks
  for (const auto& n : s.networks) present.insert(n.id);

  // This cloud's gateway (router leg) per subnet.
  std::map<std::string, const Port*> own_gateway;  // subnet id -> leg
  for (const auto& [rid, ls] : legs)
    for (const Port* leg : ls)
      if (!leg->fixed_ips.empty()) own_gateway[leg->fixed_ips[0].subnet_id] = leg;

  std::set<std::string> tunnels;
  for (const auto& net_id : present)
  for (const Port* pp : v.PortsOn(net_id)) {
    const Port& p = *pp;
    if (IsInstancePort(p)) {
      std::vector<std::string> ips;
      for (const auto& f : p.fixed_ips) ips.push_back(f.ip_address);
      if (p.host == host_name) {
        s.ports.push_back({p.id, p.network_id, p.mac_address, ips});
        continue;
      }
      const model::Host* h = v.FindHost(p.host);
      if (!h || h->vtep_ip.empty()) continue;
      s.remote_ports.push_back({p.network_id, p.mac_address, h->vtep_ip});
      tunnels.insert(h->vtep_ip);
      for (const auto& ip : ips) s.arp_responder.push_back({p.network_id, ip, p.mac_address});
    } else if (p.IsRouterInterface()) {
      if (p.cloud != v.cloud) {
        s.foreign_gateways.push_back({p.network_id, p.mac_address, p.cloud});
        // Frames routed by another cloud's legacy router come from its network node.
        if (p.device_owner == model::kOwnerRouterInterface)
          if (const model::Host* fnn = NetworkNode(v, p.cloud); fnn && fnn->name != host_name)
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
  s.tunnels.assign(tunnels.begin(), tunnels.end());

  // Gateways of the subnets of this host's networks.
  std::set<std::pair<std::string, std::string>> drops;
  for (const auto& [sid, sub] : v.subnets) {
    if (!present.count(sub.network_id) || sub.gateway_ip.empty()) continue;
    auto g = own_gateway.find(sid);
    std::string mac = g != own_gateway.end() ? g->second->mac_address : "";
    // ARP for any cloud's gateway address on the subnet stays on the host:
    // one address in anycast mode, one per cloud in per-cloud mode.
    std::set<std::string> gateway_ips = {sub.gateway_ip};
    for (const Port* leg : v.router_interfaces)
      if (!leg->fixed_ips.empty() && leg->fixed_ips[0].subnet_id == sid)
        gateway_ips.insert(leg->fixed_ips[0].ip_address);
    for (const auto& ip : gateway_ips)
      if (drops.insert({sub.network_id, ip}).second)
        s.gateway_arp_drop.push_back({sub.network_id, ip, mac});
    if (g == own_gateway.end()) continue;
    s.gateways.push_back({sub.network_id, sid, sub.cidr, g->second->fixed_ips[0].ip_address, mac,
                          routers_here.count(g->second->device_id) > 0});
  }

  // Router instances: legs and permanent ARP for every port of their subnets.
  for (const Router* r : routers) {
    state::RouterInstance ri;
    ri.id = r->id;
    ri.distributed = r->distributed;
    std::set<std::string> subnets;
    for (const Port* leg : legs[r->id]) {
      if (leg->fixed_ips.empty()) continue;
      const auto& f = leg->fixed_ips[0];
      auto sub = v.subnets.find(f.subnet_id);
      if (sub == v.subnets.end()) continue;
      subnets.insert(f.subnet_id);
      ri.interfaces.push_back({leg->id, leg->network_id, f.subnet_id, leg->mac_address,
                               f.ip_address, PrefixLen(sub->second.cidr)});
    }
    std::set<std::string> leg_networks;
    for (const auto& i : ri.interfaces) leg_networks.insert(i.network_id);
    for (const auto& net_id : leg_networks)
      for (const Port* p : v.PortsOn(net_id)) {
        if (p->IsRouterInterface()) continue;
        for (const auto& f : p->fixed_ips)
          if (subnets.count(f.subnet_id)) ri.neighbors.push_back({f.ip_address, p->mac_address});
      }
    SortBy(ri.interfaces, [](const auto& x) { return x.port_id; });
    SortBy(ri.neighbors, [](const auto& x) { return x.ip + " " + x.mac; });
    s.routers.push_back(ri);
  }

  // DVR MAC trust: this cloud's other hosts always; other clouds' hosts that
  // have an instance port on one of this cloud's networks, when federated.
  std::set<std::string> trusted;
  for (const auto& [name, h] : v.hosts) {
    if (name == host_name || h.dvr_mac.empty()) continue;
    if (h.cloud == v.cloud || (options.dvr_mac_federation && v.hosts_on_our_networks.count(name)))
      trusted.insert(h.dvr_mac);
  }
  s.trusted_dvr_macs.assign(trusted.begin(), trusted.end());

  SortBy(s.ports, [](const auto& x) { return x.id; });
  SortBy(s.remote_ports, [](const auto& x) { return x.network_id + " " + x.mac; });
  SortBy(s.arp_responder, [](const auto& x) { return x.network_id + " " + x.ip + " " + x.mac; });
  SortBy(s.gateway_arp_drop, [](const auto& x) { return x.network_id + " " + x.ip; });
  SortBy(s.routers, [](const auto& x) { return x.id; });
  SortBy(s.gateways, [](const auto& x) { return x.subnet_id; });
  SortBy(s.foreign_gateways, [](const auto& x) { return x.network_id + " " + x.mac; });
  return s;
}

}  // namespace isthmus::cloud
