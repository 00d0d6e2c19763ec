#include "cloud/desired_state.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "cloud/security_groups.h"
#include "cloud/state_context.h"
#include "common/net.h"

namespace isthmus::cloud {
namespace {

using model::Port;
using model::Router;

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

// Routers instantiated on a host: DVR routers with a leg on a network that has
// an instance port there; on the network node, legacy routers and the DVR
// routers that serve a subnet to clouds without a router on it (requirement 7).
std::vector<const Router*> HostRouters(const StateContext& ctx, const std::string& host) {
  const FederationView& v = ctx.view();
  std::vector<const Router*> out;
  auto nets = InstanceNetworks(v, host);
  bool network_node = ctx.network_node() && ctx.network_node()->name == host;
  for (const auto& [id, r] : v.routers) {
    // A router with admin_state_up false is wired nowhere: it routes nothing.
    if (r.cloud != v.cloud || !r.admin_state_up) continue;
    if (!r.distributed) {
      if (network_node) out.push_back(&r);
      continue;
    }
    for (const Port* leg : ctx.Legs(id))
      if (nets.count(leg->network_id) || (network_node && ctx.serving().ServesOtherClouds(*leg))) {
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

// Sorts by key(x): a string, or a std::tie of strings (compared field by field,
// which orders as their concatenation with " " did: every character of these
// IDs, addresses and kinds sorts after the space; no string is built per compare).
template <typename T, typename Key>
void SortBy(std::vector<T>& v, Key key) {
  std::sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
}

// A router's extra routes that its instance can install: the nexthop on one
// of `legs`' subnets and none of their own addresses; one route per
// destination (the lowest nexthop), sorted.
std::vector<state::Route> ConnectedRoutes(const Router& r, const std::vector<state::RouterInterface>& legs) {
  std::vector<state::Route> out;
  for (const auto& route : r.routes) {
    auto hop = Ipv4::Parse(route.nexthop);
    if (!hop.ok() || !Cidr::Parse(route.destination).ok()) continue;
    bool connected = false, own = false;
    for (const auto& leg : legs) {
      auto ip = Ipv4::Parse(leg.ip);
      if (!ip.ok()) continue;
      own |= *ip == *hop;
      Cidr subnet{*ip, leg.prefix_len};
      connected |= Cidr{Ipv4{ip->v & subnet.Mask()}, leg.prefix_len}.Contains(*hop);
    }
    if (connected && !own) out.push_back({route.destination, route.nexthop});
  }
  SortBy(out, [](const auto& x) { return std::tie(x.destination, x.nexthop); });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.destination == b.destination; }),
            out.end());
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
  SortBy(out, [](const auto& x) { return std::tie(x.ip, x.mac); });
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
std::set<std::string> NetworksOf(const StateContext& ctx, const std::string& host,
                                 const std::vector<const Router*>& routers) {
  const FederationView& v = ctx.view();
  std::set<std::string> nets = InstanceNetworks(v, host);
  for (const Port* p : BoundPorts(v, host)) nets.insert(p->network_id);
  for (const Router* r : routers)
    for (const Port* leg : ctx.Legs(r->id)) nets.insert(leg->network_id);
  return nets;
}

// Appends `from`'s entries that live on another host than `self`.
template <typename T>
void AppendOthers(std::vector<T>& to, const std::vector<std::pair<T, const model::Host*>>& from,
                  const model::Host* self) {
  for (const auto& [x, h] : from)
    if (h != self) to.push_back(x);
}

// `base` (sorted) with `extra` merged in, by key.
template <typename T, typename Key>
void MergeSorted(std::vector<T>& base, std::vector<T>& extra, Key key) {
  if (extra.empty()) return;
  SortBy(extra, key);
  size_t mid = base.size();
  base.insert(base.end(), std::make_move_iterator(extra.begin()), std::make_move_iterator(extra.end()));
  std::inplace_merge(base.begin(), base.begin() + mid, base.end(),
                     [&](const T& a, const T& b) { return key(a) < key(b); });
}

}  // namespace

state::LocalPort LocalPortOf(const StateContext& ctx, const model::Port& p) {
  state::LocalPort lp{p.id, p.network_id, p.mac_address, {}, p.IsInstance() && p.port_security_enabled};
  for (const auto& f : p.fixed_ips) lp.ips.push_back(f.ip_address);
  if (!lp.port_security) return lp;
  lp.allowed_address_pairs = AddressPairs(p);
  for (const auto& g : p.security_groups)
    if (ctx.Group(g)) lp.security_groups.push_back(g);
  std::sort(lp.security_groups.begin(), lp.security_groups.end());
  lp.security_groups.erase(std::unique(lp.security_groups.begin(), lp.security_groups.end()), lp.security_groups.end());
  return lp;
}

std::vector<std::string> FloodVteps(const std::vector<const model::Host*>& hosts, const model::Host* self,
                                    const std::string* cloud) {
  std::vector<std::string> out;
  for (const model::Host* h : hosts)
    if (h != self && (!cloud || h->cloud == *cloud) && (out.empty() || out.back() != h->vtep_ip))
      out.push_back(h->vtep_ip);
  return out;
}

std::set<std::string> HostNetworks(const FederationView& view, const std::string& host) {
  return HostNetworks(StateContext(view), host);
}

std::set<std::string> HostNetworks(const StateContext& ctx, const std::string& host) {
  return NetworksOf(ctx, host, HostRouters(ctx, host));
}

state::HostState ComputeHostState(const FederationView& view, const std::string& host_name,
                                  const std::map<std::string, int>& lvids,
                                  const DesiredStateOptions& options) {
  return ComputeHostState(StateContext(view, options.dvr_mac_federation), host_name, lvids);
}

namespace {

// One host's state, built part by part from a StateContext (ComputeHostState).
class HostBuilder {
 public:
  HostBuilder(const StateContext& ctx, const std::string& host, const std::map<std::string, int>& lvids)
      : ctx_(ctx), v_(ctx.view()), name_(host), self_(v_.FindHost(host)), lvids_(lvids) {}

  state::HostState Build() {
    s_.host = name_;
    s_.cloud = v_.cloud;
    if (self_) {
      s_.role = self_->role;
      s_.vtep_ip = self_->vtep_ip;
      s_.dvr_mac = self_->dvr_mac;
    }
    s_.dvr_mac_federation = ctx_.dvr_mac_federation();
    s_.dvr_mac_space = "fa:16:3f:00:00:00/ff:ff:ff:00:00:00";
    const model::Host* nn = ctx_.network_node();
    network_node_ = nn && nn->name == name_;
    routers_ = HostRouters(ctx_, name_);
    for (const Router* r : routers_) routers_here_.insert(r->id);
    Networks();
    Ports();
    Gateways();
    std::set<uint32_t> fip_slots;
    for (const Router* r : routers_) s_.routers.push_back(RouterHere(*r, fip_slots));
    if (network_node_) SnatRouters();
    FipGateways();
    DhcpServers();
    Trust();
    Sort();
    return std::move(s_);
  }

 private:
  // Networks with their flood lists (hosts of any cloud with ports bound on them).
  void Networks() {
    for (const auto& net_id : NetworksOf(ctx_, name_, routers_)) {
      auto n = v_.networks.find(net_id);
      auto l = lvids_.find(net_id);
      if (n == v_.networks.end() || l == lvids_.end() || n->second.external) continue;
      const auto& hosts = ctx_.Network(net_id).hosts;
      s_.networks.push_back({net_id, n->second.segmentation_id, l->second, FloodVteps(hosts, self_, nullptr),
                             FloodVteps(hosts, self_, &v_.cloud)});
      present_.insert(net_id);
      for (const model::Host* h : hosts)
        if (h != self_) tunnels_.push_back(&h->vtep_ip);
    }
  }

  // This host's ports, the others' (fdb and ARP, shared by every host of the
  // network), and router legs: other clouds' gateways, this cloud's legacy legs.
  void Ports() {
    for (const Port* p : BoundPorts(v_, name_)) {
      // SNAT legs are plugged as legs of their snat- instance, below. An
      // instance port with admin_state_up false is not wired: no flows, no traffic.
      if (!present_.count(p->network_id) || p->device_owner == model::kOwnerRouterSnat) continue;
      if (p->IsInstance() && !p->admin_state_up) continue;
      s_.ports.push_back(LocalPortOf(ctx_, *p));
      for (const auto& g : s_.ports.back().security_groups)
        if (groups_.insert(g).second) s_.security_groups.push_back(*ctx_.Group(g));
    }
    const model::Host* nn = ctx_.network_node();
    for (const auto& net_id : present_) {
      const auto& n = ctx_.Network(net_id);
      AppendOthers(s_.remote_ports, n.remote, self_);
      AppendOthers(s_.arp_responder, n.arp, self_);
      for (const Port* p : n.router_legs) {
        if (p->cloud != v_.cloud) {
          s_.foreign_gateways.push_back({p->network_id, p->mac_address, p->cloud});
          // Frames routed by another cloud's legacy router come from its network node.
          if (p->device_owner == model::kOwnerRouterInterface)
            if (const model::Host* fnn = v_.NetworkNode(p->cloud); fnn && fnn->name != name_)
              tunnels_.push_back(&fnn->vtep_ip);
          continue;
        }
        auto r = v_.routers.find(p->device_id);
        if (r == v_.routers.end() || r->second.distributed) continue;
        // A legacy router leg lives on the network node.
        if (nn && nn->name != name_ && !nn->vtep_ip.empty()) {
          extra_remote_.push_back({p->network_id, p->mac_address, nn->vtep_ip});
          tunnels_.push_back(&nn->vtep_ip);
          for (const auto& f : p->fixed_ips) extra_arp_.push_back({p->network_id, f.ip_address, p->mac_address});
        }
      }
    }
  }

  // Gateways of the subnets of this host's networks: this cloud's router leg,
  // or the serving leg of another cloud (requirement 7), whose MAC is then
  // answered for here, switched only to that cloud's network node (never
  // flooded to every host of a DVR router) and trusted from it.
  void Gateways() {
    std::set<std::pair<std::string, std::string>> drops;
    for (const auto& net_id : present_)
      for (const model::Subnet* sub : ctx_.SubnetsOf(net_id)) {
        if (sub->gateway_ip.empty()) continue;
        const std::string& sid = sub->id;
        const Port* leg = ctx_.serving().GatewayLeg(sid, v_.cloud);
        std::string mac = leg ? leg->mac_address : "";
        // ARP for any cloud's gateway address on the subnet stays on the host:
        // one address in anycast mode, one per cloud in per-cloud mode.
        std::set<std::string> gateway_ips = {sub->gateway_ip};
        gateway_ips.insert(ctx_.LegIps(sid).begin(), ctx_.LegIps(sid).end());
        for (const auto& ip : gateway_ips)
          if (drops.insert({sub->network_id, ip}).second) s_.gateway_arp_drop.push_back({sub->network_id, ip, mac});
        if (!leg) continue;
        const std::string& ip = leg->fixed_ips[0].ip_address;
        s_.gateways.push_back({sub->network_id, sid, sub->cidr, ip, mac, routers_here_.count(leg->device_id) > 0});
        if (leg->cloud == v_.cloud) continue;
        const model::Host* server = v_.NetworkNode(leg->cloud);
        if (!server || server->vtep_ip.empty()) continue;
        extra_arp_.push_back({sub->network_id, ip, mac});
        extra_remote_.push_back({sub->network_id, mac, server->vtep_ip});
        serving_hosts_.insert(server->name);
        serving_clouds_.insert(leg->cloud);
      }
  }

  // A router instance: legs and permanent ARP for every port of their subnets;
  // north-south: gateway (legacy), SNAT routes and this host's floating IPs (DVR).
  state::RouterInstance RouterHere(const Router& r, std::set<uint32_t>& fip_slots) {
    state::RouterInstance ri;
    ri.id = r.id;
    ri.distributed = r.distributed;
    ri.kind = r.distributed ? "dvr" : "legacy";
    for (const Port* leg : ctx_.Legs(r.id)) {
      if (leg->fixed_ips.empty()) continue;
      const auto& f = leg->fixed_ips[0];
      const model::Subnet* sub = SubnetOf(v_, f.subnet_id);
      if (!sub) continue;
      ri.interfaces.push_back({leg->id, leg->network_id, f.subnet_id, leg->mac_address, f.ip_address,
                               PrefixLen(sub->cidr),
                               r.distributed && network_node_ && ctx_.serving().ServesOtherClouds(*leg)});
    }
    ri.neighbors = ctx_.Neighbors(r.id);
    state::ExternalGateway gw = GatewayOf(v_, r);
    if (!r.distributed) {
      ri.gateway = gw;
    } else if (!gw.port_id.empty() && r.enable_snat) {
      for (const Port* sg : RouterPorts(v_, r.id, model::kOwnerRouterSnat)) {
        if (sg->fixed_ips.empty()) continue;
        const model::Subnet* sub = SubnetOf(v_, sg->fixed_ips[0].subnet_id);
        for (const auto& i : ri.interfaces)
          if (sub && i.subnet_id == sub->id)
            ri.snat_routes.push_back({sub->cidr, sg->fixed_ips[0].ip_address, i.port_id});
      }
    }
    for (const auto& [fid, fip] : v_.floatingips) {
      if (fip.router_id != r.id || fip.port_id.empty()) continue;
      auto port = v_.ports.find(fip.port_id);
      if (port == v_.ports.end()) continue;
      if (r.distributed && port->second.host != name_) continue;
      ri.floating_ips.push_back({fip.floating_ip_address, fip.fixed_ip_address, fip.port_id});
    }
    if (r.distributed && !ri.floating_ips.empty() && !gw.port_id.empty()) {
      ri.fip_link = FipLinkFor(r.id, gw.network_id, fip_slots);
      fip_networks_.insert(gw.network_id);
    }
    SortBy(ri.interfaces, [](const auto& x) { return x.port_id; });
    ri.routes = ConnectedRoutes(r, ri.interfaces);
    SortBy(ri.snat_routes, [](const auto& x) { return x.cidr; });
    SortBy(ri.floating_ips, [](const auto& x) { return x.floating_ip; });
    return ri;
  }

  // Centralized SNAT of this cloud's DVR routers, on its network node.
  void SnatRouters() {
    for (const auto& [rid, r] : v_.routers) {
      if (r.cloud != v_.cloud || !r.distributed || r.gateway_network_id.empty() || !r.admin_state_up) continue;
      state::RouterInstance sn;
      sn.id = rid;
      sn.kind = "snat";
      sn.gateway = GatewayOf(v_, r);
      if (sn.gateway.port_id.empty()) continue;
      std::set<std::string> subnets, networks;
      for (const Port* sg : RouterPorts(v_, rid, model::kOwnerRouterSnat)) {
        if (sg->fixed_ips.empty()) continue;
        const auto& f = sg->fixed_ips[0];
        const model::Subnet* sub = SubnetOf(v_, f.subnet_id);
        if (!sub || !present_.count(sg->network_id)) continue;
        subnets.insert(f.subnet_id);
        networks.insert(sg->network_id);
        sn.interfaces.push_back({sg->id, sg->network_id, f.subnet_id, sg->mac_address, f.ip_address,
                                 PrefixLen(sub->cidr)});
      }
      sn.neighbors = NeighborsOn(v_, networks, subnets);
      std::erase_if(sn.neighbors, [&](const state::Neighbor& n) {
        return std::any_of(sn.interfaces.begin(), sn.interfaces.end(), [&](const auto& i) { return i.ip == n.ip; });
      });
      SortBy(sn.interfaces, [](const auto& x) { return x.port_id; });
      sn.routes = ConnectedRoutes(r, sn.interfaces);
      s_.routers.push_back(sn);
    }
  }

  // This host's floating-IP gateways (DVR), one per external network in use here.
  void FipGateways() {
    for (const Port* fg : PortsIn(v_.fip_agent_ports, name_)) {
      const Port& p = *fg;
      if (!fip_networks_.count(p.network_id) || p.fixed_ips.empty()) continue;
      const model::Subnet* sub = SubnetOf(v_, p.fixed_ips[0].subnet_id);
      if (!sub) continue;
      s_.fip_gateways.push_back({p.network_id, p.id, p.mac_address, p.fixed_ips[0].ip_address,
                                 PrefixLen(sub->cidr), sub->gateway_ip});
    }
  }

  // DHCP servers of this cloud bound here (its network node): each answers
  // this cloud's instance ports only, and hands out this cloud's gateway.
  void DhcpServers() {
    for (const Port* p : BoundPorts(v_, name_)) {
      if (p->device_owner != model::kOwnerDhcp || p->cloud != v_.cloud || !present_.count(p->network_id))
        continue;
      state::DhcpServer d;
      d.network_id = p->network_id;
      d.port_id = p->id;
      d.mac = p->mac_address;
      std::set<std::string> served;
      for (const auto& f : p->fixed_ips) {
        const model::Subnet* sub = SubnetOf(v_, f.subnet_id);
        if (!sub || !sub->enable_dhcp) continue;
        d.ip_cidrs.push_back(f.ip_address + "/" + std::to_string(PrefixLen(sub->cidr)));
        const Port* leg = ctx_.serving().GatewayLeg(sub->id, v_.cloud);
        std::string router = leg ? leg->fixed_ips[0].ip_address : sub->gateway_ip;
        std::vector<state::Route> host_routes;
        for (const auto& hr : sub->host_routes) host_routes.push_back({hr.destination, hr.nexthop});
        d.subnets.push_back({sub->id, sub->cidr, router, sub->dns_nameservers, std::move(host_routes)});
        served.insert(sub->id);
      }
      for (const Port* q : v_.PortsOn(p->network_id)) {
        if (!q->IsInstance() || q->cloud != v_.cloud) continue;
        for (const auto& f : q->fixed_ips)
          if (served.count(f.subnet_id)) {
            d.hosts.push_back({q->mac_address, f.ip_address, Hostname(f.ip_address)});
            break;
          }
      }
      SortBy(d.hosts, [](const auto& x) { return x.mac; });
      s_.dhcp_servers.push_back(d);
    }
  }

  // DVR MAC trust: this cloud's other hosts always; when federated, other
  // clouds' hosts that have an instance port on one of this cloud's networks,
  // the network nodes of clouds with a DVR router on one (the context's
  // list), and every host of a cloud serving a subnet here (requirement 7: its
  // router routes here from any of its hosts, also from subnets this cloud
  // does not know). Frames routed here by another cloud's host come over a
  // tunnel to it, so each has one.
  void Trust() {
    auto add = [&](const std::string& mac, const model::Host* h) {
      if (h == self_ || h->name == name_) return;
      s_.trusted_dvr_macs.push_back(mac);
      if (h->cloud != v_.cloud && !s_.networks.empty() && !h->vtep_ip.empty()) tunnels_.push_back(&h->vtep_ip);
    };
    for (const auto& [mac, h] : ctx_.trusted()) add(mac, h);
    if (ctx_.dvr_mac_federation())
      for (const auto& cloud : serving_clouds_)
        for (const auto& [mac, h] : ctx_.CloudHosts(cloud)) add(mac, h);
    if (!serving_clouds_.empty()) std::sort(s_.trusted_dvr_macs.begin(), s_.trusted_dvr_macs.end());
    s_.trusted_dvr_macs.erase(std::unique(s_.trusted_dvr_macs.begin(), s_.trusted_dvr_macs.end()),
                              s_.trusted_dvr_macs.end());
    for (const auto& name : serving_hosts_)
      if (const model::Host* h = v_.FindHost(name)) tunnels_.push_back(&h->vtep_ip);
    // Each host's VTEP once (by address: a VTEP comes once per network), then by value.
    std::sort(tunnels_.begin(), tunnels_.end());
    tunnels_.erase(std::unique(tunnels_.begin(), tunnels_.end()), tunnels_.end());
    for (const std::string* vtep : tunnels_) s_.tunnels.push_back(*vtep);
    std::sort(s_.tunnels.begin(), s_.tunnels.end());
    s_.tunnels.erase(std::unique(s_.tunnels.begin(), s_.tunnels.end()), s_.tunnels.end());
  }

  void Sort() {
    SortBy(s_.ports, [](const auto& x) { return x.id; });
    // Remote ports and ARP entries come sorted per network, networks in ID order.
    MergeSorted(s_.remote_ports, extra_remote_, [](const auto& x) { return std::tie(x.network_id, x.mac); });
    MergeSorted(s_.arp_responder, extra_arp_, [](const auto& x) { return std::tie(x.network_id, x.ip, x.mac); });
    SortBy(s_.gateway_arp_drop, [](const auto& x) { return std::tie(x.network_id, x.ip); });
    SortBy(s_.routers, [](const auto& x) { return std::tie(x.kind, x.id); });
    SortBy(s_.gateways, [](const auto& x) { return x.subnet_id; });
    SortBy(s_.foreign_gateways, [](const auto& x) { return std::tie(x.network_id, x.mac); });
    SortBy(s_.fip_gateways, [](const auto& x) { return x.network_id; });
    SortBy(s_.dhcp_servers, [](const auto& x) { return x.network_id; });
    SortBy(s_.security_groups, [](const auto& x) { return x.id; });
  }

  const StateContext& ctx_;
  const FederationView& v_;
  const std::string& name_;
  const model::Host* self_;
  const std::map<std::string, int>& lvids_;
  state::HostState s_;
  bool network_node_ = false;
  std::vector<const Router*> routers_;
  std::set<std::string> routers_here_, present_, fip_networks_, serving_hosts_, serving_clouds_, groups_;
  std::vector<const std::string*> tunnels_;  // VTEPs of the view's hosts
  std::vector<state::RemotePort> extra_remote_;
  std::vector<state::ArpEntry> extra_arp_;
};

}  // namespace

state::HostState ComputeHostState(const StateContext& ctx, const std::string& host,
                                  const std::map<std::string, int>& lvids) {
  return HostBuilder(ctx, host, lvids).Build();
}

}  // namespace isthmus::cloud
