// FederationView: this cloud's in-memory copy of what central pushed (clouds,
// hosts of every cloud, its networks with their subnets and ports in every
// cloud, its routers) plus the hosts registered here. Plain data, indexed for
// the desired-state computation; the controller owns the only instance.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/resources.h"

namespace isthmus::cloud {

struct FederationView {
  FederationView() = default;
  // A copy has no index (it would point into the original); a move keeps it
  // (std::map nodes, and so the pointers, move with the map).
  FederationView(const FederationView& o) { *this = o; }
  FederationView& operator=(const FederationView& o) {
    if (this == &o) return *this;
    cloud = o.cloud;
    clouds = o.clouds;
    hosts = o.hosts;
    networks = o.networks;
    subnets = o.subnets;
    ports = o.ports;
    routers = o.routers;
    floatingips = o.floatingips;
    security_groups = o.security_groups;
    security_group_rules = o.security_group_rules;
    group_members = o.group_members;
    ClearIndex();
    return *this;
  }
  FederationView(FederationView&&) = default;
  FederationView& operator=(FederationView&&) = default;

  std::string cloud;  // this cloud's name
  std::map<std::string, model::Cloud> clouds;
  std::map<std::string, model::Host> hosts;  // every cloud's, by name
  std::map<std::string, model::Network> networks;
  std::map<std::string, model::Subnet> subnets;
  std::map<std::string, model::Port> ports;
  std::map<std::string, model::Router> routers;
  std::map<std::string, model::FloatingIp> floatingips;
  std::map<std::string, model::SecurityGroup> security_groups;  // every project's
  std::map<std::string, model::SecurityGroupRule> security_group_rules;
  // Members of groups whose ports are on networks this cloud does not have
  // (central sends one where a rule here names one of its groups as remote).
  std::map<std::string, model::GroupMember> group_members;

  // Indexes over `ports`: rebuilt whole by Reindex() after a change to the
  // maps above, or kept current port by port (UnindexPort before a port, or
  // the network or host its keys depend on, changes; IndexPort after). Every
  // vector is in port ID order either way, so both give the same index. The
  // desired-state computation falls back to a private copy when the index is
  // stale, so a forgotten Reindex costs time, never correctness.
  std::map<std::string, std::vector<const model::Port*>> ports_by_network;
  std::map<std::string, std::vector<const model::Port*>> ports_by_subnet;  // by every fixed IP's subnet
  std::map<std::string, std::vector<const model::Port*>> ports_by_host;  // instance ports
  std::map<std::string, std::vector<const model::Port*>> bound_by_host;  // every port on a br-int
  std::vector<const model::Port*> router_interfaces;                     // every cloud's
  // Gateway and SNAT ports by router id; FIP agent gateway ports by host.
  std::map<std::string, std::vector<const model::Port*>> router_ports;
  std::map<std::string, std::vector<const model::Port*>> fip_agent_ports;
  // Security groups -> their member ports (those listing the group).
  std::map<std::string, std::vector<const model::Port*>> ports_by_group;
  // Security groups -> the hosts their member ports are bound to (BoundHost)
  // -> how many: who reads a group's members, without a scan of them.
  std::map<std::string, std::map<std::string, int>> group_hosts;
  // Rules by their group, and by their remote group (rule ID order); kept by
  // IndexRule/UnindexRule around a rule's change, rebuilt by Reindex().
  std::map<std::string, std::vector<const model::SecurityGroupRule*>> rules_by_group;
  std::map<std::string, std::vector<const model::SecurityGroupRule*>> rules_by_remote_group;
  size_t indexed_rules = static_cast<size_t>(-1);
  // Groups -> the group member records listing them (IndexMember/UnindexMember, Reindex).
  std::map<std::string, std::vector<const model::GroupMember*>> members_by_group;
  size_t indexed_members = static_cast<size_t>(-1);
  // Groups -> the addresses of their members (ports and member records,
  // MemberAddresses) -> how many members have each: a remote group's
  // addresses, sorted, without a pass over its members at each recompute.
  std::map<std::string, std::map<std::string, int>> addresses_by_group;
  // Hosts (any cloud) with an instance port on one of our networks -> how many.
  std::map<std::string, int> hosts_on_our_networks;
  size_t indexed_ports = static_cast<size_t>(-1);
  // Each cloud's network node (NetworkNode below), built by Reindex() from
  // `hosts`; a change to `hosts` is followed by a Reindex() (LiveView does).
  std::map<std::string, const model::Host*> network_nodes;
  size_t indexed_hosts = static_cast<size_t>(-1);

  void ClearIndex();
  void Reindex();
  // The keys of `p` are computed from the view as it is: unindex a port with
  // the networks and hosts it was indexed with.
  void IndexPort(const model::Port& p);
  void UnindexPort(const model::Port& p);
  void IndexRule(const model::SecurityGroupRule& r);
  void UnindexRule(const model::SecurityGroupRule& r);
  void IndexMember(const model::GroupMember& m);
  void UnindexMember(const model::GroupMember& m);

  // A cloud's network node: its first host with role "network", by name. Every
  // cloud applies the same rule, so each knows where the others' DHCP servers,
  // SNAT legs and legacy routers are.
  // O(log clouds) from the index when it is current, else a scan of `hosts`.
  const model::Host* NetworkNode(const std::string& cloud_name) const {
    if (indexed_hosts == hosts.size()) {
      auto it = network_nodes.find(cloud_name);
      return it == network_nodes.end() ? nullptr : it->second;
    }
    return ScanNetworkNode(cloud_name);
  }
  const model::Host* ScanNetworkNode(const std::string& cloud_name) const {
    for (const auto& [name, h] : hosts)
      if (h.cloud == cloud_name && h.role == "network") return &h;
    return nullptr;
  }

  // The host whose br-int holds a port: an instance's host; the network node of
  // the port's cloud for DHCP and SNAT ports; "" for router legs (placed with
  // their router) and for ports on external networks (br-ex, not br-int).
  std::string BoundHost(const model::Port& p) const {
    auto net = networks.find(p.network_id);
    if (net != networks.end() && net->second.external) return "";
    if (p.IsInstance()) return p.host;
    if (p.OnNetworkNode())
      if (const model::Host* nn = NetworkNode(p.cloud)) return nn->name;
    return "";
  }
  bool IsExternal(const std::string& network_id) const {
    auto net = networks.find(network_id);
    return net != networks.end() && net->second.external;
  }
  bool Indexed() const {
    return indexed_ports == ports.size() && indexed_rules == security_group_rules.size() &&
           indexed_members == group_members.size();
  }
  // The other clouds with a distributed router leg on one of our networks
  // (their network nodes may route onto them; every host's trust reads it).
  std::set<std::string> OtherCloudsWithDistributedLegs() const {
    std::set<std::string> out;
    for (const model::Port* leg : router_interfaces)
      if (leg->cloud != cloud && leg->device_owner == model::kOwnerRouterInterfaceDistributed)
        out.insert(leg->cloud);
    return out;
  }

  const model::Host* FindHost(const std::string& name) const {
    auto it = hosts.find(name);
    return it == hosts.end() ? nullptr : &it->second;
  }
  const std::vector<const model::Port*>& PortsOn(const std::string& network_id) const {
    static const std::vector<const model::Port*> kNone;
    auto it = ports_by_network.find(network_id);
    return it == ports_by_network.end() ? kNone : it->second;
  }
  const std::vector<const model::Port*>& GroupMembers(const std::string& group_id) const {
    static const std::vector<const model::Port*> kNone;
    auto it = ports_by_group.find(group_id);
    return it == ports_by_group.end() ? kNone : it->second;
  }
  // The member records (ports of other clouds' networks) of a group.
  const std::vector<const model::GroupMember*>& OtherCloudMembers(const std::string& group_id) const {
    static const std::vector<const model::GroupMember*> kNone;
    auto it = members_by_group.find(group_id);
    return it == members_by_group.end() ? kNone : it->second;
  }
  // The addresses of a group's members (ports and member records), sorted.
  const std::map<std::string, int>& GroupAddresses(const std::string& group_id) const {
    static const std::map<std::string, int> kNone;
    auto it = addresses_by_group.find(group_id);
    return it == addresses_by_group.end() ? kNone : it->second;
  }
  const std::vector<const model::SecurityGroupRule*>& RulesOf(const std::string& group_id) const {
    static const std::vector<const model::SecurityGroupRule*> kNone;
    auto it = rules_by_group.find(group_id);
    return it == rules_by_group.end() ? kNone : it->second;
  }
  // Rules whose remote group is `group_id`: the readers of its members' addresses.
  const std::vector<const model::SecurityGroupRule*>& RulesWithRemote(const std::string& group_id) const {
    static const std::vector<const model::SecurityGroupRule*> kNone;
    auto it = rules_by_remote_group.find(group_id);
    return it == rules_by_remote_group.end() ? kNone : it->second;
  }
};

}  // namespace isthmus::cloud
