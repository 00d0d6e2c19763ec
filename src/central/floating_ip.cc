// The federation side of floating IPs: allocation on the external network,
// association (the serving router, a DVR host's fg- port), deletes.
#include <algorithm>

#include "central/federation.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

Status Federation::Associate(Change& c, model::FloatingIp& f, const std::string& port_id,
                          const std::string& fixed_ip) {
  auto port = PortNow(c, port_id);
  if (!port) return NotFound("Port " + port_id + " could not be found");
  if (!port->IsInstance())
    return InvalidArgument("Port " + port_id + " has owner " + port->device_owner +
                           " and therefore cannot be associated with a floating IP");
  if (port->fixed_ips.empty())
    return InvalidArgument("Cannot add floating IP to port " + port_id + " that has no fixed IPv4 addresses");
  model::FixedIp fixed = port->fixed_ips[0];
  if (!fixed_ip.empty()) {
    auto ip = Ipv4::Parse(fixed_ip);
    if (!ip.ok()) return InvalidArgument("Invalid input for fixed_ip_address: " + ip.status().message());
    bool found = false;
    for (const auto& x : port->fixed_ips)
      if (x.ip_address == ip->ToString()) {
        fixed = x;
        found = true;
      }
    if (!found) return InvalidArgument("Port " + port_id + " does not have fixed IP " + fixed_ip);
  }
  const model::Network& fnet = networks_.at(f.floating_network_id);
  const std::string ext_cloud = fnet.clouds.empty() ? "" : fnet.clouds[0];
  if (port->cloud.empty()) {  // not bound to a host: its network must reach the external network's cloud
    auto clouds = CloudsOfNetwork(port->network_id);
    if (std::find(clouds.begin(), clouds.end(), ext_cloud) == clouds.end())
      return InvalidArgument("port " + port_id + " is not bound and its network " + port->network_id +
                             " is not in cloud " + ext_cloud + " of floating network " + fnet.id);
  } else if (port->cloud != ext_cloud) {
    return InvalidArgument("port " + port_id + " is in " + port->cloud + "; floating network " + fnet.id +
                           " is in " + ext_cloud);
  }
  for (const auto& o : FipsNow(c))
    if (o.id != f.id && o.port_id == port_id && o.fixed_ip_address == fixed.ip_address)
      return Conflict("Cannot associate floating IP " + f.floating_ip_address + " (" + f.id + ") with port " +
                      port_id + " using fixed IP " + fixed.ip_address +
                      ", as that fixed IP already has a floating IP on external network " +
                      o.floating_network_id + ".");
  const model::Router* router = nullptr;
  for (const auto& [rid, rt] : routers_) {
    if (rt.cloud != ext_cloud || rt.gateway_network_id != fnet.id) continue;
    bool serves = false;
    EachPort(c, [&](const model::Port& p) {
      if (p.IsRouterInterface() && p.device_id == rid && !p.fixed_ips.empty() &&
          p.fixed_ips[0].subnet_id == fixed.subnet_id)
        serves = true;
    });
    if (serves) {
      router = &rt;
      break;
    }
  }
  if (!router)
    return NotFound("External network " + fnet.id + " is not reachable from subnet " + fixed.subnet_id +
                    ".  Therefore, cannot associate Port " + port_id + " with a Floating IP.");
  // A DVR router does the floating IP's NAT on the instance's host, which
  // reaches the external network through its fg- port (one per host and network).
  if (router->distributed && !port->host.empty()) {
    bool have = false;
    EachPort(c, [&](const model::Port& p) {
      if (p.device_owner == model::kOwnerFipAgentGateway && p.network_id == fnet.id && p.host == port->host)
        have = true;
    });
    if (!have) {
      ISTHMUS_ASSIGN_OR_RETURN(fg, InfraPort(c, fnet, model::kOwnerFipAgentGateway, port->host, ext_cloud, port->host,
                                     "", {}));
      Put(c, fg);
    }
  }
  f.port_id = port_id;
  f.fixed_ip_address = fixed.ip_address;
  f.router_id = router->id;
  f.cloud = ext_cloud;
  return Status::Ok();
}

Result<model::FloatingIp> Federation::CreateFloatingIp(const FloatingIpCreate& req) {
  ISTHMUS_FRESH(CreateFloatingIp(req));
  const std::string& project = req.project;
  const std::string& network_id = req.floating_network_id;
  const std::string& address = req.floating_ip_address;
  const std::string& port_id = req.port_id;
  const std::string& fixed = req.fixed_ip_address;
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked(Name(Kind::kFloatingIp), project));
  auto net = networks_.find(network_id);
  if (net == networks_.end()) return NotFound("Network " + network_id + " could not be found");
  if (!net->second.external) return InvalidArgument("Network " + network_id + " is not an external network");
  model::FloatingIp f;
  f.id = NewUuid();
  f.project_id = project;
  f.description = req.description;
  f.floating_network_id = network_id;
  f.cloud = net->second.clouds.empty() ? "" : net->second.clouds[0];
  Change c;
  WantedIps wanted;
  if (!address.empty()) wanted.push_back({"", address});
  ISTHMUS_ASSIGN_OR_RETURN(port, InfraPort(c, net->second, model::kOwnerFloatingIp, f.id, f.cloud, "", project, wanted));
  f.floating_ip_address = port.fixed_ips[0].ip_address;
  f.floating_port_id = port.id;
  Put(c, port);
  if (!port_id.empty()) ISTHMUS_RETURN_IF_ERROR(Associate(c, f, port_id, fixed));
  Put(c, f);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return f;
}

Result<model::FloatingIp> Federation::UpdateFloatingIp(const std::string& id, const FloatingIpUpdate& req) {
  ISTHMUS_FRESH(UpdateFloatingIp(id, req));
  const std::string& port_id = req.port_id;
  const std::string& fixed = req.fixed_ip_address;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = floatingips_.find(id);
  if (it == floatingips_.end()) return NotFound("Floating IP " + id + " could not be found");
  model::FloatingIp f = it->second;
  if (req.description) f.description = *req.description;
  Change c;
  if (req.set_port) {
    if (port_id.empty()) {
      f.port_id.clear();
      f.fixed_ip_address.clear();
      f.router_id.clear();
    } else {
      ISTHMUS_RETURN_IF_ERROR(Associate(c, f, port_id, fixed));
    }
  }
  if (json(f) != json(it->second)) Put(c, f);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return f;
}

Status Federation::DeleteLocked(std::type_identity<model::FloatingIp>, const std::string& id) {
  Change c;
  auto it = floatingips_.find(id);
  if (it == floatingips_.end()) return NotFound("Floating IP " + id + " could not be found");
  Drop<model::Port>(c, it->second.floating_port_id);
  Drop<model::FloatingIp>(c, id);
  return Apply(c);
}

}  // namespace isthmus::central
