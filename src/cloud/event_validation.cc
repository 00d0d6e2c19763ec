#include "cloud/event_validation.h"

#include "cloud/security_groups.h"
#include "common/http.h"
#include "common/net.h"
#include "model/resources.h"

namespace isthmus::cloud {
namespace {

using nlohmann::json;

// The first bad field of one event.
class FieldChecker {
 public:
  const Status& status() const { return status_; }
  void Fail(const std::string& field, const std::string& value, const std::string& why) {
    if (!status_.ok()) return;
    std::string shown = value.size() > 80 ? value.substr(0, 80) + "..." : value;
    status_ = InvalidArgument(field + ": " + json(shown).dump(-1, ' ', false, json::error_handler_t::replace) +
                              " " + why);
  }
  void Id(const std::string& f, const std::string& v, bool optional = false) {
    if (!(optional && v.empty()) && !IsValidId(v)) Fail(f, v, "is not an ID (1 to 64 letters, digits, '-' or '_')");
  }
  void Name(const std::string& f, const std::string& v) {
    if (!IsValidName(v)) Fail(f, v, "is not a name (at most 255 characters of UTF-8)");
  }
  void Cloud(const std::string& f, const std::string& v, bool optional = false) {
    if (!(optional && v.empty()) && !IsValidCloudName(v)) Fail(f, v, "is not a cloud name");
  }
  void Host(const std::string& f, const std::string& v, bool optional = false) {
    if (!(optional && v.empty()) && !IsValidHostName(v)) Fail(f, v, "is not a host name");
  }
  void Ip(const std::string& f, const std::string& v, bool optional = false) {
    if (!(optional && v.empty()) && !Ipv4::Parse(v).ok()) Fail(f, v, "is not an IPv4 address");
  }
  void Equal(const std::string& f, const std::string& v, const std::string& event_id) {
    if (v != event_id) Fail(f, v, "differs from the event's id '" + event_id + "'");
  }

 private:
  Status status_;
};

void CheckCloud(FieldChecker& c, const model::Cloud& x, const std::string& id) {
  c.Cloud("name", x.name);
  c.Equal("name", x.name, id);
  auto ep = Endpoint::Parse(x.endpoint);
  if (!ep.ok() || !IsValidHostName(ep->host) || x.endpoint != ep->ToString())
    c.Fail("endpoint", x.endpoint, "is not an http(s)://host:port endpoint");
  if (x.index < 1 || x.index > 255) c.Fail("index", std::to_string(x.index), "is outside 1..255");
  else if (x.dvr_mac_prefix != DvrMacPrefix::ForIndex(x.index).ToString())
    c.Fail("dvr_mac_prefix", x.dvr_mac_prefix,
           "is not the prefix of cloud index " + std::to_string(x.index) + " (" +
               DvrMacPrefix::ForIndex(x.index).ToString() + ")");
}

void CheckHost(FieldChecker& c, const model::Host& x, const std::string& id,
               const std::map<std::string, std::string>& prefixes) {
  c.Host("name", x.name);
  c.Equal("name", x.name, id);
  c.Cloud("cloud", x.cloud);
  if (x.role != "compute" && x.role != "network") c.Fail("role", x.role, "is not compute or network");
  c.Ip("vtep_ip", x.vtep_ip);
  auto mac = Mac::Parse(x.dvr_mac);
  if (!mac.ok()) return c.Fail("dvr_mac", x.dvr_mac, "is not a MAC address");
  auto p = prefixes.find(x.cloud);
  if (p == prefixes.end()) return c.Fail("cloud", x.cloud, "is not a known cloud (its DVR MAC prefix is unknown)");
  auto prefix = DvrMacPrefix::Parse(p->second);
  if (!prefix.ok() || !prefix->Contains(*mac))
    c.Fail("dvr_mac", x.dvr_mac, "is outside cloud " + x.cloud + "'s DVR MAC prefix " + p->second);
}

void CheckNetwork(FieldChecker& c, const model::Network& x, const std::string& id) {
  c.Id("id", x.id);
  c.Equal("id", x.id, id);
  c.Name("name", x.name);
  c.Name("project_id", x.project_id);
  if (x.clouds.empty()) c.Fail("clouds", "", "is empty");
  for (const auto& cl : x.clouds) c.Cloud("clouds", cl);
  if (x.network_type == "vxlan") {
    if (!IsValidVni(x.segmentation_id))
      c.Fail("segmentation_id", std::to_string(x.segmentation_id), "is not a VNI (1..16777215)");
    if (x.external) c.Fail("external", "true", "an external network is flat");
  } else if (x.network_type == "flat") {
    if (!IsValidHostName(x.physical_network))
      c.Fail("physical_network", x.physical_network, "is not a physical network name");
  } else {
    c.Fail("network_type", x.network_type, "is not vxlan or flat");
  }
}

// Host routes and extra routes: a CIDR (no host bits) via an IPv4 address.
void CheckRoutes(FieldChecker& c, const std::string& f, const std::vector<model::HostRoute>& routes) {
  for (const auto& r : routes) {
    if (!Cidr::Parse(r.destination).ok()) c.Fail(f + ".destination", r.destination, "is not a CIDR");
    c.Ip(f + ".nexthop", r.nexthop);
  }
}

void CheckSubnet(FieldChecker& c, const model::Subnet& x, const std::string& id) {
  c.Id("id", x.id);
  c.Equal("id", x.id, id);
  c.Name("name", x.name);
  c.Name("project_id", x.project_id);
  c.Id("network_id", x.network_id);
  if (!Cidr::Parse(x.cidr).ok()) c.Fail("cidr", x.cidr, "is not a CIDR");
  c.Ip("gateway_ip", x.gateway_ip, true);
  if (x.gateway_mode != "anycast" && x.gateway_mode != "per-cloud")
    c.Fail("gateway_mode", x.gateway_mode, "is not anycast or per-cloud");
  for (const auto& p : x.allocation_pools) {
    c.Ip("allocation_pools.start", p.start);
    c.Ip("allocation_pools.end", p.end);
  }
  for (const auto& d : x.dns_nameservers) c.Ip("dns_nameservers", d);
  CheckRoutes(c, "host_routes", x.host_routes);
}

void CheckPort(FieldChecker& c, const model::Port& x, const std::string& id) {
  c.Id("id", x.id);
  c.Equal("id", x.id, id);
  c.Name("name", x.name);
  c.Name("project_id", x.project_id);
  c.Id("network_id", x.network_id);
  auto mac = Mac::Parse(x.mac_address);
  if (!mac.ok()) c.Fail("mac_address", x.mac_address, "is not a MAC address");
  else if (mac->IsMulticast()) c.Fail("mac_address", x.mac_address, "is a multicast MAC address");
  else if (InDvrMacSpace(*mac))
    c.Fail("mac_address", x.mac_address, std::string("is inside the DVR MAC space ") + kDvrMacSpace);
  for (const auto& f : x.fixed_ips) {
    c.Id("fixed_ips.subnet_id", f.subnet_id);
    c.Ip("fixed_ips.ip_address", f.ip_address);
  }
  c.Name("device_owner", x.device_owner);
  c.Name("device_id", x.device_id);
  c.Host("host", x.host, true);
  c.Cloud("cloud", x.cloud, true);
  for (const auto& g : x.security_groups) c.Id("security_groups", g);
  for (const auto& a : x.allowed_address_pairs) {
    if (!NormalizeCidr(a.ip_address)) c.Fail("allowed_address_pairs.ip_address", a.ip_address, "is not an IPv4 address or CIDR");
    if (!a.mac_address.empty()) {
      auto m = Mac::Parse(a.mac_address);
      if (!m.ok() || m->IsMulticast()) c.Fail("allowed_address_pairs.mac_address", a.mac_address, "is not a unicast MAC address");
    }
  }
}

void CheckRouter(FieldChecker& c, const model::Router& x, const std::string& id) {
  c.Id("id", x.id);
  c.Equal("id", x.id, id);
  c.Name("name", x.name);
  c.Name("project_id", x.project_id);
  c.Cloud("cloud", x.cloud);
  c.Id("gateway_network_id", x.gateway_network_id, true);
  CheckRoutes(c, "routes", x.routes);
}

void CheckFloatingIp(FieldChecker& c, const model::FloatingIp& x, const std::string& id) {
  c.Id("id", x.id);
  c.Equal("id", x.id, id);
  c.Name("project_id", x.project_id);
  c.Id("floating_network_id", x.floating_network_id);
  c.Ip("floating_ip_address", x.floating_ip_address);
  c.Id("floating_port_id", x.floating_port_id, true);
  c.Id("port_id", x.port_id, true);
  c.Ip("fixed_ip_address", x.fixed_ip_address, true);
  c.Id("router_id", x.router_id, true);
  c.Cloud("cloud", x.cloud);
}

void CheckSecurityGroup(FieldChecker& c, const model::SecurityGroup& x, const std::string& id) {
  c.Id("id", x.id);
  c.Equal("id", x.id, id);
  c.Name("name", x.name);
  c.Name("project_id", x.project_id);
}

// Rules are kept as central sends them; what the agent cannot enforce as
// written is left out of host states (security_groups.h), never refused here.
void CheckSecurityGroupRule(FieldChecker& c, const model::SecurityGroupRule& x, const std::string& id) {
  c.Id("id", x.id);
  c.Equal("id", x.id, id);
  c.Name("project_id", x.project_id);
  c.Id("security_group_id", x.security_group_id);
  if (x.direction != "ingress" && x.direction != "egress") c.Fail("direction", x.direction, "is not ingress or egress");
  if (x.ethertype != "IPv4" && x.ethertype != "IPv6") c.Fail("ethertype", x.ethertype, "is not IPv4 or IPv6");
  c.Name("protocol", x.protocol);
  for (const auto& [f, v] : {std::pair{"port_range_min", x.port_range_min}, {"port_range_max", x.port_range_max}})
    if (v < -1 || v > 65535) c.Fail(f, std::to_string(v), "is outside -1..65535");
  if (x.ethertype == "IPv4" && !x.remote_ip_prefix.empty() && !NormalizeCidr(x.remote_ip_prefix))
    c.Fail("remote_ip_prefix", x.remote_ip_prefix, "is not an IPv4 address or CIDR");
  c.Id("remote_group_id", x.remote_group_id, true);
}

// A port of another cloud's network as a member of its groups (remote_ips).
void CheckGroupMember(FieldChecker& c, const model::GroupMember& x, const std::string& id) {
  c.Id("id", x.id);
  c.Equal("id", x.id, id);
  c.Name("project_id", x.project_id);
  for (const auto& g : x.security_groups) c.Id("security_groups", g);
  for (const auto& f : x.fixed_ips) {
    c.Id("fixed_ips.subnet_id", f.subnet_id);
    c.Ip("fixed_ips.ip_address", f.ip_address);
  }
  for (const auto& a : x.allowed_address_pairs)
    if (!NormalizeCidr(a.ip_address)) c.Fail("allowed_address_pairs.ip_address", a.ip_address, "is not an IPv4 address or CIDR");
}

// One event's body; `prefixes` (cloud -> DVR MAC prefix) is the state it applies to.
Status CheckEvent(const Event& e, const std::map<std::string, std::string>& prefixes) {
  FieldChecker c;
  if (e.kind == "cloud" || e.kind == "host") c.Host("id", e.id);  // the same grammar for both
  else c.Id("id", e.id);
  if (!c.status().ok() || e.op == "delete") return c.status();
  try {
    if (e.kind == "cloud") CheckCloud(c, e.body.get<model::Cloud>(), e.id);
    else if (e.kind == "host") CheckHost(c, e.body.get<model::Host>(), e.id, prefixes);
    else if (e.kind == "network") CheckNetwork(c, e.body.get<model::Network>(), e.id);
    else if (e.kind == "subnet") CheckSubnet(c, e.body.get<model::Subnet>(), e.id);
    else if (e.kind == "port") CheckPort(c, e.body.get<model::Port>(), e.id);
    else if (e.kind == "router") CheckRouter(c, e.body.get<model::Router>(), e.id);
    else if (e.kind == "floatingip") CheckFloatingIp(c, e.body.get<model::FloatingIp>(), e.id);
    else if (e.kind == "securitygroup") CheckSecurityGroup(c, e.body.get<model::SecurityGroup>(), e.id);
    else if (e.kind == "securitygrouprule")
      CheckSecurityGroupRule(c, e.body.get<model::SecurityGroupRule>(), e.id);
    else if (e.kind == "groupmember") CheckGroupMember(c, e.body.get<model::GroupMember>(), e.id);
    else c.Fail("kind", e.kind, "is not a resource kind");
  } catch (const std::exception& ex) {
    return InvalidArgument(std::string("body: malformed: ") + ex.what());
  }
  return c.status();
}

// A snapshot replaces every stored resource: each of its resources is checked as
// an upsert against the snapshot's own clouds (their prefixes replace `prefixes`).
Status CheckSnapshot(const Event& e, std::map<std::string, std::string>& prefixes) {
  if (e.op != "replace" || !e.body.is_object() || !e.body.contains("resources") ||
      !e.body["resources"].is_object())
    return InvalidArgument("body: a snapshot is {\"resources\": {kind: {id: body}}}");
  const json& resources = e.body["resources"];
  for (const auto& [kind, items] : resources.items())
    if (!items.is_object()) return InvalidArgument("resources." + kind + ": not an object");
  prefixes.clear();
  if (resources.contains("cloud"))
    for (const auto& [name, body] : resources["cloud"].items())
      if (body.is_object() && body.contains("dvr_mac_prefix") && body["dvr_mac_prefix"].is_string())
        prefixes[name] = body["dvr_mac_prefix"];
  for (const auto& [kind, items] : resources.items())
    for (const auto& [id, body] : items.items()) {
      Event one{e.seq, kind, "upsert", id, body};
      if (Status st = CheckEvent(one, prefixes); !st.ok())
        return InvalidArgument("resources." + kind + "." + json(id).dump(-1, ' ', false, json::error_handler_t::replace) +
                               ": " + st.message());
    }
  return Status::Ok();
}

}  // namespace

Status ValidateEvents(const std::vector<Event>& events, const StoredResources& stored,
                      int64_t applied_seq) {
  // Clouds' DVR MAC prefixes as the batch goes: stored, then its own cloud events.
  std::map<std::string, std::string> prefixes;
  if (auto it = stored.find("cloud"); it != stored.end())
    for (const auto& [name, body] : it->second)
      if (body.is_object() && body.contains("dvr_mac_prefix") && body["dvr_mac_prefix"].is_string())
        prefixes[name] = body["dvr_mac_prefix"];
  for (const auto& e : events) {
    if (e.seq <= applied_seq) continue;
    Status st = e.kind == "snapshot" ? CheckSnapshot(e, prefixes) : CheckEvent(e, prefixes);
    if (st.ok() && e.kind == "cloud" && e.op == "upsert") {
      // A cloud's index, hence its prefix, never changes: its hosts' DVR MACs stay inside it.
      std::string prefix = e.body.value("dvr_mac_prefix", "");
      auto known = prefixes.find(e.id);
      if (known != prefixes.end() && known->second != prefix)
        st = InvalidArgument("dvr_mac_prefix: \"" + prefix + "\" differs from cloud " + e.id +
                             "'s prefix " + known->second + " (a cloud's prefix never changes)");
      prefixes[e.id] = prefix;
    }
    if (!st.ok())
      return InvalidArgument("event " + std::to_string(e.seq) + " (" + e.kind + " " +
                             json(e.id).dump(-1, ' ', false, json::error_handler_t::replace) +
                             "): " + st.message());
  }
  return Status::Ok();
}

}  // namespace isthmus::cloud
