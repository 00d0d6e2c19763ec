// HostState: the desired state of one host, the contract between a cloud
// controller (which computes it, cloud/desired_state.h) and the host's agent
// (which makes OVS and the namespaces match it, agent/). It is complete: the
// agent needs nothing else from the control plane. Served as JSON with a
// revision that only grows; docs/architecture.md, "HostState", documents it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace isthmus::state {

// A network present on this host (an instance port or a router leg on it).
struct LocalNetwork {
  std::string id;
  int vni = 0;                          // VXLAN segmentation ID, the same in every cloud
  int lvid = 0;                         // local VLAN on br-int, stable per (host, network)
  std::vector<std::string> flood_vteps; // VTEPs (any cloud, not this host) with ports on it
  bool operator==(const LocalNetwork&) const = default;
};

// An instance port bound to this host.
struct LocalPort {
  std::string id;  // OVS Interface external_ids:iface-id of its VIF
  std::string network_id;
  std::string mac;
  std::vector<std::string> ips;
  bool operator==(const LocalPort&) const = default;
};

// A port that lives on another host, of this cloud or another: fdb entry.
struct RemotePort {
  std::string network_id;
  std::string mac;
  std::string vtep;  // where to tunnel frames for this MAC
  bool operator==(const RemotePort&) const = default;
};

// One ARP-responder entry on br-tun (answer ARP for ip with mac, locally).
struct ArpEntry {
  std::string network_id;
  std::string ip;
  std::string mac;
  bool operator==(const ArpEntry&) const = default;
};

// One leg of a router instantiated on this host (a qr- device in qrouter-<id>).
struct RouterInterface {
  std::string port_id;
  std::string network_id;
  std::string subnet_id;
  std::string mac;  // the gateway MAC of this cloud on the subnet
  std::string ip;   // the gateway IP
  int prefix_len = 0;
  bool operator==(const RouterInterface&) const = default;
};

struct Neighbor {
  std::string ip;
  std::string mac;
  bool operator==(const Neighbor&) const = default;
};

// A router instantiated on this host: every DVR router of this cloud with a leg
// on a network that has an instance port here; a legacy router on its network node.
struct RouterInstance {
  std::string id;
  bool distributed = true;
  std::vector<RouterInterface> interfaces;
  std::vector<Neighbor> neighbors;  // permanent ARP: every port of its subnets, in any cloud
  bool operator==(const RouterInstance&) const = default;
};

// What a local instance must see as the source MAC of routed traffic on its
// subnet: the gateway MAC of its own cloud's router on that subnet.
struct SubnetGateway {
  std::string network_id;
  std::string subnet_id;
  std::string cidr;
  std::string ip;
  std::string mac;
  bool local = false;  // the router holding it has a leg on this host (DVR)
  bool operator==(const SubnetGateway&) const = default;
};

// A gateway MAC that another cloud's router uses on a network present here:
// frames carrying it as source are routed frames from that cloud.
struct ForeignGateway {
  std::string network_id;
  std::string mac;
  std::string cloud;
  bool operator==(const ForeignGateway&) const = default;
};

struct HostState {
  int64_t revision = 0;
  std::string host;
  std::string cloud;
  std::string role;
  std::string vtep_ip;
  std::string dvr_mac;                  // this host's own DVR MAC
  bool dvr_mac_federation = true;       // trust DVR MACs of other clouds' hosts
  std::string dvr_mac_space;            // "fa:16:3f:00:00:00/ff:ff:ff:00:00:00"
  std::vector<std::string> tunnels;     // remote VTEPs to keep a VXLAN port toward
  std::vector<LocalNetwork> networks;
  std::vector<LocalPort> ports;
  std::vector<RemotePort> remote_ports;
  std::vector<ArpEntry> arp_responder;
  std::vector<ArpEntry> gateway_arp_drop;  // ARP for these gateway IPs never leaves br-tun
  std::vector<RouterInstance> routers;
  std::vector<SubnetGateway> gateways;
  std::vector<ForeignGateway> foreign_gateways;
  std::vector<std::string> trusted_dvr_macs;  // other hosts' DVR MACs, any cloud
  bool operator==(const HostState&) const = default;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LocalNetwork, id, vni, lvid, flood_vteps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LocalPort, id, network_id, mac, ips)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RemotePort, network_id, mac, vtep)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ArpEntry, network_id, ip, mac)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RouterInterface, port_id, network_id, subnet_id,
                                                mac, ip, prefix_len)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Neighbor, ip, mac)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RouterInstance, id, distributed, interfaces,
                                                neighbors)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SubnetGateway, network_id, subnet_id, cidr, ip,
                                                mac, local)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ForeignGateway, network_id, mac, cloud)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HostState, revision, host, cloud, role, vtep_ip,
                                                dvr_mac, dvr_mac_federation, dvr_mac_space,
                                                tunnels, networks, ports, remote_ports,
                                                arp_responder, gateway_arp_drop, routers,
                                                gateways, foreign_gateways, trusted_dvr_macs)

}  // namespace isthmus::state
