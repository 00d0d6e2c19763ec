#include "cloud/federation_view.h"

#include <algorithm>

#include "cloud/security_groups.h"

namespace isthmus::cloud {
namespace {

// Index vectors of ports or rules, kept in ID order.
template <typename T>
bool ById(const T* a, const T* b) { return a->id < b->id; }

template <typename T>
void Insert(std::vector<const T*>& v, const T* p) {
  v.insert(std::lower_bound(v.begin(), v.end(), p, ById<T>), p);
}

template <typename Map, typename T>
void Insert(Map& index, const std::string& key, const T* p) {
  Insert(index[key], p);
}

template <typename T>
void Remove(std::vector<const T*>& v, const T* p) {
  for (auto it = std::lower_bound(v.begin(), v.end(), p, ById<T>); it != v.end() && (*it)->id == p->id; ++it)
    if (*it == p) {
      v.erase(it);
      return;
    }
}

template <typename Map, typename T>
void Remove(Map& index, const std::string& key, const T* p) {
  auto it = index.find(key);
  if (it == index.end()) return;
  Remove(it->second, p);
  if (it->second.empty()) index.erase(it);
}

// Each of `addresses` counted once more (by +1) or less (by -1) in each group.
void CountAddresses(std::map<std::string, std::map<std::string, int>>& index, const std::vector<std::string>& groups,
                    const std::vector<std::string>& addresses, int by) {
  if (addresses.empty()) return;
  for (const auto& g : groups) {
    auto& counts = index[g];
    for (const auto& a : addresses) {
      auto it = counts.try_emplace(a, 0).first;
      if ((it->second += by) <= 0) counts.erase(it);
    }
    if (counts.empty()) index.erase(g);
  }
}

}  // namespace

void FederationView::ClearIndex() {
  ports_by_network.clear();
  ports_by_subnet.clear();
  ports_by_host.clear();
  bound_by_host.clear();
  router_interfaces.clear();
  router_ports.clear();
  fip_agent_ports.clear();
  ports_by_group.clear();
  group_hosts.clear();
  rules_by_group.clear();
  rules_by_remote_group.clear();
  indexed_rules = static_cast<size_t>(-1);
  members_by_group.clear();
  indexed_members = static_cast<size_t>(-1);
  addresses_by_group.clear();
  hosts_on_our_networks.clear();
  indexed_ports = static_cast<size_t>(-1);
  network_nodes.clear();
  indexed_hosts = static_cast<size_t>(-1);
}

void FederationView::Reindex() {
  ClearIndex();
  // Network nodes first: they decide where DHCP and SNAT ports are bound.
  for (const auto& [name, h] : hosts)
    if (h.role == "network") network_nodes.emplace(h.cloud, &h);  // the first by name stays
  indexed_hosts = hosts.size();
  indexed_ports = 0;
  for (const auto& [id, p] : ports) IndexPort(p);
  indexed_rules = 0;
  for (const auto& [id, r] : security_group_rules) IndexRule(r);
  indexed_members = 0;
  for (const auto& [id, m] : group_members) IndexMember(m);
}

void FederationView::IndexMember(const model::GroupMember& m) {
  ++indexed_members;
  for (const auto& g : m.security_groups) Insert(members_by_group, g, &m);
  CountAddresses(addresses_by_group, m.security_groups, MemberAddresses(m), 1);
}

void FederationView::UnindexMember(const model::GroupMember& m) {
  --indexed_members;
  for (const auto& g : m.security_groups) Remove(members_by_group, g, &m);
  CountAddresses(addresses_by_group, m.security_groups, MemberAddresses(m), -1);
}

void FederationView::IndexRule(const model::SecurityGroupRule& r) {
  ++indexed_rules;
  Insert(rules_by_group, r.security_group_id, &r);
  if (!r.remote_group_id.empty()) Insert(rules_by_remote_group, r.remote_group_id, &r);
}

void FederationView::UnindexRule(const model::SecurityGroupRule& r) {
  --indexed_rules;
  Remove(rules_by_group, r.security_group_id, &r);
  if (!r.remote_group_id.empty()) Remove(rules_by_remote_group, r.remote_group_id, &r);
}

// Reindex() and the port-by-port updates go through these two only, so the
// index is the same whichever way it was built.
void FederationView::IndexPort(const model::Port& p) {
  ++indexed_ports;
  Insert(ports_by_network, p.network_id, &p);
  for (const auto& f : p.fixed_ips) Insert(ports_by_subnet, f.subnet_id, &p);
  for (const auto& g : p.security_groups) Insert(ports_by_group, g, &p);
  CountAddresses(addresses_by_group, p.security_groups, MemberAddresses(p), 1);
  if (p.IsRouterInterface()) {
    Insert(router_interfaces, &p);
    return;
  }
  if (p.device_owner == model::kOwnerRouterGateway || p.device_owner == model::kOwnerRouterSnat)
    Insert(router_ports, p.device_id, &p);
  if (p.device_owner == model::kOwnerFipAgentGateway) Insert(fip_agent_ports, p.host, &p);
  std::string host = BoundHost(p);
  if (host.empty()) return;
  for (const auto& g : p.security_groups) ++group_hosts[g][host];
  Insert(bound_by_host, host, &p);
  if (!p.IsInstance()) return;
  Insert(ports_by_host, host, &p);
  if (networks.count(p.network_id)) ++hosts_on_our_networks[host];
}

void FederationView::UnindexPort(const model::Port& p) {
  --indexed_ports;
  Remove(ports_by_network, p.network_id, &p);
  for (const auto& f : p.fixed_ips) Remove(ports_by_subnet, f.subnet_id, &p);
  for (const auto& g : p.security_groups) Remove(ports_by_group, g, &p);
  CountAddresses(addresses_by_group, p.security_groups, MemberAddresses(p), -1);
  if (p.IsRouterInterface()) {
    Remove(router_interfaces, &p);
    return;
  }
  if (p.device_owner == model::kOwnerRouterGateway || p.device_owner == model::kOwnerRouterSnat)
    Remove(router_ports, p.device_id, &p);
  if (p.device_owner == model::kOwnerFipAgentGateway) Remove(fip_agent_ports, p.host, &p);
  std::string host = BoundHost(p);
  if (host.empty()) return;
  for (const auto& g : p.security_groups) {
    auto group = group_hosts.find(g);
    if (group == group_hosts.end()) continue;
    auto it = group->second.find(host);
    if (it != group->second.end() && --it->second <= 0) group->second.erase(it);
    if (group->second.empty()) group_hosts.erase(group);
  }
  Remove(bound_by_host, host, &p);
  if (!p.IsInstance()) return;
  Remove(ports_by_host, host, &p);
  if (networks.count(p.network_id)) {
    auto it = hosts_on_our_networks.find(host);
    if (it != hosts_on_our_networks.end() && --it->second <= 0) hosts_on_our_networks.erase(it);
  }
}

}  // namespace isthmus::cloud
