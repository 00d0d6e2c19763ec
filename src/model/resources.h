// The federation's resources as central allocates them and clouds receive them.
// These are the internal shapes (not the Neutron API bodies, which central
// translates in its api layer): what central pushes to clouds and what a cloud's
// desired-state computation reads. See docs/architecture.md, "Resources".
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace isthmus::model {

// Device owners, as Neutron names them.
inline constexpr char kOwnerRouterInterfaceDistributed[] = "network:router_interface_distributed";
inline constexpr char kOwnerRouterInterface[] = "network:router_interface";
inline constexpr char kOwnerCompute[] = "compute:nova";
inline constexpr char kOwnerRouterGateway[] = "network:router_gateway";          // qg-, on the external network
inline constexpr char kOwnerRouterSnat[] = "network:router_centralized_snat";    // sg-, a DVR router's SNAT leg
inline constexpr char kOwnerDhcp[] = "network:dhcp";                             // one per (network, cloud)
inline constexpr char kOwnerFloatingIp[] = "network:floatingip";                 // holds a floating IP's address
inline constexpr char kOwnerFipAgentGateway[] = "network:floatingip_agent_gateway";  // fg-, per (host, external network)

struct Cloud {
  std::string name;
  std::string endpoint;        // http://host:port of the cloud controller
  int index = 0;               // 1..255, the 4th octet of its DVR MAC prefix
  std::string dvr_mac_prefix;  // "fa:16:3f:01": every DVR MAC of this cloud starts with it
};

struct Host {
  std::string name;     // unique in the federation
  std::string cloud;
  std::string role;     // "compute" or "network"
  std::string vtep_ip;  // underlay address of its VXLAN tunnel endpoint
  std::string dvr_mac;  // allocated by its cloud inside the cloud's prefix
};

struct Network {
  std::string id;
  std::string name;
  std::string project_id;
  std::vector<std::string> clouds;  // availability_zone_hints: where it exists
  std::string network_type = "vxlan";  // "vxlan", or "flat" for an external network
  int segmentation_id = 0;          // the VNI, the same in every cloud (vxlan)
  bool external = false;            // router:external: a cloud's provider network on br-ex
  std::string physical_network;     // provider:physical_network of a flat network
  bool admin_state_up = true;
  // The default of its ports' port_security_enabled (Neutron's port-security
  // extension on networks); a port's own value decides what its host enforces.
  bool port_security_enabled = true;
  // Neutron's standard attributes (central stamps them on every write; clouds ignore them).
  std::string description;
  std::vector<std::string> tags;  // standard-attr-tag: sorted, unique, each 1..255 characters
  std::string created_at, updated_at;  // ISO 8601, UTC, e.g. 2026-12-02T00:15:00Z
  int64_t revision_number = 0;         // 1 when made, +1 on every change
  bool IsStretched() const { return clouds.size() > 1; }
};

struct AllocationPool {
  std::string start;
  std::string end;
};

// A route: destination CIDR via nexthop. A subnet's host routes (nexthop an
// address of the subnet, offered by DHCP) and a router's extra routes (nexthop
// an address of a subnet the router has an interface on, extraroute).
struct HostRoute {
  std::string destination;
  std::string nexthop;
  bool operator==(const HostRoute&) const = default;
};

struct Subnet {
  std::string id;
  std::string name;
  std::string project_id;
  std::string network_id;
  std::string cidr;
  std::string gateway_ip;  // empty: no gateway
  std::string gateway_mode = "anycast";
  std::vector<AllocationPool> allocation_pools;
  bool enable_dhcp = true;
  std::vector<std::string> dns_nameservers;
  std::vector<HostRoute> host_routes;  // offered by DHCP (classless static routes)
  // Neutron's standard attributes (central stamps them on every write; clouds ignore them).
  std::string description;
  std::vector<std::string> tags;  // standard-attr-tag: sorted, unique, each 1..255 characters
  std::string created_at, updated_at;  // ISO 8601, UTC, e.g. 2026-12-02T00:15:00Z
  int64_t revision_number = 0;         // 1 when made, +1 on every change
};

struct FixedIp {
  std::string subnet_id;
  std::string ip_address;
};

// An extra address (and MAC) a port may send from and receive for, beyond its
// own: a VRRP or floating service address (Neutron's allowed-address-pairs).
struct AllowedAddressPair {
  std::string ip_address;   // an IP or a CIDR ("10.0.0.100" or "10.0.0.96/28")
  std::string mac_address;  // the port's own MAC unless told otherwise
  bool operator==(const AllowedAddressPair&) const = default;
};

struct Port {
  std::string id;
  std::string name;
  std::string project_id;
  std::string network_id;
  std::string mac_address;
  std::vector<FixedIp> fixed_ips;
  std::string device_owner;
  std::string device_id;
  std::string host;   // binding:host_id; empty for distributed router interfaces
  std::string cloud;  // the cloud the port lives in (the host's, or the router's)
  bool admin_state_up = true;  // false: the port is not wired (no traffic)
  // Port security: anti-spoofing plus the security groups' rules. Off: no
  // groups (security_groups empty) and the port sends and receives anything.
  bool port_security_enabled = true;
  std::vector<std::string> security_groups;  // ids of model::SecurityGroup
  std::vector<AllowedAddressPair> allowed_address_pairs;
  // Neutron's standard attributes (central stamps them on every write; clouds ignore them).
  std::string description;
  std::vector<std::string> tags;  // standard-attr-tag: sorted, unique, each 1..255 characters
  std::string created_at, updated_at;  // ISO 8601, UTC, e.g. 2026-12-02T00:15:00Z
  int64_t revision_number = 0;         // 1 when made, +1 on every change

  bool IsRouterInterface() const {
    return device_owner == kOwnerRouterInterfaceDistributed ||
           device_owner == kOwnerRouterInterface;
  }
  // An instance's port (Nova's compute:* owners, or no owner): bound to `host`.
  bool IsInstance() const { return device_owner.rfind("network:", 0) != 0; }
  // DHCP and SNAT ports live on the network node of their cloud (the cloud picks it).
  bool OnNetworkNode() const { return device_owner == kOwnerDhcp || device_owner == kOwnerRouterSnat; }
};

struct Router {
  std::string id;
  std::string name;
  std::string project_id;
  std::string cloud;
  bool distributed = true;
  // external_gateway_info: the external network ("" = none) and whether
  // instances without a floating IP are source-NATed to the gateway port's IP.
  std::string gateway_network_id;
  bool enable_snat = true;
  bool admin_state_up = true;  // false: the router routes nothing (no host wires it)
  std::vector<HostRoute> routes;  // extraroute: in the router's routing table wherever it runs
  // Neutron's standard attributes (central stamps them on every write; clouds ignore them).
  std::string description;
  std::vector<std::string> tags;  // standard-attr-tag: sorted, unique, each 1..255 characters
  std::string created_at, updated_at;  // ISO 8601, UTC, e.g. 2026-12-02T00:15:00Z
  int64_t revision_number = 0;         // 1 when made, +1 on every change
};

// A floating IP: an address of an external network (held by a port with owner
// network:floatingip), associated with an instance port's fixed IP or not.
struct FloatingIp {
  std::string id;
  std::string project_id;
  std::string floating_network_id;
  std::string floating_ip_address;
  std::string floating_port_id;  // the network:floatingip port holding the address
  std::string port_id;           // "" = not associated
  std::string fixed_ip_address;
  std::string router_id;         // the router that serves it (gateway on floating_network_id)
  std::string cloud;             // the external network's cloud
  // Neutron's standard attributes (central stamps them on every write; clouds ignore them).
  std::string description;
  std::vector<std::string> tags;  // standard-attr-tag: sorted, unique, each 1..255 characters
  std::string created_at, updated_at;  // ISO 8601, UTC, e.g. 2026-12-02T00:15:00Z
  int64_t revision_number = 0;         // 1 when made, +1 on every change
};

// A security group: a set of rules, and of member ports (the ports listing it
// in Port::security_groups). Traffic a port's groups' rules do not allow is
// dropped; replies of allowed connections are allowed (stateful).
struct SecurityGroup {
  std::string id;
  std::string name;  // "default": the group every project gets, and its ports by default
  std::string project_id;
  bool stateful = true;
  // Neutron's standard attributes (central stamps them on every write; clouds ignore them).
  std::string description;
  std::vector<std::string> tags;  // standard-attr-tag: sorted, unique, each 1..255 characters
  std::string created_at, updated_at;  // ISO 8601, UTC, e.g. 2026-12-02T00:15:00Z
  int64_t revision_number = 0;         // 1 when made, +1 on every change
};

// One rule of a group: what it allows, toward its member ports (ingress) or
// from them (egress). Rules only allow; nothing matched is dropped.
struct SecurityGroupRule {
  std::string id;
  std::string project_id;
  std::string security_group_id;
  std::string direction = "ingress";  // "ingress" or "egress"
  std::string ethertype = "IPv4";     // "IPv4" or "IPv6"
  std::string protocol;               // "" = any; "tcp", "udp", "icmp", ... or "0".."255"
  int port_range_min = -1;            // -1 = none (null); tcp/udp: first port; icmp: type
  int port_range_max = -1;            // -1 = none (null); tcp/udp: last port; icmp: code
  std::string remote_ip_prefix;       // "" = any; a CIDR
  std::string remote_group_id;        // "" = none; else the addresses of that group's members
  // Neutron's standard attributes (central stamps them on every write; clouds ignore them).
  std::string description;
  std::string created_at, updated_at;  // ISO 8601, UTC, e.g. 2026-12-02T00:15:00Z
  int64_t revision_number = 0;         // 1 when made, +1 on every change
};

// A port as a member of its security groups, for a cloud that does not have
// its network (so not the port) but enforces a rule whose remote group is one
// of those groups: central pushes it there, keyed by the port's id, so that
// the port's addresses are in that rule's `remote_ips`.
struct GroupMember {
  std::string id;  // the port's id
  std::string project_id;
  std::vector<std::string> security_groups;  // the port's groups (ids of model::SecurityGroup)
  std::vector<FixedIp> fixed_ips;
  std::vector<AllowedAddressPair> allowed_address_pairs;
};

// JSON: missing keys keep their defaults, so older records stay readable.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Cloud, name, endpoint, index, dvr_mac_prefix)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Host, name, cloud, role, vtep_ip, dvr_mac)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Network, id, name, project_id, clouds, network_type, segmentation_id, external, physical_network, admin_state_up, port_security_enabled, description, tags, created_at, updated_at, revision_number)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AllocationPool, start, end)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HostRoute, destination, nexthop)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Subnet, id, name, project_id, network_id, cidr, gateway_ip, gateway_mode, allocation_pools, enable_dhcp, dns_nameservers, host_routes, description, tags, created_at, updated_at, revision_number)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FixedIp, subnet_id, ip_address)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AllowedAddressPair, ip_address, mac_address)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Port, id, name, project_id, network_id, mac_address, fixed_ips, device_owner, device_id, host, cloud, admin_state_up, port_security_enabled, security_groups, allowed_address_pairs, description, tags, created_at, updated_at, revision_number)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Router, id, name, project_id, cloud, distributed, gateway_network_id, enable_snat, admin_state_up, routes, description, tags, created_at, updated_at, revision_number)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FloatingIp, id, project_id, floating_network_id, floating_ip_address, floating_port_id, port_id, fixed_ip_address, router_id, cloud, description, tags, created_at, updated_at, revision_number)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecurityGroup, id, name, project_id, stateful, description, tags, created_at, updated_at, revision_number)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GroupMember, id, project_id, security_groups, fixed_ips, allowed_address_pairs)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecurityGroupRule, id, project_id, security_group_id, direction, ethertype, protocol, port_range_min, port_range_max, remote_ip_prefix, remote_group_id, description, created_at, updated_at, revision_number)

}  // namespace isthmus::model
