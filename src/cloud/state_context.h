// StateContext: what the desired state of every host reads from the whole
// view (this cloud's router legs, serving legs, gateway addresses per subnet,
// DVR MAC trust, each network's ports bound elsewhere, each router's
// neighbours), computed once and shared by the hosts of one recompute, so a
// host costs what is on its own networks, not the federation's size. Parts
// per network and per router are computed on first use. The view must not
// change while a context on it is in use.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cloud/federation_view.h"
#include "cloud/subnet_serving.h"
#include "state/host_state.h"

namespace isthmus::cloud {

class StateContext {
 public:
  // `view` itself when its indexes are current, else an indexed copy.
  explicit StateContext(const FederationView& view, bool dvr_mac_federation = true);
  StateContext(const StateContext&) = delete;
  StateContext& operator=(const StateContext&) = delete;

  const FederationView& view() const { return *v_; }
  const SubnetServing& serving() const { return *serving_; }
  bool dvr_mac_federation() const { return dvr_mac_federation_; }
  // This cloud's network node (nullptr when it has none).
  const model::Host* network_node() const { return network_node_; }
  // The legs of one of this cloud's routers, in port ID order.
  const std::vector<const model::Port*>& Legs(const std::string& router_id) const;
  // The subnets of a network, by ID.
  const std::vector<const model::Subnet*>& SubnetsOf(const std::string& network_id) const;
  // The first address of every router leg (any cloud) on a subnet.
  const std::vector<std::string>& LegIps(const std::string& subnet_id) const;

  // The ports of a network bound to a known host with a VTEP, as the other
  // hosts see them, each with the host it is bound to.
  struct NetworkPorts {
    std::vector<std::pair<state::RemotePort, const model::Host*>> remote;  // by MAC
    std::vector<std::pair<state::ArpEntry, const model::Host*>> arp;       // by IP, then MAC
    std::vector<const model::Host*> hosts;  // the hosts of `remote`, once each, by VTEP: the flood lists
    std::vector<const model::Port*> router_legs;  // router interfaces on it (any cloud), port ID order
  };
  const NetworkPorts& Network(const std::string& network_id) const;
  // Permanent ARP of a router instance: every port (not a router leg) of its
  // legs' subnets, sorted (NeighborsOn).
  const std::vector<state::Neighbor>& Neighbors(const std::string& router_id) const;

  // A security group this cloud knows, its rules resolved (remote groups as
  // their members' addresses); nullptr for a group it does not know yet.
  const state::SecurityGroupRules* Group(const std::string& group_id) const;

  // DVR MAC trust (docs/architecture.md, "HostState"), without the part that
  // depends on the host (the clouds serving its subnets): every host of this
  // cloud, and (federated) every other cloud's host that routes here, as
  // (DVR MAC, host), sorted; the hosts of each other cloud likewise.
  const std::vector<std::pair<std::string, const model::Host*>>& trusted() const { return trusted_; }
  const std::vector<std::pair<std::string, const model::Host*>>& CloudHosts(const std::string& cloud) const;

 private:
  FederationView copy_;
  const FederationView* v_;
  std::optional<SubnetServing> serving_;
  bool dvr_mac_federation_;
  const model::Host* network_node_ = nullptr;
  std::map<std::string, std::vector<const model::Port*>> legs_;
  std::map<std::string, std::vector<const model::Subnet*>> subnets_by_network_;
  std::map<std::string, std::vector<std::string>> leg_ips_;
  std::vector<std::pair<std::string, const model::Host*>> trusted_;
  std::map<std::string, std::vector<std::pair<std::string, const model::Host*>>> cloud_hosts_;
  mutable std::map<std::string, NetworkPorts> networks_;
  mutable std::map<std::string, std::vector<state::Neighbor>> neighbors_;
  mutable std::map<std::string, std::optional<state::SecurityGroupRules>> groups_;
};

}  // namespace isthmus::cloud
