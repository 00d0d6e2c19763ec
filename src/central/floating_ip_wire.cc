// The wire side of floating IPs: Neutron's create and update bodies read into
// typed requests, and the Neutron view.
#include "central/request.h"
#include "central/service.h"
#include "central/standard_attrs.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

Result<model::FloatingIp> Service::CreateFloatingIp(const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "floatingip",
                                     {"floating_network_id", "floating_ip_address", "port_id",
                                      "fixed_ip_address", "project_id", "tenant_id", "description"}));
  ISTHMUS_ASSIGN_OR_RETURN(project, ProjectOf(r));
  ISTHMUS_ASSIGN_OR_RETURN(network_id, r.RequiredString("floating_network_id"));
  ISTHMUS_ASSIGN_OR_RETURN(address, r.String("floating_ip_address"));
  ISTHMUS_ASSIGN_OR_RETURN(port_id, r.String("port_id"));
  ISTHMUS_ASSIGN_OR_RETURN(fixed, r.String("fixed_ip_address"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  if (!fixed.empty() && port_id.empty())
    return InvalidArgument("fixed_ip_address cannot be specified without a port_id");
  return Federation::CreateFloatingIp(FloatingIpCreate{project, network_id, address, port_id, fixed, description});
}

Result<model::FloatingIp> Service::UpdateFloatingIp(const std::string& id, const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "floatingip", {"port_id", "fixed_ip_address", "description"}));
  ISTHMUS_ASSIGN_OR_RETURN(port_id, r.String("port_id"));
  ISTHMUS_ASSIGN_OR_RETURN(fixed, r.String("fixed_ip_address"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  if (!fixed.empty() && port_id.empty())
    return InvalidArgument("fixed_ip_address cannot be specified without a port_id");
  // As Neutron: port_id null, or an empty update ({}), disassociates; an
  // update of other attributes keeps the association.
  FloatingIpUpdate u{r.Contains("port_id") || body["floatingip"].empty(), port_id, fixed, std::nullopt};
  if (r.Contains("description")) u.description = description;
  return Federation::UpdateFloatingIp(id, u);
}

json FloatingIpView(Federation& s, const model::FloatingIp& f) {
  auto or_null = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
  json details = nullptr;
  if (auto p = f.port_id.empty() ? std::nullopt : s.Find<model::Port>(f.port_id)) {
    json port = PortView(s, *p);
    details = json::object();
    for (const char* key : {"name", "network_id", "mac_address", "admin_state_up", "status", "device_id",
                            "device_owner"})
      details[key] = port[key];
  }
  return {{"id", f.id},
          {"tenant_id", f.project_id},
          {"project_id", f.project_id},
          {"floating_network_id", f.floating_network_id},
          {"floating_ip_address", f.floating_ip_address},
          {"port_id", or_null(f.port_id)},
          {"fixed_ip_address", or_null(f.fixed_ip_address)},
          {"router_id", or_null(f.router_id)},
          {"status", f.port_id.empty() ? "DOWN" : "ACTIVE"},
          {"port_details", details},
          {"description", f.description},
          {"created_at", TimestampView(f.created_at)},
          {"updated_at", TimestampView(f.updated_at)},
          {"revision_number", f.revision_number},
          {"tags", f.tags}};
}

}  // namespace isthmus::central
