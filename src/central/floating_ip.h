// Floating IPs in central's core: the typed create and update requests
// (floating_ip.cc allocates, associates and commits them; floating_ip_wire.cc
// reads them from Neutron's JSON and writes the Neutron view).
#pragma once

#include <string>

namespace isthmus::central {

struct FloatingIpCreate {
  std::string project, floating_network_id;
  std::string floating_ip_address;  // "" = allocate
  std::string port_id, fixed_ip_address;  // "" = not associated / the port's first
};

struct FloatingIpUpdate {
  bool set_port = false;  // port_id was given: associate with port_id, or disassociate ("")
  std::string port_id, fixed_ip_address;
};

}  // namespace isthmus::central
