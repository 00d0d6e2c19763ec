#include "central/service.h"

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

}  // namespace

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
  clouds_ = snap->clouds;
  hosts_ = snap->hosts;
  try {
    for (const auto& [id, b] : snap->networks) networks_[id] = b.get<model::Network>();
    for (const auto& [id, b] : snap->subnets) subnets_[id] = b.get<model::Subnet>();
    for (const auto& [id, b] : snap->ports) ports_[id] = b.get<model::Port>();
    for (const auto& [id, b] : snap->routers) routers_[id] = b.get<model::Router>();
  } catch (const std::exception& e) {
    return Internal(std::string("corrupt resource in the database: ") + e.what());
  }
  return Status::Ok();
}

Status Service::Commit(Mutation& m) {
  Status st = db_->Commit(m);
  if (st.ok() && !m.events.empty()) {
    ++events_version_;
    events_.notify_all();
  }
  return st;
}

void Service::Emit(Mutation& m, const std::string& kind, const std::string& op,
                   const std::string& id, const json& body, const std::vector<std::string>& clouds) {
  for (const auto& c : clouds) m.events.push_back({0, c, kind, op, id, body});
}

std::vector<std::string> Service::AllClouds() const {
  std::vector<std::string> out;
  for (const auto& [n, c] : clouds_) out.push_back(n);
  return out;
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
  auto ep = Endpoint::Parse(endpoint);
  if (!ep.ok()) return ep.status();
  std::lock_guard<std::mutex> lock(mu_);
  if (clouds_.count(name)) return Conflict("Cloud " + name + " already exists");
  std::set<int> used;
  for (const auto& [n, c] : clouds_) used.insert(c.cloud.index);
  int index = 1;
  while (used.count(index)) ++index;
  if (index > 255) return Conflict("No free cloud index: a federation holds at most 255 clouds");
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "fa:16:3f:%02x", index);
  model::Cloud cloud{name, ep->ToString(), index, prefix};
  Mutation m;
  m.cloud_upserts.push_back({name, cloud});
  // The new cloud learns the federation so far; every other cloud learns it.
  std::vector<std::string> everyone = AllClouds();
  everyone.push_back(name);
  Emit(m, "cloud", "upsert", name, cloud, everyone);
  for (const auto& [n, c] : clouds_) Emit(m, "cloud", "upsert", n, c.cloud, {name});
  for (const auto& [n, h] : hosts_) Emit(m, "host", "upsert", n, h, {name});
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  clouds_[name] = {cloud, 0};
  LOG_INFO("cloud " << name << " at " << cloud.endpoint << ", DVR MAC prefix " << prefix);
  return cloud;
}

std::vector<model::Cloud> Service::ListClouds() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<model::Cloud> out;
  for (const auto& [n, c] : clouds_) out.push_back(c.cloud);
  return out;
}

Result<model::Cloud> Service::GetCloud(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clouds_.find(name);
  if (it == clouds_.end()) return NotFound("Cloud " + name + " could not be found");
  return it->second.cloud;
}

Status Service::DeleteCloud(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!clouds_.count(name)) return NotFound("Cloud " + name + " could not be found");
  for (const auto& [id, n] : networks_)
    for (const auto& c : n.clouds)
      if (c == name) return Conflict("Cloud " + name + " is in use by network " + id);
  for (const auto& [id, r] : routers_)
    if (r.cloud == name) return Conflict("Cloud " + name + " is in use by router " + id);
  for (const auto& [n, h] : hosts_)
    if (h.cloud == name) return Conflict("Cloud " + name + " still has host " + n);
  Mutation m;
  m.cloud_deletes.push_back(name);
  std::vector<std::string> others;
  for (const auto& [n, c] : clouds_)
    if (n != name) others.push_back(n);
  Emit(m, "cloud", "delete", name, json::object(), others);
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  clouds_.erase(name);
  return Status::Ok();
}

Result<model::Host> Service::PutHost(const std::string& cloud, const std::string& name,
                                     const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "host", {"name", "role", "vtep_ip", "dvr_mac"}));
  ASSIGN_OR_RETURN(role, r.RequiredString("role"));
  ASSIGN_OR_RETURN(vtep, r.RequiredString("vtep_ip"));
  ASSIGN_OR_RETURN(mac_text, r.RequiredString("dvr_mac"));
  if (role != "compute" && role != "network")
    return InvalidArgument("role must be compute or network, not '" + role + "'");
  if (!Ipv4::Parse(vtep).ok()) return InvalidArgument("vtep_ip '" + vtep + "' is not an IPv4 address");
  auto mac = Mac::Parse(mac_text);
  if (!mac.ok()) return mac.status();
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clouds_.find(cloud);
  if (c == clouds_.end()) return NotFound("Cloud " + cloud + " could not be found");
  std::string dvr_mac = mac->ToString();
  if (dvr_mac.rfind(c->second.cloud.dvr_mac_prefix + ":", 0) != 0)
    return InvalidArgument("DVR MAC " + dvr_mac + " is outside cloud " + cloud + "'s prefix " +
                           c->second.cloud.dvr_mac_prefix);
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
  Mutation m;
  m.host_upserts.push_back(host);
  Emit(m, "host", "upsert", name, host, AllClouds());
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  hosts_[name] = host;
  return host;
}

std::vector<model::Host> Service::ListHosts() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<model::Host> out;
  for (const auto& [n, h] : hosts_) out.push_back(h);
  return out;
}

// Networks

Result<model::Network> Service::CreateNetwork(const json& body) {
  ASSIGN_OR_RETURN(r, Request::Parse(body, "network",
                                     With({"availability_zone_hints", "provider:network_type",
                                           "provider:segmentation_id", "shared", "mtu",
                                           "port_security_enabled"})));
  ASSIGN_OR_RETURN(name, r.String("name"));
  ASSIGN_OR_RETURN(project, Project(r));
  ASSIGN_OR_RETURN(hints, r.StringList("availability_zone_hints"));
  ASSIGN_OR_RETURN(type, r.String("provider:network_type", "vxlan"));
  if (type != "vxlan")
    return InvalidArgument("provider:network_type '" + type + "' is not supported (vxlan)");
  if (r.Has("provider:segmentation_id"))
    return InvalidArgument("provider:segmentation_id is allocated by central; do not set it");
  std::lock_guard<std::mutex> lock(mu_);
  if (hints.empty()) {
    if (clouds_.size() != 1)
      return InvalidArgument("availability_zone_hints must name the network's clouds");
    hints.push_back(clouds_.begin()->first);
  }
  std::set<std::string> seen;
  for (const auto& h : hints) {
    if (!clouds_.count(h)) return NotFound("Cloud " + h + " in availability_zone_hints could not be found");
    if (!seen.insert(h).second) return InvalidArgument("Cloud " + h + " is named twice in availability_zone_hints");
  }
  std::set<int> used;
  for (const auto& [id, n] : networks_) used.insert(n.segmentation_id);
  int vni = options_.vni_min;
  while (vni <= options_.vni_max && used.count(vni)) ++vni;
  if (vni > options_.vni_max)
    return Conflict("No free segmentation ID in range " + std::to_string(options_.vni_min) + ":" +
                    std::to_string(options_.vni_max));
  model::Network n{NewUuid(), name, project, hints, "vxlan", vni};
  Mutation m;
  m.upserts.push_back({"network", n.id, n});
  Emit(m, "network", "upsert", n.id, n, n.clouds);
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  networks_[n.id] = n;
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
  if (r.Has("ip_version") && (!r.Raw("ip_version").is_number_integer() || r.Raw("ip_version") != 4))
    return InvalidArgument("ip_version must be 4");
  if (mode != "anycast" && mode != "per-cloud")
    return InvalidArgument("gateway_mode '" + mode + "' is not one of anycast, per-cloud");
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
  auto net = networks_.find(network_id);
  if (net == networks_.end()) return NotFound("Network " + network_id + " could not be found");
  for (const auto& [id, s] : subnets_) {
    if (s.network_id != network_id) continue;
    auto other = Cidr::Parse(s.cidr);
    if (other.ok() && other->Overlaps(*cidr))
      return Conflict("Requested subnet with cidr: " + cidr->ToString() + " for network: " +
                      network_id + " overlaps with another subnet " + s.id + " (" + s.cidr + ")");
  }
  model::Subnet s{NewUuid(), name, project, network_id, cidr->ToString(), gateway, mode, pools};
  Mutation m;
  m.upserts.push_back({"subnet", s.id, s});
  Emit(m, "subnet", "upsert", s.id, s, net->second.clouds);
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  subnets_[s.id] = s;
  return s;
}

// Ports

std::set<uint32_t> Service::UsedIps(const std::string& subnet_id, const std::string& cloud) const {
  std::set<uint32_t> used;
  for (const auto& [id, p] : ports_)
    for (const auto& f : p.fixed_ips)
      if (f.subnet_id == subnet_id) {
        // An anycast gateway address is shared by the routers of different clouds.
        if (p.IsRouterInterface() && !cloud.empty() && p.cloud != cloud) continue;
        if (auto ip = Ipv4::Parse(f.ip_address); ip.ok()) used.insert(ip->v);
      }
  return used;
}

std::string Service::NewMac() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::set<std::string> used;
  for (const auto& [id, p] : ports_) used.insert(p.mac_address);
  while (true) {
    std::string mac = Mac::FromU64(0xfa163e000000ULL | (rng() & 0xffffff)).ToString();
    if (!used.count(mac)) return mac;
  }
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
  std::vector<std::pair<std::string, std::string>> wanted;  // (subnet, ip or "")
  if (r.Has("fixed_ips")) {
    if (!r.Raw("fixed_ips").is_array()) return InvalidArgument("fixed_ips must be a list");
    for (const auto& f : r.Raw("fixed_ips")) {
      if (!f.is_object()) return InvalidArgument("each fixed_ips entry must be an object");
      for (const auto& [k, v] : f.items())
        if ((k != "subnet_id" && k != "ip_address") || !v.is_string())
          return InvalidArgument("fixed_ips entries take string subnet_id and ip_address only");
      wanted.push_back({f.value("subnet_id", ""), f.value("ip_address", "")});
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
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
  if (!mac_text.empty()) {
    auto mac = Mac::Parse(mac_text);
    if (!mac.ok()) return InvalidArgument("Invalid input for mac_address: " + mac.status().message());
    if (mac->b[0] & 1) return InvalidArgument("mac_address " + mac_text + " is a multicast address");
    p.mac_address = mac->ToString();
    for (const auto& [id, o] : ports_)
      if (o.mac_address == p.mac_address)
        return Conflict("Unable to complete operation for network " + network_id + ". The mac address " +
                        p.mac_address + " is in use.");
  } else {
    p.mac_address = NewMac();
  }
  if (wanted.empty())
    for (const auto& [id, s] : subnets_)
      if (s.network_id == network_id) {
        wanted.push_back({id, ""});
        break;
      }
  std::map<std::string, std::set<uint32_t>> taken;
  for (auto [subnet_id, ip_text] : wanted) {
    if (subnet_id.empty()) {  // an IP alone: find its subnet
      auto ip = Ipv4::Parse(ip_text);
      if (!ip.ok()) return InvalidArgument("Invalid input for ip_address: " + ip.status().message());
      for (const auto& [id, s] : subnets_)
        if (s.network_id == network_id && Cidr::Parse(s.cidr)->Contains(*ip)) subnet_id = id;
      if (subnet_id.empty())
        return InvalidArgument("IP address " + ip_text + " is not in any subnet of network " + network_id);
    }
    auto sub = subnets_.find(subnet_id);
    if (sub == subnets_.end()) return NotFound("Subnet " + subnet_id + " could not be found");
    if (sub->second.network_id != network_id)
      return InvalidArgument("Subnet " + subnet_id + " is not on network " + network_id);
    if (!taken.count(subnet_id)) taken[subnet_id] = UsedIps(subnet_id, "");
    auto& used = taken[subnet_id];
    if (auto gw = Ipv4::Parse(sub->second.gateway_ip); gw.ok()) used.insert(gw->v);
    if (ip_text.empty()) {
      auto next = NextFreeIp(sub->second.allocation_pools, used, net->second.name.empty() ? network_id : net->second.name);
      if (!next.ok()) return next.status();
      ip_text = *next;
    } else {
      auto ip = Ipv4::Parse(ip_text);
      if (!ip.ok()) return InvalidArgument("Invalid input for ip_address: " + ip.status().message());
      auto cidr = Cidr::Parse(sub->second.cidr);
      if (!cidr->Contains(*ip) || ip->v == cidr->network.v || ip->v == cidr->Broadcast().v)
        return InvalidArgument("IP address " + ip_text + " is not a valid IP for subnet " + subnet_id +
                               " (" + sub->second.cidr + ")");
      if (used.count(ip->v))
        return Conflict("IP address " + ip_text + " already allocated in subnet " + subnet_id);
      ip_text = ip->ToString();
    }
    used.insert(Ipv4::Parse(ip_text)->v);
    p.fixed_ips.push_back({subnet_id, ip_text});
  }
  Mutation m;
  m.upserts.push_back({"port", p.id, p});
  Emit(m, "port", "upsert", p.id, p, net->second.clouds);
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  ports_[p.id] = p;
  return p;
}

// Routers

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
  if (r.Has("external_gateway_info"))
    return InvalidArgument("external_gateway_info is not supported yet");
  std::lock_guard<std::mutex> lock(mu_);
  if (hints.empty() && clouds_.size() == 1) hints.push_back(clouds_.begin()->first);
  if (hints.size() != 1)
    return InvalidArgument("a router lives in exactly one cloud: give one availability_zone_hints entry");
  if (!clouds_.count(hints[0])) return NotFound("Cloud " + hints[0] + " could not be found");
  model::Router router{NewUuid(), name, project, hints[0], distributed};
  Mutation m;
  m.upserts.push_back({"router", router.id, router});
  Emit(m, "router", "upsert", router.id, router, {router.cloud});
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  routers_[router.id] = router;
  return router;
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
  auto gw = Ipv4::Parse(sub->second.gateway_ip);
  std::string ip = gw->ToString();
  for (const auto& [id, p] : ports_)
    for (const auto& f : p.fixed_ips)
      if (f.subnet_id == subnet_id && f.ip_address == ip) {
        if (!p.IsRouterInterface()) return Conflict("Gateway IP " + ip + " is held by port " + id);
        if (sub->second.gateway_mode == "per-cloud") ip.clear();
      }
  if (ip.empty()) {
    std::set<uint32_t> used = UsedIps(subnet_id, "");
    used.insert(gw->v);
    auto next = NextFreeIp(sub->second.allocation_pools, used, net.name.empty() ? net.id : net.name);
    if (!next.ok()) return next.status();
    ip = *next;
  }
  model::Port p;
  p.id = NewUuid();
  p.project_id = router->second.project_id;
  p.network_id = net.id;
  p.mac_address = NewMac();
  p.fixed_ips = {{subnet_id, ip}};
  p.device_owner = router->second.distributed ? model::kOwnerRouterInterfaceDistributed
                                              : model::kOwnerRouterInterface;
  p.device_id = router_id;
  p.cloud = cloud;
  Mutation m;
  m.upserts.push_back({"port", p.id, p});
  Emit(m, "port", "upsert", p.id, p, net.clouds);
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  ports_[p.id] = p;
  return InterfaceInfo{router_id, subnet_id, p.id, net.id, p.project_id};
}

Result<InterfaceInfo> Service::RemoveRouterInterface(const std::string& router_id, const json& body) {
  if (!body.is_object()) return InvalidArgument("request body must be an object");
  std::string subnet_id = body.value("subnet_id", ""), port_id = body.value("port_id", "");
  if (subnet_id.empty() == port_id.empty())
    return InvalidArgument("give exactly one of subnet_id and port_id");
  std::lock_guard<std::mutex> lock(mu_);
  if (!routers_.count(router_id)) return NotFound("Router " + router_id + " could not be found");
  for (const auto& [id, p] : ports_) {
    if (!p.IsRouterInterface() || p.device_id != router_id || p.fixed_ips.empty()) continue;
    if ((!port_id.empty() && id == port_id) || (!subnet_id.empty() && p.fixed_ips[0].subnet_id == subnet_id)) {
      InterfaceInfo info{router_id, p.fixed_ips[0].subnet_id, id, p.network_id, p.project_id};
      Mutation m;
      ISTHMUS_RETURN_IF_ERROR(DeletePortLocked(id, m));
      return info;
    }
  }
  return NotFound("Router " + router_id + " has no interface on " + (subnet_id.empty() ? "port " + port_id : "subnet " + subnet_id));
}

Status Service::DeletePortLocked(const std::string& id, Mutation& m) {
  const model::Port& p = ports_.at(id);
  m.deletes.push_back({"port", id});
  Emit(m, "port", "delete", id, json::object(), CloudsOfNetwork(p.network_id));
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  ports_.erase(id);
  return Status::Ok();
}

// Generic reads and deletes

Result<json> Service::Get(const std::string& kind, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto find = [&](const auto& map) -> Result<json> {
    auto it = map.find(id);
    if (it == map.end()) {
      std::string k = kind;
      k[0] = static_cast<char>(std::toupper(k[0]));
      return NotFound(k + " " + id + " could not be found");
    }
    return json(it->second);
  };
  if (kind == "network") return find(networks_);
  if (kind == "subnet") return find(subnets_);
  if (kind == "port") return find(ports_);
  return find(routers_);
}

std::vector<json> Service::List(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<json> out;
  auto all = [&](const auto& map) {
    for (const auto& [id, v] : map) out.push_back(v);
  };
  if (kind == "network") all(networks_);
  else if (kind == "subnet") all(subnets_);
  else if (kind == "port") all(ports_);
  else all(routers_);
  return out;
}

Status Service::Delete(const std::string& kind, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Mutation m;
  if (kind == "port") {
    auto it = ports_.find(id);
    if (it == ports_.end()) return NotFound("Port " + id + " could not be found");
    if (it->second.IsRouterInterface())
      return Conflict("Port " + id + " is a router interface; use remove_router_interface");
    return DeletePortLocked(id, m);
  }
  if (kind == "network") {
    auto it = networks_.find(id);
    if (it == networks_.end()) return NotFound("Network " + id + " could not be found");
    for (const auto& [pid, p] : ports_)
      if (p.network_id == id)
        return Conflict("Unable to complete operation on network " + id +
                        ". There are one or more ports still in use on the network (" + pid + ")");
    for (const auto& [sid, s] : subnets_)
      if (s.network_id == id) {
        m.deletes.push_back({"subnet", sid});
        Emit(m, "subnet", "delete", sid, json::object(), it->second.clouds);
      }
    m.deletes.push_back({"network", id});
    Emit(m, "network", "delete", id, json::object(), it->second.clouds);
    ISTHMUS_RETURN_IF_ERROR(Commit(m));
    for (auto s = subnets_.begin(); s != subnets_.end();)
      s = s->second.network_id == id ? subnets_.erase(s) : std::next(s);
    networks_.erase(it);
    return Status::Ok();
  }
  if (kind == "subnet") {
    auto it = subnets_.find(id);
    if (it == subnets_.end()) return NotFound("Subnet " + id + " could not be found");
    for (const auto& [pid, p] : ports_)
      for (const auto& f : p.fixed_ips)
        if (f.subnet_id == id)
          return Conflict("Unable to complete operation on subnet " + id +
                          ": one or more ports have an IP allocation from this subnet (" + pid + ")");
    m.deletes.push_back({"subnet", id});
    Emit(m, "subnet", "delete", id, json::object(), CloudsOfNetwork(it->second.network_id));
    ISTHMUS_RETURN_IF_ERROR(Commit(m));
    subnets_.erase(it);
    return Status::Ok();
  }
  auto it = routers_.find(id);
  if (it == routers_.end()) return NotFound("Router " + id + " could not be found");
  for (const auto& [pid, p] : ports_)
    if (p.IsRouterInterface() && p.device_id == id)
      return Conflict("Router " + id + " still has ports (" + pid + "); remove its interfaces first");
  m.deletes.push_back({"router", id});
  Emit(m, "router", "delete", id, json::object(), {it->second.cloud});
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  routers_.erase(it);
  return Status::Ok();
}

// Outbox

Result<std::vector<OutboxEvent>> Service::PendingEvents(const std::string& cloud, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clouds_.find(cloud);
  if (c == clouds_.end()) return NotFound("Cloud " + cloud + " could not be found");
  return db_->Pending(cloud, c->second.acked_seq, limit);
}

Status Service::AckEvents(const std::string& cloud, int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clouds_.find(cloud);
  if (c == clouds_.end()) return NotFound("Cloud " + cloud + " could not be found");
  ISTHMUS_RETURN_IF_ERROR(db_->Ack(cloud, seq));
  c->second.acked_seq = std::max(c->second.acked_seq, seq);
  return Status::Ok();
}

json Service::OutboxStatus() {
  std::lock_guard<std::mutex> lock(mu_);
  auto counts = db_->PendingCounts();
  json out = json::object();
  for (const auto& [n, c] : clouds_)
    out[n] = {{"acked_seq", c.acked_seq}, {"pending", counts.ok() && counts->count(n) ? counts->at(n) : 0}};
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
