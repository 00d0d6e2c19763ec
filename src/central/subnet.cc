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
    if (other.ok() && other->Overlaps(*cidr))  // 400, as Neutron: clients move on to the next CIDR
      return InvalidArgument("Requested subnet with cidr: " + cidr->ToString() + " for network: " +
                      network_id + " overlaps with another subnet " + s.id + " (" + s.cidr + ")");
  }
  model::Subnet s;
  s.id = NewUuid();
  s.name = name;
  s.project_id = project;
  s.network_id = network_id;
  s.cidr = cidr->ToString();
  s.gateway_ip = gateway;
  s.gateway_mode = mode;
  s.allocation_pools = pools;
  s.enable_dhcp = dhcp;
  s.dns_nameservers = dns;
  s.host_routes = req.host_routes;
  s.description = req.description;
  Change c;
  Put(c, s);
  Touch<model::Network>(store_, c, network_id);  // its subnets changed: a new revision
  if (dhcp) ISTHMUS_RETURN_IF_ERROR(AddDhcpAddresses(c, net->second, s.id));
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return s;
}

// A DHCP server per cloud of the network: one port per (network, cloud),
// holding an address of every DHCP-enabled subnet (none on an external network).
Status Federation::AddDhcpAddresses(Change& c, const model::Network& net, const std::string& subnet_id) {
  if (net.external) return Status::Ok();
  for (const auto& cloud : net.clouds) {
    std::optional<model::Port> existing;
    EachPort(c, [&](const model::Port& p) {
      if (p.device_owner == model::kOwnerDhcp && p.network_id == net.id && p.cloud == cloud) existing = p;
    });
    if (existing) {
      ISTHMUS_ASSIGN_OR_RETURN(ips, AllocateIps(c, net, {{subnet_id, ""}}));
      existing->fixed_ips.push_back(ips.front());
      Put(c, *existing);
    } else {
      ISTHMUS_ASSIGN_OR_RETURN(p, InfraPort(c, net, model::kOwnerDhcp, "dhcp-" + cloud, cloud, "", net.project_id,
                                    {{subnet_id, ""}}));
      Put(c, p);
    }
  }
  return Status::Ok();
}

// The subnet's addresses leave the network's DHCP ports (a port left without one goes).
void Federation::DropDhcpAddresses(Change& c, const std::string& subnet_id) {
  for (auto p : PortsNow(c)) {
    if (p.device_owner != model::kOwnerDhcp) continue;
    size_t had = p.fixed_ips.size();
    std::erase_if(p.fixed_ips, [&](const model::FixedIp& f) { return f.subnet_id == subnet_id; });
    if (p.fixed_ips.size() == had) continue;
    if (p.fixed_ips.empty()) Drop<model::Port>(c, p.id);
    else Put(c, p);
  }
}

// A new gateway_ip ("" = none): never while a router interface serves the
// subnet; a host address of it, outside its pools, held by no port.
Status Federation::CheckNewGateway(const model::Subnet& s, const std::string& gateway) const {
  if (gateway == s.gateway_ip) return Status::Ok();
  if (!store_.allocation().RouterIps(s.id).empty())
    return Conflict("Gateway IP of subnet " + s.id + " cannot change: a router interface uses the subnet");
  if (gateway.empty()) return Status::Ok();
  auto ip = Ipv4::Parse(gateway);
  auto cidr = Cidr::Parse(s.cidr);
  if (!ip.ok()) return InvalidArgument("Invalid input for gateway_ip: " + ip.status().message());
  if (!cidr->Contains(*ip) || ip->v == cidr->network.v || ip->v == cidr->Broadcast().v)
    return InvalidArgument("Gateway IP " + gateway + " is not a host address of " + s.cidr);
  for (const auto& pool : s.allocation_pools) {
    auto start = Ipv4::Parse(pool.start), end = Ipv4::Parse(pool.end);
    if (start.ok() && end.ok() && ip->v >= start->v && ip->v <= end->v)
      return Conflict("Gateway IP " + gateway + " conflicts with allocation pool " + pool.start + "-" + pool.end);
  }
  if (const auto& holders = store_.allocation().Holders(s.id, ip->v); !holders.empty())
    return Conflict("Gateway IP " + gateway + " is held by port " + holders.front().port_id);
  return Status::Ok();
}

Result<model::Subnet> Federation::UpdateSubnet(const std::string& id, const SubnetUpdate& req) {
  ISTHMUS_FRESH(UpdateSubnet(id, req));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subnets_.find(id);
  if (it == subnets_.end()) return NotFound("Subnet " + id + " could not be found");
  model::Subnet s = it->second;
  if (req.name) s.name = *req.name;
  if (req.description) s.description = *req.description;
  if (req.dns_nameservers) s.dns_nameservers = *req.dns_nameservers;
  if (req.host_routes) s.host_routes = *req.host_routes;
  if (req.gateway_ip) {
    ISTHMUS_RETURN_IF_ERROR(CheckNewGateway(s, *req.gateway_ip));
    s.gateway_ip = req.gateway_ip->empty() ? "" : Ipv4::Parse(*req.gateway_ip)->ToString();
  }
  if (req.enable_dhcp) s.enable_dhcp = *req.enable_dhcp;
  if (json(s) == json(it->second)) return s;
  Change c;
  Put(c, s);
  if (s.enable_dhcp && !it->second.enable_dhcp)
    ISTHMUS_RETURN_IF_ERROR(AddDhcpAddresses(c, networks_.at(s.network_id), s.id));
  if (!s.enable_dhcp && it->second.enable_dhcp) DropDhcpAddresses(c, s.id);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return s;
}

Status Federation::DeleteLocked(std::type_identity<model::Subnet>, const std::string& id) {
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
  Touch<model::Network>(store_, c, network_id);
  return Apply(c);
}

}  // namespace isthmus::central
