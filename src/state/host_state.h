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

#include "common/status.h"

namespace isthmus::state {

// A network present on this host (an instance port or a router leg on it).
struct LocalNetwork {
  std::string id;
  int vni = 0;                          // VXLAN segmentation ID, the same in every cloud
  int lvid = 0;                         // local VLAN on br-int, stable per (host, network)
  std::vector<std::string> flood_vteps; // VTEPs (any cloud, not this host) with ports on it
  // The subset of flood_vteps in this host's own cloud: DHCP broadcasts (UDP
  // 67/68) go only there, so a lease never crosses clouds.
  std::vector<std::string> cloud_flood_vteps;
  bool operator==(const LocalNetwork&) const = default;
};

// An extra address a port may send from and receive for (allowed address
// pair): `cidr` is "a.b.c.d/32" for one address, or a whole prefix.
struct AddressPair {
  std::string cidr;
  std::string mac;
  bool operator==(const AddressPair&) const = default;
};

// A port bound to this host: an instance's VIF (plugged by Nova, or the lab),
// or a DHCP server's port (plugged by the agent, port security off).
struct LocalPort {
  std::string id;  // OVS Interface external_ids:iface-id of its VIF
  std::string network_id;
  std::string mac;
  std::vector<std::string> ips;
  // Anti-spoofing of MAC and IPs (tables 24, 25) and the security groups'
  // rules (tables 71-72, 81-82). Off: the port sends and receives anything.
  bool port_security = true;
  std::vector<AddressPair> allowed_address_pairs;  // port security on only
  // Its groups this cloud knows (ids into HostState::security_groups, sorted);
  // a group not known yet contributes no rule (fail closed).
  std::vector<std::string> security_groups;
  bool operator==(const LocalPort&) const = default;
};

// One IPv4 rule of a security group, resolved for the agent: what it allows
// toward the group's member ports (ingress) or from them (egress).
struct SecurityRule {
  std::string id;
  std::string direction;  // "ingress" or "egress"
  int protocol = -1;      // IP protocol number 0..255; -1 = any
  // tcp, udp, sctp: the destination port range; icmp: type (min) and code
  // (max); -1 = any.
  int port_range_min = -1;
  int port_range_max = -1;
  std::string remote_ip_prefix;  // "" = any remote; else a CIDR
  // "" = none; else the remote is limited to `remote_ips`: the fixed and
  // allowed-pair addresses (CIDRs) of that group's member ports this cloud
  // knows (none: the rule matches nothing).
  std::string remote_group_id;
  std::vector<std::string> remote_ips;
  bool operator==(const SecurityRule&) const = default;
};

// A security group some local port is in, with its IPv4 rules (by rule id).
struct SecurityGroupRules {
  std::string id;
  std::vector<SecurityRule> rules;
  bool operator==(const SecurityGroupRules&) const = default;
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
  // A DVR leg that this host (its cloud's network node) routes for clouds
  // without a router on the subnet (requirement 7): frames to its MAC may
  // arrive over a tunnel here, and only here.
  bool serves_other_clouds = false;
  bool operator==(const RouterInterface&) const = default;
};

// A static route: `destination` (a CIDR) via `nexthop`, an address on a
// connected subnet. A router's extra routes (extraroute), and a subnet's host
// routes offered by DHCP (option 121).
struct Route {
  std::string destination;
  std::string nexthop;
  bool operator==(const Route&) const = default;
};

struct Neighbor {
  std::string ip;
  std::string mac;
  bool operator==(const Neighbor&) const = default;
};

// A router's leg on its external network: a qg- device on br-ex.
struct ExternalGateway {
  std::string port_id;  // "" = the router has no gateway here
  std::string network_id;
  std::string mac;
  std::string ip;
  int prefix_len = 0;
  std::string gateway_ip;  // the external subnet's gateway: the default route
  bool enable_snat = true;
  bool operator==(const ExternalGateway&) const = default;
};

// Traffic from `cidr` with no better route goes to `via` (a DVR router's SNAT
// leg on the network node) through the router leg of `port_id`.
struct SnatRoute {
  std::string cidr;
  std::string via;
  std::string port_id;
  bool operator==(const SnatRoute&) const = default;
};

struct FloatingIpNat {
  std::string floating_ip;
  std::string fixed_ip;
  std::string port_id;  // the instance port
  bool operator==(const FloatingIpNat&) const = default;
};

// The link between a DVR router and its host's fip- namespace: rfp- (router
// side) and fpr- (fip side) veth ends, a /31 from 169.254.64.0/18.
struct FipLink {
  std::string network_id;  // the external network (fip-<network_id>)
  std::string router_side; // "169.254.64.0"
  std::string fip_side;    // "169.254.64.1"
  bool operator==(const FipLink&) const = default;
};

// A router instantiated on this host, in one of three kinds:
//  "dvr":    qrouter-<id> on every host with an instance port on one of its
//            networks: qr- legs, SNAT routes toward the network node, and the
//            floating IPs of this host's instances (through fip_link);
//  "legacy": qrouter-<id> on the network node: qr- legs, qg- gateway, SNAT and
//            every floating IP of the router;
//  "snat":   snat-<id> on the network node for a DVR router with a gateway:
//            sg- legs (`interfaces`, not gateway addresses) and the qg- gateway.
struct RouterInstance {
  std::string id;
  bool distributed = true;
  std::string kind = "dvr";
  std::vector<RouterInterface> interfaces;
  std::vector<Neighbor> neighbors;  // permanent ARP: every port of its subnets, in any cloud
  ExternalGateway gateway;          // legacy and snat
  std::vector<SnatRoute> snat_routes;          // dvr
  std::vector<FloatingIpNat> floating_ips;     // dvr (this host's) and legacy (all)
  FipLink fip_link;                            // dvr with floating_ips
  // The router's extra routes whose nexthop lies on one of `interfaces`'
  // subnets (every kind), sorted: in the namespace's main table.
  std::vector<Route> routes;
  bool operator==(const RouterInstance&) const = default;
};

// This host's floating-IP gateway on an external network (DVR): namespace
// fip-<network_id> with an fg- device on br-ex; proxy ARP answers for the
// floating IPs routed to it.
struct FipGateway {
  std::string network_id;
  std::string port_id;
  std::string mac;
  std::string ip;
  int prefix_len = 0;
  std::string gateway_ip;
  bool operator==(const FipGateway&) const = default;
};

// One host a DHCP server answers for: only this cloud's instance ports.
struct DhcpHost {
  std::string mac;
  std::string ip;
  std::string hostname;  // "host-10-0-3-11"
  bool operator==(const DhcpHost&) const = default;
};

struct DhcpSubnet {
  std::string subnet_id;
  std::string cidr;
  std::string router;               // this cloud's gateway IP on it ("" = no router option)
  std::vector<std::string> dns;     // DNS servers to offer
  // The subnet's host routes: offered as classless static routes (option
  // 121) with the default route via `router`, which such a client then uses
  // instead of option 3.
  std::vector<Route> host_routes;
  bool operator==(const DhcpSubnet&) const = default;
};

// A DHCP server of this cloud for one network, on its network node: dnsmasq in
// qdhcp-<network_id>, its tap device holding the DHCP port's addresses. The
// port itself is also in HostState::ports (port_security false).
struct DhcpServer {
  std::string network_id;
  std::string port_id;
  std::string mac;
  std::vector<std::string> ip_cidrs;  // "10.0.3.2/24", one per subnet
  int mtu = 1450;
  std::vector<DhcpSubnet> subnets;
  std::vector<DhcpHost> hosts;
  bool operator==(const DhcpServer&) const = default;
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
  std::vector<FipGateway> fip_gateways;
  std::vector<DhcpServer> dhcp_servers;
  std::vector<SecurityGroupRules> security_groups;  // the groups of `ports`, by id
  bool operator==(const HostState&) const = default;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LocalNetwork, id, vni, lvid, flood_vteps,
                                                cloud_flood_vteps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AddressPair, cidr, mac)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LocalPort, id, network_id, mac, ips, port_security,
                                                allowed_address_pairs, security_groups)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecurityRule, id, direction, protocol, port_range_min,
                                                port_range_max, remote_ip_prefix, remote_group_id,
                                                remote_ips)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecurityGroupRules, id, rules)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RemotePort, network_id, mac, vtep)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ArpEntry, network_id, ip, mac)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RouterInterface, port_id, network_id, subnet_id,
                                                mac, ip, prefix_len, serves_other_clouds)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Route, destination, nexthop)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Neighbor, ip, mac)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ExternalGateway, port_id, network_id, mac, ip,
                                                prefix_len, gateway_ip, enable_snat)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SnatRoute, cidr, via, port_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FloatingIpNat, floating_ip, fixed_ip, port_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FipLink, network_id, router_side, fip_side)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RouterInstance, id, distributed, kind, interfaces,
                                                neighbors, gateway, snat_routes, floating_ips,
                                                fip_link, routes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FipGateway, network_id, port_id, mac, ip,
                                                prefix_len, gateway_ip)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DhcpHost, mac, ip, hostname)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DhcpSubnet, subnet_id, cidr, router, dns, host_routes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DhcpServer, network_id, port_id, mac, ip_cidrs,
                                                mtu, subnets, hosts)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SubnetGateway, network_id, subnet_id, cidr, ip,
                                                mac, local)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ForeignGateway, network_id, mac, cloud)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HostState, revision, host, cloud, role, vtep_ip,
                                                dvr_mac, dvr_mac_federation, dvr_mac_space,
                                                tunnels, networks, ports, remote_ports,
                                                arp_responder, gateway_arp_drop, routers,
                                                gateways, foreign_gateways, trusted_dvr_macs,
                                                fip_gateways, dhcp_servers, security_groups)

// Every MAC, IP, CIDR, ID and name of a state checked against its grammar
// (common/net.h): the first bad one is an InvalidArgument naming its path and
// value ("routers[0].interfaces[1].mac: 'fa:16:3e:00:00:01\n' is not a MAC
// address"). Trusted DVR MACs must lie in the DVR MAC space. host_state.cc.
Status Validate(const HostState& s);
// JSON (as a cloud serves it) -> a validated HostState; malformed JSON or any
// invalid value refuses the whole state.
Result<HostState> ParseHostState(const nlohmann::json& body);

}  // namespace isthmus::state
