// The federation side of ports: MAC and IP allocation (central's own ports
// included), binding to hosts, updates and deletes.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "central/federation.h"
#include "central/ipam.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

Status RefuseDvrMac(const Mac& mac) {
  if (!InDvrMacSpace(mac)) return Status::Ok();
  return InvalidArgument("Invalid input for mac_address: " + mac.ToString() +
                         " is inside the DVR MAC range fa:16:3f:00:00:00/24, reserved for the DVR MACs "
                         "of hosts (a port there would be trusted as routed traffic)");
}

SubnetIpsInUse Federation::UsedIps(const Change& c, const std::string& subnet_id,
                                  const std::string& cloud) const {
  SubnetIpsInUse used(store_.allocation(), subnet_id, cloud);
  for (const auto& [id, p] : c.Of<model::Port>()) {
    if (auto old = ports_.find(id); old != ports_.end()) used.Count(old->second, -1);
    if (p) used.Count(*p, +1);
  }
  return used;
}

bool Federation::MacInUse(const Change& c, const std::string& mac) const {
  for (const auto& [id, p] : c.Of<model::Port>())
    if (p && p->mac_address == mac) return true;
  const std::string* holder = store_.allocation().MacHolder(mac);
  return holder && !c.Of<model::Port>().count(*holder);  // a port the change rewrote was checked above
}

std::string Federation::NewMac(const Change& c) const {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  while (true) {
    std::string mac = Mac::FromU64(0xfa163e000000ULL | (rng() & 0xffffff)).ToString();
    if (!MacInUse(c, mac)) return mac;
  }
}

Result<std::vector<model::FixedIp>> Federation::AllocateIps(const Change& c, const model::Network& net,
                                                         WantedIps wanted) const {
  const std::string& network_id = net.id;
  const std::string net_name = net.name.empty() ? net.id : net.name;
  std::vector<model::Subnet> subnets;  // the network's, in id order
  Each<model::Subnet>(store_, c, [&](const model::Subnet& s) {
    if (s.network_id == network_id) subnets.push_back(s);
  });
  std::sort(subnets.begin(), subnets.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::map<std::string, SubnetIpsInUse> taken;
  auto used_of = [&](const model::Subnet& s) -> SubnetIpsInUse& {
    auto it = taken.find(s.id);
    if (it == taken.end()) {
      it = taken.emplace(s.id, UsedIps(c, s.id, "")).first;
      if (auto gw = Ipv4::Parse(s.gateway_ip); gw.ok()) it->second.Take(gw->v);
    }
    return it->second;
  };
  std::vector<model::FixedIp> out;
  if (wanted.empty()) {  // the first subnet with room
    if (subnets.empty()) return out;
    Status last;
    for (const auto& s : subnets) {
      auto next = used_of(s).NextFree(s.allocation_pools, net_name);
      if (next.ok()) {
        out.push_back({s.id, *next});
        return out;
      }
      last = next.status();
    }
    return last;
  }
  for (auto [subnet_id, ip_text] : wanted) {
    if (subnet_id.empty()) {  // an IP alone: find its subnet
      auto ip = Ipv4::Parse(ip_text);
      if (!ip.ok()) return InvalidArgument("Invalid input for ip_address: " + ip.status().message());
      for (const auto& s : subnets)
        if (Cidr::Parse(s.cidr)->Contains(*ip)) subnet_id = s.id;
      if (subnet_id.empty())
        return InvalidArgument("IP address " + ip_text + " is not in any subnet of network " + network_id);
    }
    const model::Subnet* sub = nullptr;
    for (const auto& s : subnets)
      if (s.id == subnet_id) sub = &s;
    if (!sub) {
      if (SubnetNow(c, subnet_id)) return InvalidArgument("Subnet " + subnet_id + " is not on network " + network_id);
      return NotFound("Subnet " + subnet_id + " could not be found");
    }
    auto& used = used_of(*sub);
    if (ip_text.empty()) {
      auto next = used.NextFree(sub->allocation_pools, net_name);
      if (!next.ok()) return next.status();
      ip_text = *next;
    } else {
      auto ip = Ipv4::Parse(ip_text);
      if (!ip.ok()) return InvalidArgument("Invalid input for ip_address: " + ip.status().message());
      auto cidr = Cidr::Parse(sub->cidr);
      if (!cidr->Contains(*ip) || ip->v == cidr->network.v || ip->v == cidr->Broadcast().v)
        return InvalidArgument("IP address " + ip_text + " is not a valid IP for subnet " + subnet_id +
                               " (" + sub->cidr + ")");
      if (used.Held(ip->v))
        return Conflict("IP address " + ip_text + " already allocated in subnet " + subnet_id);
      ip_text = ip->ToString();
    }
    used.Take(Ipv4::Parse(ip_text)->v);
    out.push_back({subnet_id, ip_text});
  }
  return out;
}

Result<model::Port> Federation::InfraPort(const Change& c, const model::Network& net, const std::string& owner,
                                       const std::string& device_id, const std::string& cloud,
                                       const std::string& host, const std::string& project,
                                       WantedIps wanted) const {
  ISTHMUS_ASSIGN_OR_RETURN(ips, AllocateIps(c, net, std::move(wanted)));
  if (ips.empty())
    return InvalidArgument("Network " + net.id + " has no subnet to give an address to a " + owner + " port");
  model::Port p;
  p.id = NewUuid();
  p.project_id = project;
  p.network_id = net.id;
  p.mac_address = NewMac(c);
  p.fixed_ips = ips;
  p.device_owner = owner;
  p.device_id = device_id;
  p.host = host;
  p.cloud = cloud;
  return p;
}

Result<model::Port> Federation::CreatePort(const PortCreate& req) {
  ISTHMUS_FRESH(CreatePort(req));
  const std::string& name = req.name;
  const std::string& project = req.project;
  const std::string& network_id = req.network_id;
  const std::string& mac_text = req.mac_address;
  const std::string& host = req.host;
  const std::string& owner = req.device_owner;
  const std::string& device = req.device_id;
  const WantedIps& wanted = req.fixed_ips;
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked(Name(Kind::kPort), project));
  auto net = networks_.find(network_id);
  if (net == networks_.end()) return NotFound("Network " + network_id + " could not be found");
  model::Port p;
  p.id = NewUuid();
  p.name = name;
  p.project_id = project;
  p.network_id = network_id;
  p.device_owner = owner;
  p.device_id = device;
  p.host = host;
  p.admin_state_up = req.admin_state_up;
  p.description = req.description;
  p.tags = req.tags;
  if (!host.empty()) {
    auto h = hosts_.find(host);
    if (h == hosts_.end()) return InvalidArgument("Unknown host " + host + " in binding:host_id");
    const auto& clouds = net->second.clouds;
    if (std::find(clouds.begin(), clouds.end(), h->second.cloud) == clouds.end())
      return InvalidArgument("Host " + host + " is in cloud " + h->second.cloud + ", where network " +
                             network_id + " is not present");
    p.cloud = h->second.cloud;
  }
  Change c;
  if (!mac_text.empty()) {
    auto mac = Mac::Parse(mac_text);
    if (!mac.ok()) return InvalidArgument("Invalid input for mac_address: " + mac.status().message());
    if (mac->b[0] & 1) return InvalidArgument("mac_address " + mac_text + " is a multicast address");
    ISTHMUS_RETURN_IF_ERROR(RefuseDvrMac(*mac));
    p.mac_address = mac->ToString();
    if (MacInUse(c, p.mac_address))
        return Conflict("Unable to complete operation for network " + network_id + ". The mac address " +
                        p.mac_address + " is in use.");
  } else {
    p.mac_address = NewMac(c);
  }
  ISTHMUS_ASSIGN_OR_RETURN(ips, AllocateIps(c, net->second, wanted));
  p.fixed_ips = ips;
  // Port security (Neutron's): groups with it off are a bad request; without
  // groups named, an instance's port is in its project's default group
  // (network:* ports are trusted: none).
  // Not given: the network's port_security_enabled (Neutron's default for its ports).
  PortSecurity security = req.security;
  if (!security.port_security_enabled) security.port_security_enabled = net->second.port_security_enabled;
  const bool psec = *security.port_security_enabled;
  if (!psec && security.security_groups && !security.security_groups->empty())
    return InvalidArgument("Port security must be enabled and port must have an IP address in order to use "
                           "security groups.");
  if (!security.security_groups && psec && p.IsInstance())
    security.security_groups = std::vector<std::string>{DefaultGroupLocked(c, project)};
  ISTHMUS_RETURN_IF_ERROR(SetPortSecurity(c, p, security));
  Put(c, p);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return p;
}

Result<model::Port> Federation::UpdatePort(const std::string& id, const PortUpdate& req) {
  ISTHMUS_FRESH(UpdatePort(id, req));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ports_.find(id);
  if (it == ports_.end()) return NotFound("Port " + id + " could not be found");
  model::Port p = it->second;
  // Central's own ports take only a name, a description and their fixed_ips
  // as they are (Neutron's clients send them back unchanged).
  const bool only_text = !req.device_owner && !req.device_id && !req.admin_state_up && !req.host &&
                         !req.mac_address && !req.security.port_security_enabled &&
                         !req.security.security_groups && !req.security.allowed_address_pairs;
  const std::string managed = "Port " + id + " is owned by " + p.device_owner + "; central manages it";
  if (!p.IsInstance() && !only_text) return Conflict(managed);
  if (req.device_owner) {
    const std::string& owner = *req.device_owner;
    if (owner.rfind("network:", 0) == 0)
      return InvalidArgument("device_owner " + owner + " is reserved for ports central makes");
    p.device_owner = owner;
  }
  if (req.device_id) p.device_id = *req.device_id;
  if (req.name) p.name = *req.name;
  if (req.description) p.description = *req.description;
  if (req.admin_state_up) p.admin_state_up = *req.admin_state_up;
  if (req.host && *req.host != p.host) {
    const std::string& host = *req.host;
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
  Change c;
  if (req.mac_address) ISTHMUS_RETURN_IF_ERROR(ChangeMac(c, p, *req.mac_address));
  if (req.fixed_ips) ISTHMUS_RETURN_IF_ERROR(ChangeFixedIps(c, p, *req.fixed_ips));
  if (!p.IsInstance() && json(p.fixed_ips) != json(it->second.fixed_ips))
    return Conflict(managed + " (its addresses change with the router's interfaces, gateway or floating IP)");
  ISTHMUS_RETURN_IF_ERROR(SetPortSecurity(c, p, req.security));
  if (json(p) == json(it->second)) return p;
  Put(c, p);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return p;
}

// Neutron's rule: a bound port keeps its MAC (409); the new one is unicast,
// outside the DVR MAC space and not held by another port.
Status Federation::ChangeMac(const Change& c, model::Port& p, const std::string& mac_text) const {
  auto mac = Mac::Parse(mac_text);
  if (!mac.ok()) return InvalidArgument("Invalid input for mac_address: " + mac.status().message());
  if (mac->ToString() == p.mac_address) return Status::Ok();
  if (mac->b[0] & 1) return InvalidArgument("mac_address " + mac_text + " is a multicast address");
  ISTHMUS_RETURN_IF_ERROR(RefuseDvrMac(*mac));
  if (!p.host.empty())
    return Conflict("Unable to complete operation on port " + p.id + ": it is bound to host " + p.host +
                    "; unbind it (binding:host_id \"\") before changing its mac_address");
  if (MacInUse(c, mac->ToString()))
    return Conflict("Unable to complete operation for network " + p.network_id + ". The mac address " +
                    mac->ToString() + " is in use.");
  p.mac_address = mac->ToString();
  return Status::Ok();
}

// The port's fixed IPs become `wanted`, matched with the old ones as Neutron
// does: an address the port holds stays, a subnet alone keeps the port's
// address on it (or takes a free one), anything else is allocated; the rest
// is released. A floating IP on a released address refuses the change (409).
Status Federation::ChangeFixedIps(const Change& c, model::Port& p, const WantedIps& wanted) const {
  std::vector<model::FixedIp> old = p.fixed_ips;
  std::vector<std::optional<model::FixedIp>> kept(wanted.size());
  auto take = [&](auto&& match) -> std::optional<model::FixedIp> {
    for (auto f = old.begin(); f != old.end(); ++f)
      if (match(*f)) {
        model::FixedIp held = *f;
        old.erase(f);
        return held;
      }
    return std::nullopt;
  };
  for (size_t i = 0; i < wanted.size(); ++i) {
    const auto& [subnet, ip] = wanted[i];
    auto parsed = Ipv4::Parse(ip);
    if (!ip.empty() && parsed.ok())
      kept[i] = take([&](const model::FixedIp& f) {
        return f.ip_address == parsed->ToString() && (subnet.empty() || subnet == f.subnet_id);
      });
  }
  for (size_t i = 0; i < wanted.size(); ++i)
    if (wanted[i].second.empty() && !wanted[i].first.empty())
      kept[i] = take([&](const model::FixedIp& f) { return f.subnet_id == wanted[i].first; });
  for (const auto& f : FipsNow(c))
    for (const auto& released : old)
      if (f.port_id == p.id && f.fixed_ip_address == released.ip_address)
        return Conflict("Port " + p.id + " has floating IP " + f.floating_ip_address + " on " +
                        released.ip_address + "; disassociate it before removing that address");
  WantedIps fresh;
  for (size_t i = 0; i < wanted.size(); ++i)
    if (!kept[i]) fresh.push_back(wanted[i]);
  // New addresses never take one the port releases (still held until the change commits).
  auto net = networks_.find(p.network_id);
  if (net == networks_.end()) return NotFound("Network " + p.network_id + " could not be found");
  std::vector<model::FixedIp> ips;
  if (!fresh.empty()) {
    ISTHMUS_ASSIGN_OR_RETURN(more, AllocateIps(c, net->second, fresh));
    ips = more;
  }
  p.fixed_ips.clear();
  for (size_t i = 0, n = 0; i < wanted.size(); ++i)
    p.fixed_ips.push_back(kept[i] ? *kept[i] : ips[n++]);
  return Status::Ok();
}

Status Federation::DeleteLocked(std::type_identity<model::Port>, const std::string& id) {
  Change c;
  auto it = ports_.find(id);
  if (it == ports_.end()) return NotFound("Port " + id + " could not be found");
  if (it->second.IsRouterInterface())
    return Conflict("Port " + id + " is a router interface; use remove_router_interface");
  if (!it->second.IsInstance())
    return Conflict("Port " + id + " is owned by " + it->second.device_owner +
                    "; central manages it with the resource that made it");
  Drop<model::Port>(c, id);
  // Neutron: deleting an instance's port disassociates its floating IPs.
  for (auto f : FipsNow(c))
    if (f.port_id == id) {
      f.port_id.clear();
      f.fixed_ip_address.clear();
      f.router_id.clear();
      Put(c, f);
    }
  return Apply(c);
}

}  // namespace isthmus::central
