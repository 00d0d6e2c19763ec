// The wire side of routers: Neutron's create and update bodies (with
// external_gateway_info) and interface bodies read into typed requests, and the Neutron view.
#include <algorithm>
#include <cctype>

#include "central/request.h"
#include "central/service.h"
#include "central/standard_attrs.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

// external_gateway_info: null or {} clears it.
Result<GatewayRequest> ParseGateway(const json& v) {
  GatewayRequest g;
  if (v.is_null() || (v.is_object() && v.empty())) {
    g.clear = true;
    return g;
  }
  if (!v.is_object()) return InvalidArgument("Invalid input for external_gateway_info: must be an object or null");
  for (const auto& [k, x] : v.items())
    if (k != "network_id" && k != "enable_snat" && k != "external_fixed_ips")
      return InvalidArgument("Unrecognized attribute '" + k + "' in external_gateway_info");
  if (!v.contains("network_id") || !v["network_id"].is_string() || v["network_id"].get<std::string>().empty())
    return InvalidArgument("external_gateway_info requires network_id (a string)");
  g.network_id = v["network_id"];
  if (v.contains("enable_snat") && !v["enable_snat"].is_null()) {
    if (!v["enable_snat"].is_boolean())
      return InvalidArgument("Invalid input for enable_snat: '" + v["enable_snat"].dump() + "' is not a boolean");
    g.enable_snat = v["enable_snat"];
  }
  if (v.contains("external_fixed_ips") && !v["external_fixed_ips"].is_null()) {
    ISTHMUS_ASSIGN_OR_RETURN(ips, ParseFixedIps(v["external_fixed_ips"], "external_fixed_ips"));
    g.ips = ips;
    g.has_ips = !ips.empty();
  }
  return g;
}

// routes (extraroute): [{"destination": CIDR, "nexthop": IP}], null for none;
// canonical, no duplicates (Neutron's hostroutes validator).
Result<std::vector<model::HostRoute>> ParseRoutes(const json& v) {
  std::vector<model::HostRoute> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return InvalidArgument("Invalid input for routes: '" + v.dump() + "' is not a list");
  for (const auto& r : v) {
    if (!r.is_object() || r.size() != 2 || !r.contains("destination") || !r.contains("nexthop") ||
        !r["destination"].is_string() || !r["nexthop"].is_string())
      return InvalidArgument("Invalid input for routes: each is {\"destination\": CIDR, \"nexthop\": IP}, not " +
                             r.dump());
    auto dest = Cidr::Parse(r["destination"].get<std::string>());
    if (!dest.ok()) return InvalidArgument("Invalid input for routes: " + dest.status().message());
    auto hop = Ipv4::Parse(r["nexthop"].get<std::string>());
    if (!hop.ok()) return InvalidArgument("Invalid input for routes: " + hop.status().message());
    model::HostRoute route{dest->ToString(), hop->ToString()};
    if (std::find(out.begin(), out.end(), route) != out.end())
      return InvalidArgument("Invalid input for routes: Duplicate hostroute '" + r.dump() + "'");
    out.push_back(route);
  }
  return out;
}

}  // namespace

Result<model::Router> Service::CreateRouter(const json& body) {
  // Built once: a set of strings made per request cost a dozen allocations.
  static const std::set<std::string> kAllowed = WithCommon({"distributed", "ha", "availability_zone_hints",
                                           "external_gateway_info"});
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "router", kAllowed));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(project, ProjectOf(r));
  ISTHMUS_ASSIGN_OR_RETURN(distributed, r.Bool("distributed", true));
  ISTHMUS_ASSIGN_OR_RETURN(ha, r.Bool("ha", false));
  ISTHMUS_ASSIGN_OR_RETURN(hints, r.StringList("availability_zone_hints"));
  ISTHMUS_ASSIGN_OR_RETURN(up, r.Bool("admin_state_up", true));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  if (ha) return InvalidArgument("ha routers are not supported");
  std::optional<GatewayRequest> gw;
  if (r.Has("external_gateway_info")) {
    ISTHMUS_ASSIGN_OR_RETURN(g, ParseGateway(r.Raw("external_gateway_info")));
    if (!g.clear) gw = g;
  }
  return Federation::CreateRouter(RouterCreate{name, project, distributed, hints, gw, up, description});
}

Result<model::Router> Service::UpdateRouter(const std::string& router_id, const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "router", {"name", "description", "external_gateway_info",
                                                             "admin_state_up", "distributed", "ha", "routes"}));
  ISTHMUS_RETURN_IF_ERROR(Unchangeable("router", r, {"distributed", "ha"}));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  ISTHMUS_ASSIGN_OR_RETURN(up, r.Bool("admin_state_up", true));
  std::optional<GatewayRequest> gw;
  if (r.Contains("external_gateway_info")) {
    ISTHMUS_ASSIGN_OR_RETURN(g, ParseGateway(r.Raw("external_gateway_info")));
    gw = g;
  }
  RouterUpdate u;
  if (r.Has("name")) u.name = name;
  if (r.Contains("description")) u.description = description;
  if (r.Has("admin_state_up")) u.admin_state_up = up;
  if (r.Contains("routes")) {
    ISTHMUS_ASSIGN_OR_RETURN(routes, ParseRoutes(r.Raw("routes")));
    u.routes = routes;
  }
  u.gateway = gw;
  return Federation::UpdateRouter(router_id, u);
}

Result<model::Router> Service::ChangeExtraRoutes(const std::string& router_id, const json& body, bool add) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "router", {"routes"}));
  if (!r.Has("routes")) return InvalidArgument("Bad router request: {\"router\": {\"routes\": [...]}} expected");
  ISTHMUS_ASSIGN_OR_RETURN(routes, ParseRoutes(r.Raw("routes")));
  return Federation::ChangeExtraRoutes(router_id, routes, add);
}

namespace {

// A UUID's text (8-4-4-4-12 hexadecimal digits), as Neutron's type:uuid takes it.
bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

}  // namespace

Status Service::CheckInterfaceBody(const json& body) {
  if (!body.is_object()) return InvalidArgument("request body must be an object");
  for (const auto& [k, v] : body.items()) {
    if (k != "subnet_id" && k != "port_id")
      return InvalidArgument("Unrecognized attribute '" + k + "' (use subnet_id or port_id)");
    if (!v.is_string()) return InvalidArgument(k + " must be a string");
    if (!IsUuid(v.get<std::string>()))
      return InvalidArgument("Invalid input for " + k + ". Reason: '" + v.get<std::string>().substr(0, 64) +
                             "' is not a valid UUID.");
  }
  return Status::Ok();
}

Result<InterfaceInfo> Service::AddRouterInterface(const std::string& router_id, const json& body) {
  ISTHMUS_RETURN_IF_ERROR(CheckInterfaceBody(body));
  std::string subnet_id = body.value("subnet_id", ""), port_id = body.value("port_id", "");
  if (subnet_id.empty() == port_id.empty())
    return InvalidArgument("Bad router request: give exactly one of subnet_id and port_id");
  if (!port_id.empty()) return Federation::AddRouterInterfacePort(router_id, port_id);
  return Federation::AddRouterInterface(router_id, subnet_id);
}

Result<InterfaceInfo> Service::RemoveRouterInterface(const std::string& router_id, const json& body) {
  ISTHMUS_RETURN_IF_ERROR(CheckInterfaceBody(body));
  std::string subnet_id = body.value("subnet_id", ""), port_id = body.value("port_id", "");
  if (subnet_id.empty() == port_id.empty())
    return InvalidArgument("give exactly one of subnet_id and port_id");
  return Federation::RemoveRouterInterface(router_id, subnet_id, port_id);
}

json RouterView(Federation& s, const model::Router& r) {
  json gateway = nullptr;
  if (!r.gateway_network_id.empty()) {
    json ips = json::array();
    if (auto p = s.GatewayPort(r.id))
      for (const auto& f : p->fixed_ips) ips.push_back({{"subnet_id", f.subnet_id}, {"ip_address", f.ip_address}});
    gateway = {{"network_id", r.gateway_network_id}, {"enable_snat", r.enable_snat}, {"external_fixed_ips", ips}};
  }
  json routes = json::array();
  for (const auto& x : r.routes) routes.push_back({{"destination", x.destination}, {"nexthop", x.nexthop}});
  return {{"id", r.id},
          {"name", r.name},
          {"tenant_id", r.project_id},
          {"project_id", r.project_id},
          {"status", "ACTIVE"},
          {"admin_state_up", r.admin_state_up},
          {"distributed", r.distributed},
          {"ha", false},
          {"availability_zone_hints", {r.cloud}},
          {"availability_zones", {r.cloud}},
          {"external_gateway_info", gateway},
          {"routes", routes},
          {"description", r.description},
          {"created_at", TimestampView(r.created_at)},
          {"updated_at", TimestampView(r.updated_at)},
          {"revision_number", r.revision_number},
          {"tags", r.tags}};
}

}  // namespace isthmus::central
