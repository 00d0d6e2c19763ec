// Subnets in central's core: the typed create and update requests (subnet.cc
// commits a subnet with its DHCP ports; subnet_wire.cc reads them from
// Neutron's JSON and writes the Neutron view).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/net.h"
#include "model/resources.h"

namespace isthmus::central {

struct SubnetCreate {
  std::string name, project, network_id;
  Cidr cidr;
  std::string gateway_ip;  // "" = none
  std::string gateway_mode;
  std::vector<model::AllocationPool> allocation_pools;  // validated against cidr and gateway
  bool enable_dhcp = true;
  std::vector<std::string> dns_nameservers;  // canonical
  std::vector<model::HostRoute> host_routes;  // canonical
  std::string description;
};

// Each field: nullopt = leave as is.
struct SubnetUpdate {
  std::optional<std::string> name, description;
  std::optional<std::vector<std::string>> dns_nameservers;  // canonical
  std::optional<std::vector<model::HostRoute>> host_routes;  // canonical
  std::optional<bool> enable_dhcp;  // DHCP ports added or dropped with it
  std::optional<std::string> gateway_ip;  // "" = none; checked by the core against pools and ports
};

}  // namespace isthmus::central
