// The federation side of networks: VNI allocation, the clouds a network
// spans, updates and deletes (with their subnets, DHCP and fg- ports).
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
  if (external) {
    n.physical_network = physnet;
    for (const auto& [id, o] : networks_)
      if (o.external && o.physical_network == physnet && o.clouds == hints)
        return Conflict("Unable to create the flat network. Physical network " + physnet +
                        " is in use in cloud " + hints[0] + " (network " + id + ")");
  } else {
    std::set<int> used;
    for (const auto& [id, o] : networks_) used.insert(o.segmentation_id);
    int vni = options_.vni_min;
    while (vni <= options_.vni_max && used.count(vni)) ++vni;
    if (vni > options_.vni_max)
      return Conflict("No free segmentation ID in range " + std::to_string(options_.vni_min) + ":" +
                      std::to_string(options_.vni_max));
    n.segmentation_id = vni;
  }
  Change c;
  Put(c, n);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return n;
}

Result<model::Network> Federation::UpdateNetwork(const std::string& id, const NetworkUpdate& req) {
  ISTHMUS_FRESH(UpdateNetwork(id, req));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = networks_.find(id);
  if (it == networks_.end()) return NotFound("Network " + id + " could not be found");
  model::Network n = it->second;
  if (req.name) n.name = *req.name;
  if (req.description) n.description = *req.description;
  if (json(n) == json(it->second)) return n;
  Change c;
  Put(c, n);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return n;
}

Status Federation::DeleteNetworkLocked(const std::string& id) {
  Change c;
  auto it = networks_.find(id);
  if (it == networks_.end()) return NotFound("Network " + id + " could not be found");
  // DHCP and fg- ports are central's own; they go with the network.
  for (const auto& p : PortsNow(c)) {
    if (p.network_id != id) continue;
    if (p.device_owner == model::kOwnerDhcp || p.device_owner == model::kOwnerFipAgentGateway) {
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
