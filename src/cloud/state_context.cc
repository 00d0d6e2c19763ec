#include "cloud/state_context.h"

#include "cloud/security_groups.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace isthmus::cloud {
namespace {

using model::Port;

template <typename Map>
const typename Map::mapped_type& Find(const Map& m, const std::string& key) {
  static const typename Map::mapped_type kNone;
  auto it = m.find(key);
  return it == m.end() ? kNone : it->second;
}

}  // namespace

StateContext::StateContext(const FederationView& view, bool dvr_mac_federation)
    : v_(&view), dvr_mac_federation_(dvr_mac_federation) {
  if (!view.Indexed()) {
    copy_ = view;
    copy_.Reindex();
    v_ = &copy_;
  }
  const FederationView& v = *v_;
  serving_.emplace(v);
  network_node_ = v.NetworkNode(v.cloud);
  for (const Port* p : v.router_interfaces) {
    if (p->cloud == v.cloud && v.routers.count(p->device_id)) legs_[p->device_id].push_back(p);
    if (!p->fixed_ips.empty()) leg_ips_[p->fixed_ips[0].subnet_id].push_back(p->fixed_ips[0].ip_address);
  }
  for (const auto& [id, sub] : v.subnets) subnets_by_network_[sub.network_id].push_back(&sub);

  std::set<std::string> routing_clouds = v.OtherCloudsWithDistributedLegs();
  for (const auto& [name, h] : v.hosts) {
    if (h.dvr_mac.empty()) continue;
    if (h.cloud == v.cloud) {
      trusted_.push_back({h.dvr_mac, &h});
      continue;
    }
    cloud_hosts_[h.cloud].push_back({h.dvr_mac, &h});
    bool is_network_node = h.role == "network" && v.NetworkNode(h.cloud) == &h;
    bool routes_here = v.hosts_on_our_networks.count(name) || (is_network_node && routing_clouds.count(h.cloud));
    if (dvr_mac_federation_ && routes_here) trusted_.push_back({h.dvr_mac, &h});
  }
  std::sort(trusted_.begin(), trusted_.end());
  for (auto& [cloud, hosts] : cloud_hosts_) std::sort(hosts.begin(), hosts.end());
}

const std::vector<const Port*>& StateContext::Legs(const std::string& router_id) const {
  return Find(legs_, router_id);
}

const std::vector<const model::Subnet*>& StateContext::SubnetsOf(const std::string& network_id) const {
  return Find(subnets_by_network_, network_id);
}

const std::vector<std::string>& StateContext::LegIps(const std::string& subnet_id) const {
  return Find(leg_ips_, subnet_id);
}

const std::vector<std::pair<std::string, const model::Host*>>& StateContext::CloudHosts(
    const std::string& cloud) const {
  return Find(cloud_hosts_, cloud);
}

const StateContext::NetworkPorts& StateContext::Network(const std::string& network_id) const {
  auto [it, fresh] = networks_.try_emplace(network_id);
  NetworkPorts& n = it->second;
  if (!fresh) return n;
  const FederationView& v = *v_;
  std::set<const model::Host*> hosts;
  for (const Port* p : v.PortsOn(network_id)) {
    std::string bound = v.BoundHost(*p);
    if (bound.empty()) {
      if (p->IsRouterInterface()) n.router_legs.push_back(p);
      continue;
    }
    const model::Host* h = v.FindHost(bound);
    if (!h || h->vtep_ip.empty()) continue;
    hosts.insert(h);
    n.remote.push_back({{p->network_id, p->mac_address, h->vtep_ip}, h});
    for (const auto& f : p->fixed_ips) n.arp.push_back({{p->network_id, f.ip_address, p->mac_address}, h});
  }
  std::sort(n.remote.begin(), n.remote.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.mac, a.first.vtep) < std::tie(b.first.mac, b.first.vtep);
  });
  std::sort(n.arp.begin(), n.arp.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.ip, a.first.mac) < std::tie(b.first.ip, b.first.mac);
  });
  n.hosts.assign(hosts.begin(), hosts.end());
  std::sort(n.hosts.begin(), n.hosts.end(),
            [](const model::Host* a, const model::Host* b) { return a->vtep_ip < b->vtep_ip; });
  return n;
}

const std::vector<state::Neighbor>& StateContext::Neighbors(const std::string& router_id) const {
  auto [it, fresh] = neighbors_.try_emplace(router_id);
  std::vector<state::Neighbor>& out = it->second;
  if (!fresh) return out;
  const FederationView& v = *v_;
  std::set<std::string> subnets, networks;
  for (const Port* leg : Legs(router_id)) {
    if (leg->fixed_ips.empty() || !v.subnets.count(leg->fixed_ips[0].subnet_id)) continue;
    subnets.insert(leg->fixed_ips[0].subnet_id);
    networks.insert(leg->network_id);
  }
  for (const auto& net_id : networks)
    for (const Port* p : v.PortsOn(net_id)) {
      if (p->IsRouterInterface()) continue;
      for (const auto& f : p->fixed_ips)
        if (subnets.count(f.subnet_id)) out.push_back({f.ip_address, p->mac_address});
    }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return std::tie(a.ip, a.mac) < std::tie(b.ip, b.mac); });
  return out;
}

const state::SecurityGroupRules* StateContext::Group(const std::string& group_id) const {
  auto [it, fresh] = groups_.try_emplace(group_id);
  if (fresh && v_->security_groups.count(group_id)) {
    state::SecurityGroupRules g{group_id, {}};
    for (const model::SecurityGroupRule* r : v_->RulesOf(group_id)) {
      std::vector<std::string> remote;  // the remote group's members' addresses (sorted, once each)
      if (!r->remote_group_id.empty()) {
        const auto& addresses = v_->GroupAddresses(r->remote_group_id);
        remote.reserve(addresses.size());
        for (const auto& [a, members] : addresses) remote.push_back(a);
      }
      if (auto rule = ResolveRule(*r, std::move(remote))) g.rules.push_back(std::move(*rule));
    }
    it->second = std::move(g);
  }
  return it->second ? &*it->second : nullptr;
}

}  // namespace isthmus::cloud
