// Extra routes of routers (Neutron's extraroute and extraroute-atomic): the
// checks of a route list against the router's interfaces, and adding or
// removing routes as one change. router_wire.cc reads them from the wire.
#include <algorithm>

#include "central/federation.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

std::string RoutesText(const std::vector<model::HostRoute>& routes) {
  json j = json::array();
  for (const auto& r : routes) j.push_back({{"destination", r.destination}, {"nexthop", r.nexthop}});
  return j.dump();
}

}  // namespace

Status Federation::CheckExtraRoutes(const model::Router& r, const std::vector<model::HostRoute>& routes) const {
  if (routes.size() > kMaxRouterRoutes)
    return InvalidArgument("Unable to complete operation for " + r.id + ". The number of routes exceeds the maximum " +
                           std::to_string(kMaxRouterRoutes) + ".");
  // The subnets and addresses of the router's interfaces (Neutron: its ports).
  std::vector<Cidr> subnets;
  std::vector<Ipv4> own;
  for (const auto& [id, p] : ports_) {
    if (!p.IsRouterInterface() || p.device_id != r.id) continue;
    for (const auto& f : p.fixed_ips) {
      auto sub = subnets_.find(f.subnet_id);
      if (sub == subnets_.end()) continue;
      if (auto c = Cidr::Parse(sub->second.cidr); c.ok()) subnets.push_back(*c);
      if (auto ip = Ipv4::Parse(f.ip_address); ip.ok()) own.push_back(*ip);
    }
  }
  for (const auto& route : routes) {
    auto hop = Ipv4::Parse(route.nexthop);
    if (!hop.ok()) return InvalidArgument("Invalid format for routes: " + RoutesText(routes) + ", " + hop.status().message());
    bool connected = std::any_of(subnets.begin(), subnets.end(), [&](const Cidr& c) { return c.Contains(*hop); });
    if (!connected)
      return InvalidArgument("Invalid format for routes: " + RoutesText(routes) +
                             ", the nexthop is not connected with router");
    if (std::find(own.begin(), own.end(), *hop) != own.end())
      return InvalidArgument("Invalid format for routes: " + RoutesText(routes) + ", the nexthop is used by router");
  }
  return Status::Ok();
}

Status Federation::CheckNoRouteNeeds(const model::Router& r, const std::string& subnet_id) const {
  auto sub = subnets_.find(subnet_id);
  if (sub == subnets_.end()) return Status::Ok();
  auto cidr = Cidr::Parse(sub->second.cidr);
  if (!cidr.ok()) return Status::Ok();
  for (const auto& route : r.routes)
    if (auto hop = Ipv4::Parse(route.nexthop); hop.ok() && cidr->Contains(*hop))
      return Conflict("Router interface for subnet " + subnet_id + " on router " + r.id +
                      " cannot be deleted, as it is required by one or more routes.");
  return Status::Ok();
}

Result<model::Router> Federation::ChangeExtraRoutes(const std::string& router_id,
                                                    const std::vector<model::HostRoute>& routes, bool add) {
  ISTHMUS_FRESH(ChangeExtraRoutes(router_id, routes, add));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = routers_.find(router_id);
  if (it == routers_.end()) return NotFound("Router " + router_id + " could not be found");
  model::Router router = it->second;
  for (const auto& route : routes) {
    auto at = std::find(router.routes.begin(), router.routes.end(), route);
    if (add && at == router.routes.end()) router.routes.push_back(route);
    if (!add && at != router.routes.end()) router.routes.erase(at);
  }
  if (add) ISTHMUS_RETURN_IF_ERROR(CheckExtraRoutes(router, router.routes));
  if (router.routes == it->second.routes) return router;
  Change c;
  Put(c, router);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return router;
}

}  // namespace isthmus::central
