// The wire side of networks: Neutron's create and update bodies read into
// typed requests, and the Neutron view.
#include "central/request.h"
#include "central/service.h"
#include "central/standard_attrs.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

Result<model::Network> Service::CreateNetwork(const json& body) {
  // Built once: a set of strings made per request cost a dozen allocations.
  static const std::set<std::string> kAllowed = WithCommon({"availability_zone_hints", "provider:network_type",
                                           "provider:segmentation_id", "provider:physical_network",
                                           "router:external", "shared", "port_security_enabled"});
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "network", kAllowed));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  ISTHMUS_RETURN_IF_ERROR(AdminStateUp(r));
  ISTHMUS_ASSIGN_OR_RETURN(project, ProjectOf(r));
  ISTHMUS_ASSIGN_OR_RETURN(hints, r.StringList("availability_zone_hints"));
  ISTHMUS_ASSIGN_OR_RETURN(external, r.Bool("router:external", false));
  ISTHMUS_ASSIGN_OR_RETURN(type, r.String("provider:network_type", external ? "flat" : "vxlan"));
  ISTHMUS_ASSIGN_OR_RETURN(physnet, r.String("provider:physical_network"));
  // The default of its ports' port_security_enabled (Neutron's port-security on networks).
  ISTHMUS_ASSIGN_OR_RETURN(port_security, r.Bool("port_security_enabled", true));
  if (type != "vxlan" && type != "flat")
    return InvalidArgument("provider:network_type '" + type +
                           "' is not supported (vxlan, or flat for an external network)");
  if (type == "flat" && !external)
    return InvalidArgument("provider:network_type flat is only supported for an external network "
                           "(router:external true)");
  if (external && type != "flat")
    return InvalidArgument("an external network must be provider:network_type flat, not '" + type + "'");
  // A plain router:external network (no provider attributes, as Neutron takes
  // it) is flat on its cloud's br-ex, its physical network its own (named by its id).
  const bool plain_external = external && !r.Has("provider:network_type") && physnet.empty();
  if (type == "flat" && physnet.empty() && !plain_external)
    return InvalidArgument("provider:physical_network is required for a flat network");
  if (type == "flat" && !plain_external && !IsValidHostName(physnet))
    return InvalidArgument("Invalid input for provider:physical_network: at most 64 letters, digits, '.', "
                           "'-' or '_'");
  if (type == "vxlan" && r.Has("provider:physical_network"))
    return InvalidArgument("provider:physical_network is only for a flat network");
  if (r.Has("provider:segmentation_id"))
    return InvalidArgument("provider:segmentation_id is allocated by central; do not set it");
  return Federation::CreateNetwork(
      NetworkCreate{name, project, hints, external, type, physnet, description, port_security});
}

Result<model::Network> Service::UpdateNetwork(const std::string& id, const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "network",
                                     {"name", "description", "admin_state_up", "router:external", "mtu",
                                      "availability_zone_hints", "provider:network_type",
                                      "provider:segmentation_id", "provider:physical_network",
                                      "port_security_enabled"}));
  ISTHMUS_RETURN_IF_ERROR(Unchangeable("network", r, {"mtu", "availability_zone_hints",
                                                      "provider:network_type",
                                                      "provider:segmentation_id",
                                                      "provider:physical_network"}));
  ISTHMUS_RETURN_IF_ERROR(AdminStateUp(r));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  ISTHMUS_ASSIGN_OR_RETURN(port_security, r.Bool("port_security_enabled", true));
  NetworkUpdate u;
  if (r.Has("name")) u.name = name;
  if (r.Has("port_security_enabled")) u.port_security_enabled = port_security;
  ISTHMUS_ASSIGN_OR_RETURN(external, r.Bool("router:external", false));
  if (r.Has("router:external")) u.external = external;
  if (r.Contains("description")) u.description = description;
  return Federation::UpdateNetwork(id, u);
}

json NetworkView(Federation& s, const model::Network& n) {
  return {{"id", n.id},
          {"name", n.name},
          {"tenant_id", n.project_id},
          {"project_id", n.project_id},
          {"status", "ACTIVE"},
          {"admin_state_up", true},
          {"shared", false},
          {"subnets", s.SubnetsOf(n.id)},
          {"availability_zone_hints", n.clouds},
          {"availability_zones", n.clouds},
          {"provider:network_type", n.network_type},
          {"provider:segmentation_id",
           n.network_type == "flat" || n.segmentation_id == 0 ? json(nullptr) : json(n.segmentation_id)},
          {"provider:physical_network",
           n.physical_network.empty() ? json(nullptr) : json(n.physical_network)},
          {"mtu", n.network_type == "flat" ? 1500 : 1450},
          {"router:external", n.external},
          {"port_security_enabled", n.port_security_enabled},
          {"description", n.description},
          {"created_at", TimestampView(n.created_at)},
          {"updated_at", TimestampView(n.updated_at)},
          {"revision_number", n.revision_number},
          {"tags", n.tags}};
}

}  // namespace isthmus::central
