// Networks in central's core: the typed create and update requests
// (network.cc allocates and commits them; network_wire.cc reads them from
// Neutron's JSON and writes the Neutron view).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace isthmus::central {

struct NetworkCreate {
  std::string name, project;
  std::vector<std::string> clouds;  // availability_zone_hints (may be empty: the only cloud)
  bool external = false;
  std::string network_type;      // vxlan, or flat for an external network
  std::string physical_network;  // a flat network's
  std::string description;
};

struct NetworkUpdate {
  std::optional<std::string> name, description;
};

}  // namespace isthmus::central
