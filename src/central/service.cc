#include "central/service.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "central/ipam.h"
#include "central/request.h"
#include "common/http.h"
#include "common/log.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

#define ASSIGN_OR_RETURN(lhs, expr) \
  auto lhs##_r = (expr);            \
  if (!lhs##_r.ok()) return lhs##_r.status(); \
  auto lhs = std::move(*lhs##_r)

std::string NewUuid() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^
                                          std::chrono::steady_clock::now().time_since_epoch().count());
  uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<uint32_t>(a >> 32),
                static_cast<uint32_t>((a >> 16) & 0xffff), static_cast<uint32_t>(a & 0xfff),
                static_cast<uint32_t>(((b >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

const std::set<std::string> kCommon = {"name", "description", "tenant_id", "project_id",
                                       "admin_state_up"};
std::set<std::string> With(std::set<std::string> extra) {
  extra.insert(kCommon.begin(), kCommon.end());
  return extra;
}

Result<std::string> Project(const Request& r) {
  ASSIGN_OR_RETURN(p, r.String("project_id"));
  ASSIGN_OR_RETURN(t, r.String("tenant_id"));
  if (!p.empty() && !t.empty() && p != t)
    return InvalidArgument("tenant_id and project_id differ");
  return p.empty() ? (t.empty() ? std::string("admin") : t) : p;
}

// fixed_ips-style lists: [{"subnet_id"?, "ip_address"?}, ...].
Result<std::vector<std::pair<std::string, std::string>>> ParseFixedIps(const json& v, const std::string& attr) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!v.is_array()) return InvalidArgument(attr + " must be a list");
  for (const auto& f : v) {
    if (!f.is_object()) return InvalidArgument("each " + attr + " entry must be an object");
    for (const auto& [k, x] : f.items())
      if ((k != "subnet_id" && k != "ip_address") || !x.is_string())
        return InvalidArgument(attr + " entries take string subnet_id and ip_address only");
    out.push_back({f.value("subnet_id", ""), f.value("ip_address", "")});
  }
  return out;
}

}  // namespace

Status RefuseDvrMac(const Mac& mac) {
  if (!InDvrMacSpace(mac)) return Status::Ok();
  return InvalidArgument("Invalid input for mac_address: " + mac.ToString() +
                         " is inside the DVR MAC range fa:16:3f:00:00:00/24, reserved for the DVR MACs "
                         "of hosts (a port there would be trusted as routed traffic)");
}

Result<std::unique_ptr<Service>> Service::Create(const std::string& db_path, ServiceOptions options) {
  auto db = CentralDb::Open(db_path);
  if (!db.ok()) return db.status();
  std::unique_ptr<Service> s(new Service(std::move(*db), options));
  ISTHMUS_RETURN_IF_ERROR(s->Load());
  return s;
}

Status Service::Load() {
  auto snap = db_->Load();
  if (!snap.ok()) return snap.status();
  for (const auto& [name, row] : snap->clouds) {
    clouds_[name] = row.cloud;
    acked_[name] = row.acked_seq;
  }
  hosts_ = snap->hosts;
  quotas_ = snap->quotas;
  try {
    for (const auto& [id, b] : snap->networks) networks_[id] = b.get<model::Network>();
    for (const auto& [id, b] : snap->subnets) subnets_[id] = b.get<model::Subnet>();
    for (const auto& [id, b] : snap->ports) ports_[id] = b.get<model::Port>();
    for (const auto& [id, b] : snap->routers) routers_[id] = b.get<model::Router>();
    for (const auto& [id, b] : snap->floatingips) floatingips_[id] = b.get<model::FloatingIp>();
  } catch (const std::exception& e) {
    return Internal(std::string("corrupt resource in the database: ") + e.what());
  }
  return Status::Ok();
}

void Service::WakePushers() {
  ++events_version_;
  events_.notify_all();
}

std::vector<std::string> Service::CloudsOfNetwork(const std::string& network_id) const {
  auto it = networks_.find(network_id);
  return it == networks_.end() ? std::vector<std::string>() : it->second.clouds;
}

// Clouds

Result<model::Cloud> Service::CreateCloud(const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "cloud", {"name", "endpoint", "description"}));
  ASSIGN_OR_RETURN(name, r.RequiredString("name"));
  ASSIGN_OR_RETURN(endpoint, r.RequiredString("endpoint"));
  // Every cloud checks the cloud events it receives against the same grammar.
  if (!IsValidCloudName(name))
    return InvalidArgument("Invalid input for name: a cloud name is 1 to 64 letters, digits, '.', '-' or '_'");
  auto ep = Endpoint::Parse(endpoint);
  if (!ep.ok()) return ep.status();
  if (!IsValidHostName(ep->host))
    return InvalidArgument("Invalid input for endpoint: '" + ep->host + "' is not a host name or address");
  std::lock_guard<std::mutex> lock(mu_);
  if (clouds_.count(name)) return Conflict("Cloud " + name + " already exists");
  std::set<int> used;
  for (const auto& [n, c] : clouds_) used.insert(c.index);
  int index = 1;
  while (used.count(index)) ++index;
  if (index > 255) return Conflict("No free cloud index: a federation holds at most 255 clouds");
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "fa:16:3f:%02x", index);
  model::Cloud cloud{name, ep->ToString(), index, prefix};
  Change c;
  Put(c, cloud);  // every cloud learns it, the new one included
  // The new cloud learns the federation so far (what it receives of every-cloud kinds).
  for (const auto& [n, other] : clouds_) Emit(c, Kind::kCloud, "upsert", n, other, {name});
  for (const auto& [n, h] : hosts_) Emit(c, Kind::kHost, "upsert", n, h, {name});
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  acked_[name] = 0;
  LOG_INFO("cloud " << name << " at " << cloud.endpoint << ", DVR MAC prefix " << prefix);
  return cloud;
}

std::vector<model::Cloud> Service::ListClouds() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<model::Cloud> out;
  for (const auto& [n, c] : clouds_) out.push_back(c);
  return out;
}

Result<model::Cloud> Service::GetCloud(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clouds_.find(name);
  if (it == clouds_.end()) return NotFound("Cloud " + name + " could not be found");
  return it->second;
}

Status Service::DeleteCloud(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!clouds_.count(name)) return NotFound("Cloud " + name + " could not be found");
  if (std::string left = CloudHoldings(name); !left.empty())
    return Conflict("Cloud " + name + " still holds " + left);
  Change c;
  Drop<model::Cloud>(c, name);  // with its pending jobs; every other cloud learns it
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  acked_.erase(name);
  return Status::Ok();
}

Result<model::Host> Service::PutHost(const std::string& cloud, const std::string& name,
                                     const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "host", {"name", "role", "vtep_ip", "dvr_mac"}));
  ASSIGN_OR_RETURN(role, r.RequiredString("role"));
  ASSIGN_OR_RETURN(vtep, r.RequiredString("vtep_ip"));
  ASSIGN_OR_RETURN(mac_text, r.RequiredString("dvr_mac"));
  if (!IsValidHostName(name))
    return InvalidArgument("a host name is at most 64 letters, digits, '.', '-' or '_'");
  if (role != "compute" && role != "network")
    return InvalidArgument("role must be compute or network, not '" + role + "'");
  if (!Ipv4::Parse(vtep).ok()) return InvalidArgument("vtep_ip '" + vtep + "' is not an IPv4 address");
  auto mac = Mac::Parse(mac_text);
  if (!mac.ok()) return mac.status();
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clouds_.find(cloud);
  if (c == clouds_.end()) return NotFound("Cloud " + cloud + " could not be found");
  std::string dvr_mac = mac->ToString();
  if (dvr_mac.rfind(c->second.dvr_mac_prefix + ":", 0) != 0)
    return InvalidArgument("DVR MAC " + dvr_mac + " is outside cloud " + cloud + "'s prefix " +
                           c->second.dvr_mac_prefix);
  for (const auto& [n, h] : hosts_) {
    if (n != name && h.dvr_mac == dvr_mac)
      return Conflict("DVR MAC " + dvr_mac + " is already used by host " + n);
  }
  auto existing = hosts_.find(name);
  if (existing != hosts_.end() && existing->second.cloud != cloud)
    return Conflict("Host " + name + " belongs to cloud " + existing->second.cloud);
  model::Host host{name, cloud, role, vtep, dvr_mac};
  if (existing != hosts_.end() && existing->second.role == role &&
      existing->second.vtep_ip == vtep && existing->second.dvr_mac == dvr_mac)
    return host;  // unchanged: nothing to push
  Change ch;
  Put(ch, host);
  ISTHMUS_RETURN_IF_ERROR(Apply(ch));
  return host;
}

std::vector<model::Host> Service::ListHosts() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<model::Host> out;
  for (const auto& [n, h] : hosts_) out.push_back(h);
  return out;
}

Status Service::Apply(Change& c) {
  ISTHMUS_RETURN_IF_ERROR(db_->Commit(c.m));
  Merge(store_, c);
  for (const auto& [project, rows] : c.m.quota_sets) {
    if (rows.empty()) quotas_.erase(project);
    else quotas_[project] = rows;
  }
  if (!c.m.events.empty()) WakePushers();
  return Status::Ok();
}

// Networks

Result<model::Network> Service::CreateNetwork(const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "network",
                                     With({"availability_zone_hints", "provider:network_type",
                                           "provider:segmentation_id", "provider:physical_network",
                                           "router:external", "shared", "mtu",
                                           "port_security_enabled"})));
  ASSIGN_OR_RETURN(name, r.String("name"));
  ASSIGN_OR_RETURN(project, Project(r));
  ASSIGN_OR_RETURN(hints, r.StringList("availability_zone_hints"));
  ASSIGN_OR_RETURN(external, r.Bool("router:external", false));
  ASSIGN_OR_RETURN(type, r.String("provider:network_type", external ? "flat" : "vxlan"));
  ASSIGN_OR_RETURN(physnet, r.String("provider:physical_network"));
  if (type != "vxlan" && type != "flat")
    return InvalidArgument("provider:network_type '" + type +
                           "' is not supported (vxlan, or flat for an external network)");
  if (type == "flat" && !external)
    return InvalidArgument("provider:network_type flat is only supported for an external network "
                           "(router:external true)");
  if (external && type != "flat")
    return InvalidArgument("an external network must be provider:network_type flat, not '" + type + "'");
  if (type == "flat" && physnet.empty())
    return InvalidArgument("provider:physical_network is required for a flat network");
  if (type == "flat" && !IsValidHostName(physnet))
    return InvalidArgument("Invalid input for provider:physical_network: at most 64 letters, digits, '.', "
                           "'-' or '_'");
  if (type == "vxlan" && r.Has("provider:physical_network"))
    return InvalidArgument("provider:physical_network is only for a flat network");
  if (r.Has("provider:segmentation_id"))
    return InvalidArgument("provider:segmentation_id is allocated by central; do not set it");
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked("network", project));
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

// Subnets

std::vector<std::string> Service::SubnetsOf(const std::string& network_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, s] : subnets_)
    if (s.network_id == network_id) out.push_back(id);
  return out;
}

Result<model::Subnet> Service::CreateSubnet(const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "subnet",
                                     With({"network_id", "cidr", "ip_version", "gateway_ip",
                                           "allocation_pools", "enable_dhcp", "dns_nameservers",
                                           "host_routes", "gateway_mode"})));
  ASSIGN_OR_RETURN(name, r.String("name"));
  ASSIGN_OR_RETURN(project, Project(r));
  ASSIGN_OR_RETURN(network_id, r.RequiredString("network_id"));
  ASSIGN_OR_RETURN(cidr_text, r.RequiredString("cidr"));
  ASSIGN_OR_RETURN(mode, r.String("gateway_mode", "anycast"));
  ASSIGN_OR_RETURN(dhcp, r.Bool("enable_dhcp", true));
  ASSIGN_OR_RETURN(dns, r.StringList("dns_nameservers"));
  if (r.Has("ip_version") && (!r.Raw("ip_version").is_number_integer() || r.Raw("ip_version") != 4))
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
    ASSIGN_OR_RETURN(g, r.String("gateway_ip"));
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
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked("subnet", project));
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
        ASSIGN_OR_RETURN(ips, AllocateIps(c, net->second, {{s.id, ""}}));
        existing->fixed_ips.push_back(ips.front());
        Put(c, *existing);
      } else {
        ASSIGN_OR_RETURN(p, InfraPort(c, net->second, model::kOwnerDhcp, "dhcp-" + cloud, cloud, "",
                                      net->second.project_id, {{s.id, ""}}));
        Put(c, p);
      }
    }
  }
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return s;
}

// Ports

std::set<uint32_t> Service::UsedIps(const Change& c, const std::string& subnet_id,
                                    const std::string& cloud) const {
  std::set<uint32_t> used;
  EachPort(c, [&](const model::Port& p) {
    for (const auto& f : p.fixed_ips)
      if (f.subnet_id == subnet_id) {
        // An anycast gateway address is shared by the routers of different clouds.
        if (p.IsRouterInterface() && !cloud.empty() && p.cloud != cloud) continue;
        if (auto ip = Ipv4::Parse(f.ip_address); ip.ok()) used.insert(ip->v);
      }
  });
  return used;
}

std::string Service::NewMac(const Change& c) const {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::set<std::string> used;
  EachPort(c, [&](const model::Port& p) { used.insert(p.mac_address); });
  while (true) {
    std::string mac = Mac::FromU64(0xfa163e000000ULL | (rng() & 0xffffff)).ToString();
    if (!used.count(mac)) return mac;
  }
}

Result<std::vector<model::FixedIp>> Service::AllocateIps(const Change& c, const model::Network& net,
                                                         WantedIps wanted) const {
  const std::string& network_id = net.id;
  const std::string net_name = net.name.empty() ? net.id : net.name;
  std::vector<model::Subnet> subnets;  // the network's, in id order
  Each<model::Subnet>(store_, c, [&](const model::Subnet& s) {
    if (s.network_id == network_id) subnets.push_back(s);
  });
  std::sort(subnets.begin(), subnets.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::map<std::string, std::set<uint32_t>> taken;
  auto used_of = [&](const model::Subnet& s) -> std::set<uint32_t>& {
    auto it = taken.find(s.id);
    if (it == taken.end()) {
      it = taken.emplace(s.id, UsedIps(c, s.id, "")).first;
      if (auto gw = Ipv4::Parse(s.gateway_ip); gw.ok()) it->second.insert(gw->v);
    }
    return it->second;
  };
  std::vector<model::FixedIp> out;
  if (wanted.empty()) {  // the first subnet with room
    if (subnets.empty()) return out;
    Status last;
    for (const auto& s : subnets) {
      auto next = NextFreeIp(s.allocation_pools, used_of(s), net_name);
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
      auto next = NextFreeIp(sub->allocation_pools, used, net_name);
      if (!next.ok()) return next.status();
      ip_text = *next;
    } else {
      auto ip = Ipv4::Parse(ip_text);
      if (!ip.ok()) return InvalidArgument("Invalid input for ip_address: " + ip.status().message());
      auto cidr = Cidr::Parse(sub->cidr);
      if (!cidr->Contains(*ip) || ip->v == cidr->network.v || ip->v == cidr->Broadcast().v)
        return InvalidArgument("IP address " + ip_text + " is not a valid IP for subnet " + subnet_id +
                               " (" + sub->cidr + ")");
      if (used.count(ip->v))
        return Conflict("IP address " + ip_text + " already allocated in subnet " + subnet_id);
      ip_text = ip->ToString();
    }
    used.insert(Ipv4::Parse(ip_text)->v);
    out.push_back({subnet_id, ip_text});
  }
  return out;
}

Result<model::Port> Service::InfraPort(const Change& c, const model::Network& net, const std::string& owner,
                                       const std::string& device_id, const std::string& cloud,
                                       const std::string& host, const std::string& project,
                                       WantedIps wanted) const {
  ASSIGN_OR_RETURN(ips, AllocateIps(c, net, std::move(wanted)));
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

Result<model::Port> Service::CreatePort(const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "port",
                                     With({"network_id", "mac_address", "fixed_ips",
                                           "binding:host_id", "device_owner", "device_id",
                                           "security_groups", "port_security_enabled"})));
  ASSIGN_OR_RETURN(name, r.String("name"));
  ASSIGN_OR_RETURN(project, Project(r));
  ASSIGN_OR_RETURN(network_id, r.RequiredString("network_id"));
  ASSIGN_OR_RETURN(mac_text, r.String("mac_address"));
  ASSIGN_OR_RETURN(host, r.String("binding:host_id"));
  ASSIGN_OR_RETURN(owner, r.String("device_owner"));
  ASSIGN_OR_RETURN(device, r.String("device_id"));
  if (owner.rfind("network:router_interface", 0) == 0)
    return InvalidArgument("router interfaces are made with add_router_interface, not as ports");
  if (owner.rfind("network:", 0) == 0)
    return InvalidArgument("device_owner " + owner +
                           " is reserved: central makes network:* ports itself (DHCP, router "
                           "gateways, floating IPs)");
  WantedIps wanted;
  if (r.Has("fixed_ips")) {
    ASSIGN_OR_RETURN(w, ParseFixedIps(r.Raw("fixed_ips"), "fixed_ips"));
    wanted = w;
  }
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked("port", project));
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
    for (const auto& [id, o] : ports_)
      if (o.mac_address == p.mac_address)
        return Conflict("Unable to complete operation for network " + network_id + ". The mac address " +
                        p.mac_address + " is in use.");
  } else {
    p.mac_address = NewMac(c);
  }
  ASSIGN_OR_RETURN(ips, AllocateIps(c, net->second, wanted));
  p.fixed_ips = ips;
  Put(c, p);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return p;
}

// Routers

Result<Service::GatewayRequest> Service::ParseGateway(const json& v) {
  GatewayRequest g;
  if (v.is_null() || (v.is_object() && v.empty())) {
    g.clear = true;
    return g;
  }
  if (!v.is_object()) return InvalidArgument("Invalid input for external_gateway_info: must be an object or null");
  for (const auto& [k, x] : v.items())
    if (k != "network_id" && k != "enable_snat" && k != "external_fixed_ips")
      return InvalidArgument("Unrecognized attribute '" + k + "' in external_gateway_info");
  if (!v.contains("network_id") || !v["network_id"].is_string() || v["network_id"].get<std::string>().empty())
    return InvalidArgument("external_gateway_info requires network_id (a string)");
  g.network_id = v["network_id"];
  if (v.contains("enable_snat") && !v["enable_snat"].is_null()) {
    if (!v["enable_snat"].is_boolean())
      return InvalidArgument("Invalid input for enable_snat: '" + v["enable_snat"].dump() + "' is not a boolean");
    g.enable_snat = v["enable_snat"];
  }
  if (v.contains("external_fixed_ips") && !v["external_fixed_ips"].is_null()) {
    ASSIGN_OR_RETURN(ips, ParseFixedIps(v["external_fixed_ips"], "external_fixed_ips"));
    g.ips = ips;
    g.has_ips = !ips.empty();
  }
  return g;
}

Status Service::AddSnatPort(Change& c, const model::Router& r, const std::string& subnet_id) {
  auto sub = SubnetNow(c, subnet_id);
  if (!sub) return NotFound("Subnet " + subnet_id + " could not be found");
  ASSIGN_OR_RETURN(p, InfraPort(c, networks_.at(sub->network_id), model::kOwnerRouterSnat, r.id, r.cloud,
                                "", r.project_id, {{subnet_id, ""}}));
  Put(c, p);
  return Status::Ok();
}

Status Service::SetGateway(Change& c, model::Router& r, const GatewayRequest& g) {
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
    ASSIGN_OR_RETURN(p, InfraPort(c, net->second, model::kOwnerRouterGateway, r.id, r.cloud, "", r.project_id, g.ips));
    Put(c, p);
    return Status::Ok();
  }
  if (!r.gateway_network_id.empty() || gw_port) {
    ISTHMUS_RETURN_IF_ERROR(fips_in_use());
    drop_all();
  }
  ASSIGN_OR_RETURN(p, InfraPort(c, net->second, model::kOwnerRouterGateway, r.id, r.cloud, "", r.project_id,
                                g.has_ips ? g.ips : WantedIps{}));
  Put(c, p);
  r.gateway_network_id = g.network_id;
  r.enable_snat = g.enable_snat;
  if (r.distributed)
    for (const auto& sub : interface_subnets) ISTHMUS_RETURN_IF_ERROR(AddSnatPort(c, r, sub));
  return Status::Ok();
}

Result<model::Router> Service::CreateRouter(const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "router",
                                     With({"distributed", "ha", "availability_zone_hints",
                                           "external_gateway_info"})));
  ASSIGN_OR_RETURN(name, r.String("name"));
  ASSIGN_OR_RETURN(project, Project(r));
  ASSIGN_OR_RETURN(distributed, r.Bool("distributed", true));
  ASSIGN_OR_RETURN(ha, r.Bool("ha", false));
  ASSIGN_OR_RETURN(hints, r.StringList("availability_zone_hints"));
  if (ha) return InvalidArgument("ha routers are not supported");
  std::optional<GatewayRequest> gw;
  if (r.Has("external_gateway_info")) {
    ASSIGN_OR_RETURN(g, ParseGateway(r.Raw("external_gateway_info")));
    if (!g.clear) gw = g;
  }
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked("router", project));
  if (hints.empty() && clouds_.size() == 1) hints.push_back(clouds_.begin()->first);
  if (hints.size() != 1)
    return InvalidArgument("a router lives in exactly one cloud: give one availability_zone_hints entry");
  if (!clouds_.count(hints[0])) return NotFound("Cloud " + hints[0] + " could not be found");
  model::Router router{NewUuid(), name, project, hints[0], distributed, "", true};
  Change c;
  if (gw) ISTHMUS_RETURN_IF_ERROR(SetGateway(c, router, *gw));
  Put(c, router);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return router;
}

Result<model::Router> Service::UpdateRouter(const std::string& router_id, const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "router", {"name", "description", "external_gateway_info"}));
  ASSIGN_OR_RETURN(name, r.String("name"));
  std::optional<GatewayRequest> gw;
  if (r.Contains("external_gateway_info")) {
    ASSIGN_OR_RETURN(g, ParseGateway(r.Raw("external_gateway_info")));
    gw = g;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = routers_.find(router_id);
  if (it == routers_.end()) return NotFound("Router " + router_id + " could not be found");
  model::Router router = it->second;
  if (r.Has("name")) router.name = name;
  Change c;
  if (gw) ISTHMUS_RETURN_IF_ERROR(SetGateway(c, router, *gw));
  if (json(router) != json(it->second)) Put(c, router);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return router;
}

std::optional<model::Port> Service::GatewayPort(const std::string& router_id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, p] : ports_)
    if (p.device_owner == model::kOwnerRouterGateway && p.device_id == router_id) return p;
  return std::nullopt;
}

Result<InterfaceInfo> Service::AddRouterInterface(const std::string& router_id, const json& body) {
  if (!body.is_object()) return InvalidArgument("request body must be an object");
  for (const auto& [k, v] : body.items())
    if (k != "subnet_id") return InvalidArgument("Unrecognized attribute '" + k + "' (use subnet_id)");
  if (!body.contains("subnet_id") || !body["subnet_id"].is_string())
    return InvalidArgument("subnet_id (a string) is required");
  std::string subnet_id = body["subnet_id"];
  std::lock_guard<std::mutex> lock(mu_);
  auto router = routers_.find(router_id);
  if (router == routers_.end()) return NotFound("Router " + router_id + " could not be found");
  auto sub = subnets_.find(subnet_id);
  if (sub == subnets_.end()) return NotFound("Subnet " + subnet_id + " could not be found");
  const model::Network& net = networks_.at(sub->second.network_id);
  const std::string& cloud = router->second.cloud;
  if (net.external)
    return InvalidArgument("Subnet " + subnet_id + " is on external network " + net.id +
                           "; connect a router to it with external_gateway_info");
  if (std::find(net.clouds.begin(), net.clouds.end(), cloud) == net.clouds.end())
    return InvalidArgument("network " + net.id + " is not present in cloud " + cloud + " of router " +
                           router_id);
  if (sub->second.gateway_ip.empty())
    return InvalidArgument("Subnet " + subnet_id + " has no gateway_ip to give the router");
  for (const auto& [id, p] : ports_) {
    if (!p.IsRouterInterface() || p.fixed_ips.empty() || p.fixed_ips[0].subnet_id != subnet_id) continue;
    if (p.device_id == router_id)
      return Conflict("Router " + router_id + " already has a port on subnet " + subnet_id);
    if (p.cloud == cloud)
      return Conflict("Subnet " + subnet_id + " already has a gateway in cloud " + cloud +
                      " (router " + p.device_id + ")");
  }
  // anycast: the subnet's gateway IP in every cloud, a MAC per cloud.
  // per-cloud (Tricircle's): the first cloud's router takes the subnet's
  // gateway IP, every other cloud's router a free address of its own.
  Change c;
  auto gw = Ipv4::Parse(sub->second.gateway_ip);
  std::string ip = gw->ToString();
  for (const auto& [id, p] : ports_)
    for (const auto& f : p.fixed_ips)
      if (f.subnet_id == subnet_id && f.ip_address == ip) {
        if (!p.IsRouterInterface()) return Conflict("Gateway IP " + ip + " is held by port " + id);
        if (sub->second.gateway_mode == "per-cloud") ip.clear();
      }
  if (ip.empty()) {
    std::set<uint32_t> used = UsedIps(c, subnet_id, "");
    used.insert(gw->v);
    auto next = NextFreeIp(sub->second.allocation_pools, used, net.name.empty() ? net.id : net.name);
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
  // A DVR router with a gateway SNATs this subnet on the network node: its sg- port.
  if (router->second.distributed && !router->second.gateway_network_id.empty())
    ISTHMUS_RETURN_IF_ERROR(AddSnatPort(c, router->second, subnet_id));
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return InterfaceInfo{router_id, subnet_id, p.id, net.id, p.project_id};
}

Result<InterfaceInfo> Service::RemoveRouterInterface(const std::string& router_id, const json& body) {
  if (!body.is_object()) return InvalidArgument("request body must be an object");
  for (const auto& [k, v] : body.items()) {
    if (k != "subnet_id" && k != "port_id")
      return InvalidArgument("Unrecognized attribute '" + k + "' (use subnet_id or port_id)");
    if (!v.is_string()) return InvalidArgument(k + " must be a string");
  }
  std::string subnet_id = body.value("subnet_id", ""), port_id = body.value("port_id", "");
  if (subnet_id.empty() == port_id.empty())
    return InvalidArgument("give exactly one of subnet_id and port_id");
  std::lock_guard<std::mutex> lock(mu_);
  if (!routers_.count(router_id)) return NotFound("Router " + router_id + " could not be found");
  for (const auto& [id, p] : ports_) {
    if (!p.IsRouterInterface() || p.device_id != router_id || p.fixed_ips.empty()) continue;
    if ((!port_id.empty() && id == port_id) || (!subnet_id.empty() && p.fixed_ips[0].subnet_id == subnet_id)) {
      InterfaceInfo info{router_id, p.fixed_ips[0].subnet_id, id, p.network_id, p.project_id};
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

// Floating IPs

Status Service::Associate(Change& c, model::FloatingIp& f, const std::string& port_id,
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
      ASSIGN_OR_RETURN(fg, InfraPort(c, fnet, model::kOwnerFipAgentGateway, port->host, ext_cloud, port->host,
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

Result<model::FloatingIp> Service::CreateFloatingIp(const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "floatingip",
                                     {"floating_network_id", "floating_ip_address", "port_id",
                                      "fixed_ip_address", "project_id", "tenant_id", "description"}));
  ASSIGN_OR_RETURN(project, Project(r));
  ASSIGN_OR_RETURN(network_id, r.RequiredString("floating_network_id"));
  ASSIGN_OR_RETURN(address, r.String("floating_ip_address"));
  ASSIGN_OR_RETURN(port_id, r.String("port_id"));
  ASSIGN_OR_RETURN(fixed, r.String("fixed_ip_address"));
  ASSIGN_OR_RETURN(description, r.String("description"));
  if (!fixed.empty() && port_id.empty())
    return InvalidArgument("fixed_ip_address cannot be specified without a port_id");
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked("floatingip", project));
  auto net = networks_.find(network_id);
  if (net == networks_.end()) return NotFound("Network " + network_id + " could not be found");
  if (!net->second.external) return InvalidArgument("Network " + network_id + " is not an external network");
  model::FloatingIp f;
  f.id = NewUuid();
  f.project_id = project;
  f.floating_network_id = network_id;
  f.cloud = net->second.clouds.empty() ? "" : net->second.clouds[0];
  Change c;
  WantedIps wanted;
  if (!address.empty()) wanted.push_back({"", address});
  ASSIGN_OR_RETURN(port, InfraPort(c, net->second, model::kOwnerFloatingIp, f.id, f.cloud, "", project, wanted));
  f.floating_ip_address = port.fixed_ips[0].ip_address;
  f.floating_port_id = port.id;
  Put(c, port);
  if (!port_id.empty()) ISTHMUS_RETURN_IF_ERROR(Associate(c, f, port_id, fixed));
  Put(c, f);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return f;
}

Result<model::FloatingIp> Service::UpdateFloatingIp(const std::string& id, const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "floatingip", {"port_id", "fixed_ip_address", "description"}));
  ASSIGN_OR_RETURN(port_id, r.String("port_id"));
  ASSIGN_OR_RETURN(fixed, r.String("fixed_ip_address"));
  ASSIGN_OR_RETURN(description, r.String("description"));
  if (!fixed.empty() && port_id.empty())
    return InvalidArgument("fixed_ip_address cannot be specified without a port_id");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = floatingips_.find(id);
  if (it == floatingips_.end()) return NotFound("Floating IP " + id + " could not be found");
  model::FloatingIp f = it->second;
  Change c;
  if (r.Contains("port_id")) {
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

// Generic reads and deletes

Result<json> Service::Get(const std::string& kind, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto k = KindNamed(kind);
  if (!k || !Traits(*k).neutron) return NotFound("Unknown resource kind " + kind);
  auto v = ModelJson(store_, *k, id);
  if (!v) return NotFound(std::string(Traits(*k).title) + " " + id + " could not be found");
  return *v;
}

std::vector<json> Service::List(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<json> out;
  auto k = KindNamed(kind);
  if (!k || !Traits(*k).neutron) return out;
  store_.ForEachKind([&](const auto& map) {
    if (KindOf<ModelIn<std::decay_t<decltype(map)>>> != *k) return;
    for (const auto& [id, v] : map) out.push_back(v);
  });
  return out;
}

Status Service::Delete(const std::string& kind, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Change c;
  if (kind == "port") {
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
  if (kind == "network") {
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
  if (kind == "subnet") {
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
  if (kind == "floatingip") {
    auto it = floatingips_.find(id);
    if (it == floatingips_.end()) return NotFound("Floating IP " + id + " could not be found");
    Drop<model::Port>(c, it->second.floating_port_id);
    Drop<model::FloatingIp>(c, id);
    return Apply(c);
  }
  if (kind != "router") return NotFound("Unknown resource kind " + kind);
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

// Outbox

Result<std::vector<OutboxEvent>> Service::PendingEvents(const std::string& cloud, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clouds_.find(cloud);
  if (c == clouds_.end()) return NotFound("Cloud " + cloud + " could not be found");
  auto snapshot = db_->PendingSnapshot(cloud);
  if (!snapshot.ok()) return snapshot.status();
  return db_->Pending(cloud, std::max(acked_[cloud], *snapshot - 1), limit);
}

Status Service::AckEvents(const std::string& cloud, int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clouds_.find(cloud);
  if (c == clouds_.end()) return NotFound("Cloud " + cloud + " could not be found");
  ISTHMUS_RETURN_IF_ERROR(db_->Ack(cloud, seq));
  acked_[cloud] = std::max(acked_[cloud], seq);
  return Status::Ok();
}

json Service::OutboxStatus() {
  std::lock_guard<std::mutex> lock(mu_);
  auto counts = db_->PendingCounts();
  json out = json::object();
  for (const auto& [n, c] : clouds_)
    out[n] = {{"acked_seq", acked_.at(n)}, {"pending", counts.ok() && counts->count(n) ? counts->at(n) : 0}};
  return out;
}

uint64_t Service::WaitForEvents(uint64_t seen, int timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  events_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                   [&] { return shutdown_ || events_version_ != seen; });
  return events_version_;
}

void Service::Pause(int ms) {
  std::unique_lock<std::mutex> lock(mu_);
  events_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return shutdown_; });
}

bool Service::shutting_down() {
  std::lock_guard<std::mutex> lock(mu_);
  return shutdown_;
}

void Service::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  events_.notify_all();
}

}  // namespace isthmus::central
