// The federation side of subnets: overlap checks, a DHCP port per cloud of the
// network, updates and deletes.
#include <cstdint>
#include <optional>

#include "central/federation.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

std::vector<std::string> Federation::SubnetsOf(const std::string& network_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& s : Walk<model::Subnet>(store_, {"network_id", {network_id}}, "", false, SIZE_MAX))
    out.push_back(s.id);  // id order, from the list index
  return out;
}

Result<model::Subnet> Federation::CreateSubnet(const SubnetCreate& req) {
  ISTHMUS_FRESH(CreateSubnet(req));
  const std::string& name = req.name;
  const std::string& project = req.project;
  const std::string& network_id = req.network_id;
  const Cidr* cidr = &req.cidr;
  const std::string& gateway = req.gateway_ip;
  const std::string& mode = req.gateway_mode;
  const auto& pools = req.allocation_pools;
  const bool dhcp = req.enable_dhcp;
  const auto& dns = req.dns_nameservers;
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked(Name(Kind::kSubnet), project));
  auto net = networks_.find(network_id);
  if (net == networks_.end()) return NotFound("Network " + network_id + " could not be found");
  for (const auto& [id, s] : subnets_) {
    if (s.network_id != network_id) continue;
    auto other = Cidr::Parse(s.cidr);
    if (other.ok() && other->Overlaps(*cidr))
      return Conflict("Requested subnet with cidr: " + cidr->ToString() + " for network: " +
                      network_id + " overlaps with another subnet " + s.id + " (" + s.cidr + ")");
  }
  model::Subnet s{NewUuid(), name, project, network_id, cidr->ToString(), gateway, mode, pools, dhcp, dns};
  Change c;
  Put(c, s);
  // A DHCP server per cloud of the network: one port per (network, cloud),
  // holding an address of every DHCP-enabled subnet.
  if (dhcp && !net->second.external) {
    for (const auto& cloud : net->second.clouds) {
      std::optional<model::Port> existing;
      EachPort(c, [&](const model::Port& p) {
        if (p.device_owner == model::kOwnerDhcp && p.network_id == network_id && p.cloud == cloud) existing = p;
      });
      if (existing) {
        ISTHMUS_ASSIGN_OR_RETURN(ips, AllocateIps(c, net->second, {{s.id, ""}}));
        existing->fixed_ips.push_back(ips.front());
        Put(c, *existing);
      } else {
        ISTHMUS_ASSIGN_OR_RETURN(p, InfraPort(c, net->second, model::kOwnerDhcp, "dhcp-" + cloud, cloud, "",
                                      net->second.project_id, {{s.id, ""}}));
        Put(c, p);
      }
    }
  }
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return s;
}

Result<model::Subnet> Federation::UpdateSubnet(const std::string& id, const SubnetUpdate& req) {
  ISTHMUS_FRESH(UpdateSubnet(id, req));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subnets_.find(id);
  if (it == subnets_.end()) return NotFound("Subnet " + id + " could not be found");
  model::Subnet s = it->second;
  if (req.name) s.name = *req.name;
  if (req.dns_nameservers) s.dns_nameservers = *req.dns_nameservers;
  if (json(s) == json(it->second)) return s;
  Change c;
  Put(c, s);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return s;
}

Status Federation::DeleteSubnetLocked(const std::string& id) {
  Change c;
  auto it = subnets_.find(id);
  if (it == subnets_.end()) return NotFound("Subnet " + id + " could not be found");
  const std::string network_id = it->second.network_id;
  bool floating_ips = false;  // on this external network: its fg- ports are still needed
  for (const auto& [fid, f] : floatingips_) floating_ips |= f.floating_network_id == network_id;
  for (auto p : PortsNow(c)) {
    bool on = false;
    for (const auto& f : p.fixed_ips) on |= f.subnet_id == id;
    if (!on) continue;
    if (p.device_owner == model::kOwnerDhcp ||
        (p.device_owner == model::kOwnerFipAgentGateway && !floating_ips)) {
      std::erase_if(p.fixed_ips, [&](const model::FixedIp& f) { return f.subnet_id == id; });
      if (p.fixed_ips.empty()) Drop<model::Port>(c, p.id);
      else Put(c, p);
      continue;
    }
    return Conflict("Unable to complete operation on subnet " + id +
                    ": one or more ports have an IP allocation from this subnet (" + p.id + ")");
  }
  Drop<model::Subnet>(c, id);
  return Apply(c);
}

}  // namespace isthmus::central
