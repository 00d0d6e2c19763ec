// Ports in central's core: the typed create and update requests (port.cc
// allocates MACs and IPs and commits ports, central's own included;
// port_wire.cc reads them from Neutron's JSON and writes the Neutron view).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/net.h"
#include "common/status.h"
#include "model/resources.h"

namespace isthmus::central {

// Fixed IPs asked for: (subnet id or "", IP or "") each.
using WantedIps = std::vector<std::pair<std::string, std::string>>;

// 400 for a port MAC inside the DVR MAC space fa:16:3f:00:00:00/24 (create and update).
Status RefuseDvrMac(const Mac& mac);

// A port's port security, security groups and allowed address pairs asked
// for (each: nullopt = not given; on create, the defaults apply).
struct PortSecurity {
  std::optional<bool> port_security_enabled;
  std::optional<std::vector<std::string>> security_groups;
  std::optional<std::vector<model::AllowedAddressPair>> allowed_address_pairs;
};

struct PortCreate {
  std::string name, project, network_id;
  std::string mac_address;  // "" = allocate; checked by the core
  std::string host;         // binding:host_id, "" = unbound
  std::string device_owner, device_id;  // never network:*
  WantedIps fixed_ips;
  bool admin_state_up = true;
  std::string description;
  PortSecurity security;  // groups not given: the project's default group (port security on)
  std::vector<std::string> tags;  // checked (tags.h); Neutron takes tags on a port's create only
};

// Each field: nullopt = leave as is.
struct PortUpdate {
  std::optional<std::string> name, host, device_owner, device_id, description;
  std::optional<std::string> mac_address;  // checked by the core; refused while the port is bound
  std::optional<WantedIps> fixed_ips;      // the whole new list, as Neutron matches it with the old
  std::optional<bool> admin_state_up;
  PortSecurity security;
};

}  // namespace isthmus::central
