// The wire side of subnets: Neutron's create and update bodies read into
// typed requests (addresses, pools and DNS servers checked), and the Neutron view.
#include <algorithm>

#include "central/ipam.h"
#include "central/request.h"
#include "central/service.h"
#include "central/standard_attrs.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

// Neutron's limit on a subnet's host routes (max_subnet_host_routes).
constexpr size_t kMaxHostRoutes = 20;

// host_routes: [{"destination": CIDR, "nexthop": IP}], canonical, no duplicates.
Result<std::vector<model::HostRoute>> ParseHostRoutes(const json& v) {
  std::vector<model::HostRoute> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return InvalidArgument("Invalid input for host_routes: not a list");
  if (v.size() > kMaxHostRoutes)
    return InvalidArgument("Unable to complete operation for subnet. Number of host routes exceeds the limit " +
                           std::to_string(kMaxHostRoutes));
  for (const auto& r : v) {
    if (!r.is_object() || r.size() != 2 || !r.contains("destination") || !r.contains("nexthop") ||
        !r["destination"].is_string() || !r["nexthop"].is_string())
      return InvalidArgument("Invalid input for host_routes: each is {\"destination\": CIDR, \"nexthop\": IP}");
    auto dest = Cidr::Parse(r["destination"].get<std::string>());
    if (!dest.ok()) return InvalidArgument("Invalid input for host_routes: " + dest.status().message());
    auto hop = Ipv4::Parse(r["nexthop"].get<std::string>());
    if (!hop.ok()) return InvalidArgument("Invalid input for host_routes: " + hop.status().message());
    model::HostRoute route{dest->ToString(), hop->ToString()};
    if (std::find(out.begin(), out.end(), route) != out.end())
      return InvalidArgument("Invalid input for host_routes: duplicate route to " + route.destination);
    out.push_back(route);
  }
  return out;
}

}  // namespace

Result<model::Subnet> Service::CreateSubnet(const json& body) {
  // Built once: a set of strings made per request cost a dozen allocations.
  static const std::set<std::string> kAllowed = WithCommon({"network_id", "cidr", "ip_version", "gateway_ip",
                                           "allocation_pools", "enable_dhcp", "dns_nameservers",
                                           "host_routes", "gateway_mode"});
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "subnet", kAllowed));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(project, ProjectOf(r));
  ISTHMUS_ASSIGN_OR_RETURN(network_id, r.RequiredString("network_id"));
  ISTHMUS_ASSIGN_OR_RETURN(cidr_text, r.RequiredString("cidr"));
  ISTHMUS_ASSIGN_OR_RETURN(mode, r.String("gateway_mode", "anycast"));
  ISTHMUS_ASSIGN_OR_RETURN(dhcp, r.Bool("enable_dhcp", true));
  ISTHMUS_ASSIGN_OR_RETURN(dns, r.StringList("dns_nameservers"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  ISTHMUS_ASSIGN_OR_RETURN(routes, ParseHostRoutes(r.Has("host_routes") ? r.Raw("host_routes") : json()));
  // 4, or "4" (Neutron converts it to an integer).
  if (r.Has("ip_version") && r.Raw("ip_version") != json(4) && r.Raw("ip_version") != json("4"))
    return InvalidArgument("ip_version must be 4");
  if (mode != "anycast" && mode != "per-cloud")
    return InvalidArgument("gateway_mode '" + mode + "' is not one of anycast, per-cloud");
  ISTHMUS_RETURN_IF_ERROR(CanonicalNameservers(dns));
  auto cidr = Cidr::Parse(cidr_text);
  if (!cidr.ok()) return InvalidArgument("Invalid input for cidr: " + cidr.status().message());
  std::string gateway;
  if (!r.Has("gateway_ip") && !body["subnet"].contains("gateway_ip")) {
    gateway = DefaultGateway(*cidr);
  } else if (!body["subnet"]["gateway_ip"].is_null()) {
    ISTHMUS_ASSIGN_OR_RETURN(g, r.String("gateway_ip"));
    auto gw = Ipv4::Parse(g);
    if (!gw.ok()) return InvalidArgument("Invalid input for gateway_ip: " + gw.status().message());
    if (!cidr->Contains(*gw) || gw->v == cidr->network.v || gw->v == cidr->Broadcast().v)
      return InvalidArgument("Gateway IP " + g + " is not a host address of " + cidr->ToString());
    gateway = gw->ToString();
  }
  std::vector<model::AllocationPool> pools;
  if (r.Has("allocation_pools")) {
    if (!r.Raw("allocation_pools").is_array()) return InvalidArgument("allocation_pools must be a list");
    for (const auto& p : r.Raw("allocation_pools")) {
      if (!p.is_object() || !p.contains("start") || !p.contains("end") || !p["start"].is_string() ||
          !p["end"].is_string() || p.size() != 2)
        return InvalidArgument("each allocation pool must be {\"start\": IP, \"end\": IP}");
      pools.push_back({p["start"], p["end"]});
    }
    ISTHMUS_RETURN_IF_ERROR(ValidatePools(*cidr, gateway, pools));
  } else {
    pools = DefaultPools(*cidr, gateway);
  }
  return Federation::CreateSubnet(
      SubnetCreate{name, project, network_id, *cidr, gateway, mode, pools, dhcp, dns, routes, description});
}

Result<model::Subnet> Service::UpdateSubnet(const std::string& id, const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "subnet",
                                     {"name", "description", "dns_nameservers", "enable_dhcp",
                                      "gateway_ip", "allocation_pools", "cidr", "network_id",
                                      "ip_version", "gateway_mode", "host_routes"}));
  ISTHMUS_RETURN_IF_ERROR(Unchangeable("subnet", r, {"allocation_pools", "cidr", "network_id", "ip_version",
                                                     "gateway_mode"}));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  ISTHMUS_ASSIGN_OR_RETURN(dns, r.StringList("dns_nameservers"));
  ISTHMUS_RETURN_IF_ERROR(CanonicalNameservers(dns));
  ISTHMUS_ASSIGN_OR_RETURN(routes, ParseHostRoutes(r.Contains("host_routes") ? r.Raw("host_routes") : json()));
  ISTHMUS_ASSIGN_OR_RETURN(gateway, r.String("gateway_ip"));
  SubnetUpdate u;
  if (r.Has("name")) u.name = name;
  if (r.Contains("description")) u.description = description;
  if (r.Contains("dns_nameservers")) u.dns_nameservers = dns;
  if (r.Contains("host_routes")) u.host_routes = routes;
  if (r.Contains("gateway_ip")) u.gateway_ip = gateway;  // null: no gateway
  if (r.Has("enable_dhcp")) {
    ISTHMUS_ASSIGN_OR_RETURN(dhcp, r.Bool("enable_dhcp", true));
    u.enable_dhcp = dhcp;
  }
  return Federation::UpdateSubnet(id, u);
}

json SubnetView(const model::Subnet& s) {
  json pools = json::array();
  for (const auto& p : s.allocation_pools) pools.push_back({{"start", p.start}, {"end", p.end}});
  json routes = json::array();
  for (const auto& r : s.host_routes) routes.push_back({{"destination", r.destination}, {"nexthop", r.nexthop}});
  return {{"id", s.id},
          {"name", s.name},
          {"network_id", s.network_id},
          {"tenant_id", s.project_id},
          {"project_id", s.project_id},
          {"cidr", s.cidr},
          {"ip_version", 4},
          {"gateway_ip", s.gateway_ip.empty() ? json(nullptr) : json(s.gateway_ip)},
          {"allocation_pools", pools},
          {"enable_dhcp", s.enable_dhcp},
          {"dns_nameservers", s.dns_nameservers},
          {"host_routes", routes},
          {"gateway_mode", s.gateway_mode},
          {"description", s.description},
          {"created_at", TimestampView(s.created_at)},
          {"updated_at", TimestampView(s.updated_at)},
          {"revision_number", s.revision_number},
          {"tags", s.tags}};
}

}  // namespace isthmus::central
