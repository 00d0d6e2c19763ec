// The federation side of networks: VNI allocation, the clouds a network
// spans, updates and deletes (with their subnets, DHCP and fg- ports).
#include <map>
#include <set>

#include "central/federation.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

std::vector<std::string> Federation::CloudsOfNetwork(const std::string& network_id) const {
  auto it = networks_.find(network_id);
  return it == networks_.end() ? std::vector<std::string>() : it->second.clouds;
}

Result<model::Network> Federation::CreateNetwork(const NetworkCreate& req) {
  ISTHMUS_FRESH(CreateNetwork(req));
  const std::string& name = req.name;
  const std::string& project = req.project;
  std::vector<std::string> hints = req.clouds;
  const bool external = req.external;
  const std::string& type = req.network_type;
  const std::string& physnet = req.physical_network;
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked(Name(Kind::kNetwork), project));
  if (external && hints.empty() && clouds_.size() == 1) hints.push_back(clouds_.begin()->first);
  if (external) {
    if (hints.size() != 1)
      return InvalidArgument("an external network lives in exactly one cloud: give one "
                             "availability_zone_hints entry");
  } else if (hints.empty()) {
    if (clouds_.size() != 1)
      return InvalidArgument("availability_zone_hints must name the network's clouds");
    hints.push_back(clouds_.begin()->first);
  }
  std::set<std::string> seen;
  for (const auto& h : hints) {
    if (!clouds_.count(h)) return NotFound("Cloud " + h + " in availability_zone_hints could not be found");
    if (!seen.insert(h).second) return InvalidArgument("Cloud " + h + " is named twice in availability_zone_hints");
  }
  model::Network n;
  n.id = NewUuid();
  n.name = name;
  n.project_id = project;
  n.clouds = hints;
  n.network_type = type;
  n.external = external;
  n.description = req.description;
  n.port_security_enabled = req.port_security_enabled;
  if (external) {
    // Without a physical network: its own (named by its id), on its cloud's br-ex.
    n.physical_network = physnet.empty() ? n.id : physnet;
    for (const auto& [id, o] : networks_)
      if (o.external && o.physical_network == n.physical_network && o.clouds == hints)
        return Conflict("Unable to create the flat network. Physical network " + physnet +
                        " is in use in cloud " + hints[0] + " (network " + id + ")");
  } else {
    ISTHMUS_ASSIGN_OR_RETURN(vni, FreeVniLocked());
    n.segmentation_id = vni;
  }
  Change c;
  Put(c, n);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return n;
}

Result<int> Federation::FreeVniLocked() const {
  std::set<int> used;
  for (const auto& [id, o] : networks_) used.insert(o.segmentation_id);
  int vni = options_.vni_min;
  while (vni <= options_.vni_max && used.count(vni)) ++vni;
  if (vni > options_.vni_max)
    return Conflict("No free segmentation ID in range " + std::to_string(options_.vni_min) + ":" +
                    std::to_string(options_.vni_max));
  return vni;
}

// router:external changed (NetworkUpdate::external): n (written into c) with
// its type, segment and DHCP ports.
Status Federation::SetExternalLocked(Change& c, model::Network& n, bool external) {
  if (external && n.clouds.size() != 1)
    return InvalidArgument("Network " + n.id + " spans " + std::to_string(n.clouds.size()) +
                           " clouds: an external network lives in exactly one");
  std::vector<std::string> dhcp;
  for (const auto& p : Walk<model::Port>(store_, {"network_id", {n.id}}, "", false, SIZE_MAX)) {
    if (p.device_owner != model::kOwnerDhcp)
      return Conflict("Unable to change router:external of network " + n.id + ": port " + p.id + " (" +
                      (p.device_owner.empty() ? "no owner" : p.device_owner) + ") is on it");
    dhcp.push_back(p.id);
  }
  n.external = external;
  if (external) {
    n.network_type = "flat";
    n.segmentation_id = 0;
    n.physical_network = n.id;  // its own, on its cloud's br-ex
    for (const auto& p : dhcp) Drop<model::Port>(c, p);  // external networks have no DHCP
    Put(c, n);
    return Status::Ok();
  }
  ISTHMUS_ASSIGN_OR_RETURN(vni, FreeVniLocked());
  n.network_type = "vxlan";
  n.segmentation_id = vni;
  n.physical_network.clear();
  Put(c, n);  // before its DHCP ports
  for (const auto& s : Walk<model::Subnet>(store_, {"network_id", {n.id}}, "", false, SIZE_MAX))
    if (s.enable_dhcp) ISTHMUS_RETURN_IF_ERROR(AddDhcpAddresses(c, n, s.id));
  return Status::Ok();
}

Result<model::Network> Federation::UpdateNetwork(const std::string& id, const NetworkUpdate& req) {
  ISTHMUS_FRESH(UpdateNetwork(id, req));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = networks_.find(id);
  if (it == networks_.end()) return NotFound("Network " + id + " could not be found");
  model::Network n = it->second;
  if (req.name) n.name = *req.name;
  if (req.description) n.description = *req.description;
  if (req.port_security_enabled) n.port_security_enabled = *req.port_security_enabled;
  Change c;
  if (req.external && *req.external != n.external) {
    ISTHMUS_RETURN_IF_ERROR(SetExternalLocked(c, n, *req.external));
  } else {
    if (json(n) == json(it->second)) return n;
    Put(c, n);
  }
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return n;
}

Status Federation::DeleteLocked(std::type_identity<model::Network>, const std::string& id) {
  Change c;
  auto it = networks_.find(id);
  if (it == networks_.end()) return NotFound("Network " + id + " could not be found");
  // DHCP and fg- ports are central's own; they go with the network, and so do
  // the floating IPs of an external network no port uses (Neutron's).
  std::map<std::string, const model::FloatingIp*> fip_of_port;
  for (const auto& [fid, f] : floatingips_)
    if (f.floating_network_id == id) fip_of_port[f.floating_port_id] = &f;
  for (const auto& p : Walk<model::Port>(store_, {"network_id", {id}}, "", false, SIZE_MAX)) {
    if (p.device_owner == model::kOwnerDhcp || p.device_owner == model::kOwnerFipAgentGateway) {
      Drop<model::Port>(c, p.id);
      continue;
    }
    if (auto f = fip_of_port.find(p.id); f != fip_of_port.end() && f->second->port_id.empty()) {
      Drop<model::FloatingIp>(c, f->second->id);
      Drop<model::Port>(c, p.id);
      continue;
    }
    return Conflict("Unable to complete operation on network " + id +
                    ". There are one or more ports still in use on the network (" + p.id + ")");
  }
  for (const auto& [sid, s] : subnets_)
    if (s.network_id == id) Drop<model::Subnet>(c, sid);
  Drop<model::Network>(c, id);
  return Apply(c);
}

}  // namespace isthmus::central
