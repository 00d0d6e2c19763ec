// Floating IPs in central's core: the typed create and update requests
// (floating_ip.cc allocates, associates and commits them; floating_ip_wire.cc
// reads them from Neutron's JSON and writes the Neutron view).
#pragma once

#include <optional>
#include <string>

namespace isthmus::central {

struct FloatingIpCreate {
  std::string project, floating_network_id;
  std::string floating_ip_address;  // "" = allocate
  std::string port_id, fixed_ip_address;  // "" = not associated / the port's first
  std::string description;
};

struct FloatingIpUpdate {
  bool set_port = false;  // associate with port_id, or disassociate (""); false: keep as is
  std::string port_id, fixed_ip_address;
  std::optional<std::string> description;
};

}  // namespace isthmus::central
