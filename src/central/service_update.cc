// Service: updates of networks, subnets and ports (PUT /v2.0/<kind>/<id>).
// What can change after creation is what isthmus can carry through to every
// cloud without rebuilding the resource: names, a subnet's DNS servers, a
// port's binding (Nova binds a port after creating it), owner and device.
// Anything else is refused by name, and a refused update changes nothing.
#include <set>

#include "central/request.h"
#include "central/service.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

Status Unchangeable(const std::string& kind, const Request& r, const std::set<std::string>& keys) {
  for (const auto& k : keys)
    if (r.Contains(k)) return InvalidArgument("Cannot update read-only attribute " + k + " of a " + kind);
  return Status::Ok();
}

Status AdminStateUp(const Request& r) {
  auto up = r.Bool("admin_state_up", true);
  if (!up.ok()) return up.status();
  if (!*up) return InvalidArgument("admin_state_up false is not supported");
  return Status::Ok();
}

}  // namespace

Result<model::Network> Service::UpdateNetwork(const std::string& id, const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "network",
                                     {"name", "description", "admin_state_up", "router:external",
                                      "availability_zone_hints", "provider:network_type",
                                      "provider:segmentation_id", "provider:physical_network"}));
  ISTHMUS_RETURN_IF_ERROR(Unchangeable("network", r, {"router:external", "availability_zone_hints",
                                                      "provider:network_type",
                                                      "provider:segmentation_id",
                                                      "provider:physical_network"}));
  ISTHMUS_RETURN_IF_ERROR(AdminStateUp(r));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = networks_.find(id);
  if (it == networks_.end()) return NotFound("Network " + id + " could not be found");
  model::Network n = it->second;
  if (r.Has("name")) n.name = name;
  if (json(n) == json(it->second)) return n;
  Change c;
  Put(c, n);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return n;
}

Result<model::Subnet> Service::UpdateSubnet(const std::string& id, const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "subnet",
                                     {"name", "description", "dns_nameservers", "enable_dhcp",
                                      "gateway_ip", "allocation_pools", "cidr", "network_id",
                                      "ip_version", "gateway_mode", "host_routes"}));
  ISTHMUS_RETURN_IF_ERROR(Unchangeable("subnet", r, {"enable_dhcp", "gateway_ip", "allocation_pools",
                                                     "cidr", "network_id", "ip_version",
                                                     "gateway_mode", "host_routes"}));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(dns, r.StringList("dns_nameservers"));
  ISTHMUS_RETURN_IF_ERROR(CanonicalNameservers(dns));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subnets_.find(id);
  if (it == subnets_.end()) return NotFound("Subnet " + id + " could not be found");
  model::Subnet s = it->second;
  if (r.Has("name")) s.name = name;
  if (r.Contains("dns_nameservers")) s.dns_nameservers = dns;
  if (json(s) == json(it->second)) return s;
  Change c;
  Put(c, s);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return s;
}

Result<model::Port> Service::UpdatePort(const std::string& id, const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "port",
                                     {"name", "description", "admin_state_up", "binding:host_id",
                                      "device_owner", "device_id", "network_id", "mac_address",
                                      "fixed_ips", "security_groups", "port_security_enabled"}));
  if (r.Has("mac_address") && r.Raw("mac_address").is_string()) {
    auto mac = Mac::Parse(r.Raw("mac_address").get<std::string>());
    if (mac.ok()) ISTHMUS_RETURN_IF_ERROR(RefuseDvrMac(*mac));  // the clearer message first
  }
  ISTHMUS_RETURN_IF_ERROR(Unchangeable("port", r, {"network_id", "mac_address", "fixed_ips",
                                                   "security_groups", "port_security_enabled"}));
  ISTHMUS_RETURN_IF_ERROR(AdminStateUp(r));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(host, r.String("binding:host_id"));
  ISTHMUS_ASSIGN_OR_RETURN(owner, r.String("device_owner"));
  ISTHMUS_ASSIGN_OR_RETURN(device, r.String("device_id"));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ports_.find(id);
  if (it == ports_.end()) return NotFound("Port " + id + " could not be found");
  model::Port p = it->second;
  if (!p.IsInstance())
    return Conflict("Port " + id + " is owned by " + p.device_owner + "; central manages it");
  if (r.Contains("device_owner")) {
    if (owner.rfind("network:", 0) == 0)
      return InvalidArgument("device_owner " + owner + " is reserved for ports central makes");
    p.device_owner = owner;
  }
  if (r.Contains("device_id")) p.device_id = device;
  if (r.Has("name")) p.name = name;
  if (r.Contains("binding:host_id") && host != p.host) {
    std::string cloud;
    if (!host.empty()) {
      auto h = hosts_.find(host);
      if (h == hosts_.end()) return InvalidArgument("Unknown host " + host + " in binding:host_id");
      const auto& clouds = networks_.at(p.network_id).clouds;
      if (std::find(clouds.begin(), clouds.end(), h->second.cloud) == clouds.end())
        return InvalidArgument("Host " + host + " is in cloud " + h->second.cloud + ", where network " +
                               p.network_id + " is not present");
      cloud = h->second.cloud;
    }
    for (const auto& [fid, f] : floatingips_)
      if (f.port_id == id)
        return Conflict("Port " + id + " has floating IP " + f.floating_ip_address +
                        "; disassociate it before binding the port elsewhere");
    p.host = host;
    p.cloud = cloud;
  }
  if (json(p) == json(it->second)) return p;
  Change c;
  Put(c, p);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return p;
}

}  // namespace isthmus::central
