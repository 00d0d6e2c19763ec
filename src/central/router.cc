// The federation side of routers: the external gateway (gateway and SNAT
// ports), interfaces (anycast or per-cloud gateway addresses), deletes.
#include <algorithm>
#include <cstdint>
#include <set>

#include "central/federation.h"
#include "central/ipam.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

Status Federation::AddSnatPort(Change& c, const model::Router& r, const std::string& subnet_id) {
  auto sub = SubnetNow(c, subnet_id);
  if (!sub) return NotFound("Subnet " + subnet_id + " could not be found");
  ISTHMUS_ASSIGN_OR_RETURN(p, InfraPort(c, networks_.at(sub->network_id), model::kOwnerRouterSnat, r.id, r.cloud,
                                "", r.project_id, {{subnet_id, ""}}));
  Put(c, p);
  return Status::Ok();
}

Status Federation::SetGateway(Change& c, model::Router& r, const GatewayRequest& g) {
  std::optional<model::Port> gw_port;
  std::vector<std::string> snat_ports, interface_subnets;
  EachPort(c, [&](const model::Port& p) {
    if (p.device_id != r.id) return;
    if (p.device_owner == model::kOwnerRouterGateway) gw_port = p;
    if (p.device_owner == model::kOwnerRouterSnat) snat_ports.push_back(p.id);
    if (p.IsRouterInterface() && !p.fixed_ips.empty()) interface_subnets.push_back(p.fixed_ips[0].subnet_id);
  });
  auto fips_in_use = [&]() -> Status {
    for (const auto& f : FipsNow(c))
      if (f.router_id == r.id)
        return Conflict("Gateway cannot be updated for router " + r.id + ", since a gateway to external network " +
                        r.gateway_network_id + " is required by one or more floating IPs (" + f.id + ")");
    return Status::Ok();
  };
  auto drop_all = [&] {
    if (gw_port) Drop<model::Port>(c, gw_port->id);
    for (const auto& id : snat_ports) Drop<model::Port>(c, id);
  };
  if (g.clear) {
    if (r.gateway_network_id.empty() && !gw_port) return Status::Ok();
    ISTHMUS_RETURN_IF_ERROR(fips_in_use());
    drop_all();
    r.gateway_network_id.clear();
    r.enable_snat = true;
    return Status::Ok();
  }
  auto net = networks_.find(g.network_id);
  if (net == networks_.end()) return NotFound("Network " + g.network_id + " could not be found");
  if (!net->second.external) return InvalidArgument("Network " + g.network_id + " is not an external network");
  const std::string ext_cloud = net->second.clouds.empty() ? "" : net->second.clouds[0];
  if (ext_cloud != r.cloud)
    return InvalidArgument("External network " + g.network_id + " is in cloud " + ext_cloud + "; router " + r.id +
                           " is in cloud " + r.cloud);
  if (r.gateway_network_id == g.network_id && gw_port) {
    r.enable_snat = g.enable_snat;
    bool same = !g.has_ips || g.ips.size() == gw_port->fixed_ips.size();
    for (size_t i = 0; same && g.has_ips && i < g.ips.size(); ++i) {
      const auto& [sub, ip] = g.ips[i];
      const auto& have = gw_port->fixed_ips[i];
      auto parsed = Ipv4::Parse(ip);
      same = (sub.empty() || sub == have.subnet_id) &&
             (ip.empty() || (parsed.ok() && parsed->ToString() == have.ip_address));
    }
    if (same) return Status::Ok();
    Drop<model::Port>(c, gw_port->id);  // its addresses may be asked for again
    ISTHMUS_ASSIGN_OR_RETURN(p, InfraPort(c, net->second, model::kOwnerRouterGateway, r.id, r.cloud, "", r.project_id, g.ips));
    Put(c, p);
    return Status::Ok();
  }
  if (!r.gateway_network_id.empty() || gw_port) {
    ISTHMUS_RETURN_IF_ERROR(fips_in_use());
    drop_all();
  }
  ISTHMUS_ASSIGN_OR_RETURN(p, InfraPort(c, net->second, model::kOwnerRouterGateway, r.id, r.cloud, "", r.project_id,
                                g.has_ips ? g.ips : WantedIps{}));
  Put(c, p);
  r.gateway_network_id = g.network_id;
  r.enable_snat = g.enable_snat;
  if (r.distributed)
    for (const auto& sub : interface_subnets) ISTHMUS_RETURN_IF_ERROR(AddSnatPort(c, r, sub));
  return Status::Ok();
}

Result<model::Router> Federation::CreateRouter(const RouterCreate& req) {
  ISTHMUS_FRESH(CreateRouter(req));
  const std::string& name = req.name;
  const std::string& project = req.project;
  const bool distributed = req.distributed;
  std::vector<std::string> hints = req.clouds;
  const std::optional<GatewayRequest>& gw = req.gateway;
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked(Name(Kind::kRouter), project));
  if (hints.empty() && clouds_.size() == 1) hints.push_back(clouds_.begin()->first);
  if (hints.size() != 1)
    return InvalidArgument("a router lives in exactly one cloud: give one availability_zone_hints entry");
  if (!clouds_.count(hints[0])) return NotFound("Cloud " + hints[0] + " could not be found");
  model::Router router;
  router.id = NewUuid();
  router.name = name;
  router.project_id = project;
  router.cloud = hints[0];
  router.distributed = distributed;
  router.admin_state_up = req.admin_state_up;
  router.description = req.description;
  Change c;
  if (gw) ISTHMUS_RETURN_IF_ERROR(SetGateway(c, router, *gw));
  Put(c, router);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return router;
}

Result<model::Router> Federation::UpdateRouter(const std::string& router_id, const RouterUpdate& req) {
  ISTHMUS_FRESH(UpdateRouter(router_id, req));
  const std::optional<GatewayRequest>& gw = req.gateway;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = routers_.find(router_id);
  if (it == routers_.end()) return NotFound("Router " + router_id + " could not be found");
  model::Router router = it->second;
  if (req.name) router.name = *req.name;
  if (req.description) router.description = *req.description;
  if (req.admin_state_up) router.admin_state_up = *req.admin_state_up;
  if (req.routes) {
    ISTHMUS_RETURN_IF_ERROR(CheckExtraRoutes(router, *req.routes));
    router.routes = *req.routes;
  }
  Change c;
  if (gw) ISTHMUS_RETURN_IF_ERROR(SetGateway(c, router, *gw));
  if (json(router) != json(it->second)) Put(c, router);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return router;
}

std::optional<model::Port> Federation::GatewayPort(const std::string& router_id) {
  std::lock_guard<std::mutex> lock(mu_);
  // The router's own ports, from the list index (not a scan of every port).
  for (const auto& p : Walk<model::Port>(store_, {"device_id", {router_id}}, "", false, SIZE_MAX))
    if (p.device_owner == model::kOwnerRouterGateway) return p;
  return std::nullopt;
}

// What an interface of router r on the subnet needs, however it is made: a
// subnet of a non-external network of the router's cloud, overlapping none of
// the router's other interfaces, with no interface of this router or of another
// router of the same cloud on it.
Status Federation::CheckInterfaceSubnet(const model::Router& r, const std::string& subnet_id) const {
  auto sub = subnets_.find(subnet_id);
  if (sub == subnets_.end()) return NotFound("Subnet " + subnet_id + " could not be found");
  const model::Network& net = networks_.at(sub->second.network_id);
  const std::string& cloud = r.cloud;
  if (net.external)
    return InvalidArgument("Subnet " + subnet_id + " is on external network " + net.id +
                           "; connect a router to it with external_gateway_info");
  if (std::find(net.clouds.begin(), net.clouds.end(), cloud) == net.clouds.end())
    return InvalidArgument("network " + net.id + " is not present in cloud " + cloud + " of router " + r.id);
  auto cidr = Cidr::Parse(sub->second.cidr);
  for (const auto& [id, p] : ports_) {
    if (!p.IsRouterInterface() || p.fixed_ips.empty()) continue;
    // Neutron: a router's interfaces never overlap (it could not route between them).
    if (p.device_id == r.id && p.fixed_ips[0].subnet_id != subnet_id) {
      auto other = subnets_.find(p.fixed_ips[0].subnet_id);
      auto other_cidr = other == subnets_.end() ? Result<Cidr>(NotFound("")) : Cidr::Parse(other->second.cidr);
      if (cidr.ok() && other_cidr.ok() && other_cidr->Overlaps(*cidr))
        return InvalidArgument("Bad router request: Cidr " + cidr->ToString() + " of subnet " + subnet_id +
                               " overlaps with cidr " + other_cidr->ToString() + " of subnet " + other->first);
    }
    if (p.fixed_ips[0].subnet_id != subnet_id) continue;
    if (p.device_id == r.id) return Conflict("Router " + r.id + " already has a port on subnet " + subnet_id);
    if (p.cloud == cloud)
      return Conflict("Subnet " + subnet_id + " already has a gateway in cloud " + cloud + " (router " +
                      p.device_id + ")");
  }
  return Status::Ok();
}

Result<InterfaceInfo> Federation::AddRouterInterface(const std::string& router_id, const std::string& subnet_id) {
  ISTHMUS_FRESH(AddRouterInterface(router_id, subnet_id));
  std::lock_guard<std::mutex> lock(mu_);
  auto router = routers_.find(router_id);
  if (router == routers_.end()) return NotFound("Router " + router_id + " could not be found");
  ISTHMUS_RETURN_IF_ERROR(CheckInterfaceSubnet(router->second, subnet_id));
  auto sub = subnets_.find(subnet_id);
  const model::Network& net = networks_.at(sub->second.network_id);
  const std::string& cloud = router->second.cloud;
  if (sub->second.gateway_ip.empty())
    return InvalidArgument("Subnet " + subnet_id + " has no gateway_ip to give the router");
  // anycast: the subnet's gateway IP in every cloud, a MAC per cloud.
  // per-cloud (Tricircle's): the first cloud's router takes the subnet's
  // gateway IP, every other cloud's router a free address of its own.
  Change c;
  auto gw = Ipv4::Parse(sub->second.gateway_ip);
  std::string ip = gw->ToString();
  for (const auto& h : store_.allocation().Holders(subnet_id, gw->v)) {
    if (!h.router_interface) return Conflict("Gateway IP " + ip + " is held by port " + h.port_id);
    if (sub->second.gateway_mode == "per-cloud") ip.clear();
  }
  if (ip.empty()) {
    SubnetIpsInUse used = UsedIps(c, subnet_id, "");
    used.Take(gw->v);
    auto next = used.NextFree(sub->second.allocation_pools, net.name.empty() ? net.id : net.name);
    if (!next.ok()) return next.status();
    ip = *next;
  }
  model::Port p;
  p.id = NewUuid();
  p.project_id = router->second.project_id;
  p.network_id = net.id;
  p.mac_address = NewMac(c);
  p.fixed_ips = {{subnet_id, ip}};
  p.device_owner = router->second.distributed ? model::kOwnerRouterInterfaceDistributed
                                              : model::kOwnerRouterInterface;
  p.device_id = router_id;
  p.cloud = cloud;
  Put(c, p);
  Touch<model::Router>(store_, c, router_id);  // its interfaces changed: a new revision
  // A DVR router with a gateway SNATs this subnet on the network node: its sg- port.
  if (router->second.distributed && !router->second.gateway_network_id.empty())
    ISTHMUS_RETURN_IF_ERROR(AddSnatPort(c, router->second, subnet_id));
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return InterfaceInfo{router_id, subnet_id, p.id, net.id, p.project_id};
}

// Neutron's add_router_interface with a port: the port, unused and with one
// fixed IP, becomes the router's interface on its subnet with its own address
// and MAC (so the subnet's gateway_ip is not the router's there).
Result<InterfaceInfo> Federation::AddRouterInterfacePort(const std::string& router_id, const std::string& port_id) {
  ISTHMUS_FRESH(AddRouterInterfacePort(router_id, port_id));
  std::lock_guard<std::mutex> lock(mu_);
  auto router = routers_.find(router_id);
  if (router == routers_.end()) return NotFound("Router " + router_id + " could not be found");
  auto it = ports_.find(port_id);
  if (it == ports_.end()) return NotFound("Port " + port_id + " could not be found");
  model::Port p = it->second;
  if (!p.device_id.empty() || !p.IsInstance())
    return Conflict("Port " + port_id + " is in use by " + (p.device_id.empty() ? p.device_owner : p.device_id));
  if (p.fixed_ips.size() != 1)
    return InvalidArgument("Bad router request: a router port must have exactly one fixed IP (port " + port_id +
                           " has " + std::to_string(p.fixed_ips.size()) + ")");
  for (const auto& [fid, f] : floatingips_)
    if (f.port_id == port_id) return Conflict("Port " + port_id + " has floating IP " + f.floating_ip_address);
  const std::string subnet_id = p.fixed_ips[0].subnet_id;
  ISTHMUS_RETURN_IF_ERROR(CheckInterfaceSubnet(router->second, subnet_id));
  p.device_owner = router->second.distributed ? model::kOwnerRouterInterfaceDistributed
                                              : model::kOwnerRouterInterface;
  p.device_id = router_id;
  p.host.clear();
  p.cloud = router->second.cloud;
  Change c;
  Put(c, p);
  Touch<model::Router>(store_, c, router_id);
  if (router->second.distributed && !router->second.gateway_network_id.empty())
    ISTHMUS_RETURN_IF_ERROR(AddSnatPort(c, router->second, subnet_id));
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return InterfaceInfo{router_id, subnet_id, p.id, p.network_id, p.project_id};
}

Result<InterfaceInfo> Federation::RemoveRouterInterface(const std::string& router_id, const std::string& subnet_id,
                                                       const std::string& port_id) {
  ISTHMUS_FRESH(RemoveRouterInterface(router_id, subnet_id, port_id));
  std::lock_guard<std::mutex> lock(mu_);
  if (!routers_.count(router_id)) return NotFound("Router " + router_id + " could not be found");
  for (const auto& [id, p] : ports_) {
    if (!p.IsRouterInterface() || p.device_id != router_id || p.fixed_ips.empty()) continue;
    if ((!port_id.empty() && id == port_id) || (!subnet_id.empty() && p.fixed_ips[0].subnet_id == subnet_id)) {
      InterfaceInfo info{router_id, p.fixed_ips[0].subnet_id, id, p.network_id, p.project_id};
      ISTHMUS_RETURN_IF_ERROR(CheckNoRouteNeeds(routers_.at(router_id), info.subnet_id));
      // Floating IPs of this router whose fixed IP is on the subnet need it.
      for (const auto& [fid, f] : floatingips_) {
        if (f.router_id != router_id || f.port_id.empty()) continue;
        auto fp = ports_.find(f.port_id);
        if (fp == ports_.end()) continue;
        for (const auto& fixed : fp->second.fixed_ips)
          if (fixed.ip_address == f.fixed_ip_address && fixed.subnet_id == info.subnet_id)
            return Conflict("Router interface for subnet " + info.subnet_id + " on router " + router_id +
                            " cannot be deleted, as it is required by one or more floating IPs (" + fid + ")");
      }
      Change c;
      Drop<model::Port>(c, id);
      Touch<model::Router>(store_, c, router_id);
      for (const auto& [sid, s] : ports_)
        if (s.device_owner == model::kOwnerRouterSnat && s.device_id == router_id && !s.fixed_ips.empty() &&
            s.fixed_ips[0].subnet_id == info.subnet_id)
          Drop<model::Port>(c, sid);
      ISTHMUS_RETURN_IF_ERROR(Apply(c));
      return info;
    }
  }
  return NotFound("Router " + router_id + " has no interface on " + (subnet_id.empty() ? "port " + port_id : "subnet " + subnet_id));
}

Status Federation::DeleteLocked(std::type_identity<model::Router>, const std::string& id) {
  Change c;
  auto it = routers_.find(id);
  if (it == routers_.end()) return NotFound("Router " + id + " could not be found");
  for (const auto& [pid, p] : ports_)
    if (p.IsRouterInterface() && p.device_id == id)
      return Conflict("Router " + id + " still has ports (" + pid + "); remove its interfaces first");
  for (const auto& [fid, f] : floatingips_)
    if (f.router_id == id)
      return Conflict("Router " + id + " still has floating IPs associated (" + fid +
                      "); disassociate them first");
  for (const auto& [pid, p] : ports_)
    if (p.device_id == id &&
        (p.device_owner == model::kOwnerRouterGateway || p.device_owner == model::kOwnerRouterSnat))
      Drop<model::Port>(c, pid);
  Drop<model::Router>(c, id);
  return Apply(c);
}

}  // namespace isthmus::central
