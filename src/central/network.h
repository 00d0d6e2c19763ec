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
  // A flat network's; "" for an external network made without provider
  // attributes: flat on its cloud's br-ex, its physical network named by its id.
  std::string physical_network;
  std::string description;
  bool port_security_enabled = true;  // the default of its ports' own
};

struct NetworkUpdate {
  std::optional<std::string> name, description;
  std::optional<bool> port_security_enabled;  // a new default: the ports it has keep theirs
  // router:external: a VXLAN network of one cloud becomes flat on that cloud's
  // br-ex (named by its id), an external one VXLAN again (a new VNI); only
  // while no port but its DHCP ports is on it (they go, or come back).
  std::optional<bool> external;
};

}  // namespace isthmus::central
