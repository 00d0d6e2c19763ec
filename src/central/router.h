// Routers in central's core: the typed requests for a router, its external
// gateway and its interfaces (router.cc commits them with their gateway and
// SNAT ports; router_wire.cc reads them from Neutron's JSON and writes the views).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "central/port.h"

namespace isthmus::central {

// external_gateway_info: clear (null or {}), or a network with SNAT on/off and
// the gateway's fixed IPs if asked for.
struct GatewayRequest {
  bool clear = false;
  std::string network_id;
  bool enable_snat = true;
  bool has_ips = false;
  WantedIps ips;
};

struct RouterCreate {
  std::string name, project;
  bool distributed = true;
  std::vector<std::string> clouds;  // availability_zone_hints (exactly one, or none with one cloud)
  std::optional<GatewayRequest> gateway;
  bool admin_state_up = true;
  std::string description;
};

struct RouterUpdate {
  std::optional<std::string> name, description;
  std::optional<GatewayRequest> gateway;
  std::optional<bool> admin_state_up;
  std::optional<std::vector<model::HostRoute>> routes;  // extraroute: the whole new list
};

// Neutron's limit on a router's extra routes (max_routes).
inline constexpr size_t kMaxRouterRoutes = 30;

// What add/remove_router_interface answer.
struct InterfaceInfo {
  std::string router_id, subnet_id, port_id, network_id, project_id;
};

}  // namespace isthmus::central
