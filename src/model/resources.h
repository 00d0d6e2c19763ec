// The federation's resources as central allocates them and clouds receive them.
// These are the internal shapes (not the Neutron API bodies, which central
// translates in its api layer): what central pushes to clouds and what a cloud's
// desired-state computation reads. See docs/architecture.md, "Resources".
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace isthmus::model {

// Device owners, as Neutron names them.
inline constexpr char kOwnerRouterInterfaceDistributed[] = "network:router_interface_distributed";
inline constexpr char kOwnerRouterInterface[] = "network:router_interface";
inline constexpr char kOwnerCompute[] = "compute:nova";

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
  std::string network_type = "vxlan";
  int segmentation_id = 0;          // the VNI, the same in every cloud
  bool IsStretched() const { return clouds.size() > 1; }
};

struct AllocationPool {
  std::string start;
  std::string end;
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
};

struct FixedIp {
  std::string subnet_id;
  std::string ip_address;
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

  bool IsRouterInterface() const {
    return device_owner == kOwnerRouterInterfaceDistributed ||
           device_owner == kOwnerRouterInterface;
  }
};

struct Router {
  std::string id;
  std::string name;
  std::string project_id;
  std::string cloud;
  bool distributed = true;
};

// JSON: missing keys keep their defaults, so older records stay readable.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Cloud, name, endpoint, index, dvr_mac_prefix)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Host, name, cloud, role, vtep_ip, dvr_mac)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Network, id, name, project_id, clouds, network_type, segmentation_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AllocationPool, start, end)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Subnet, id, name, project_id, network_id, cidr, gateway_ip, gateway_mode, allocation_pools)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FixedIp, subnet_id, ip_address)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Port, id, name, project_id, network_id, mac_address, fixed_ips, device_owner, device_id, host, cloud)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Router, id, name, project_id, cloud, distributed)

}  // namespace isthmus::model
