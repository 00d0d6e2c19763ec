// The wire side of ports: Neutron's create and update bodies read into typed
// requests, and the Neutron view.
#include "central/request.h"
#include "central/tags.h"
#include "central/security_group.h"
#include "central/service.h"
#include "central/standard_attrs.h"
#include "central/status_report.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

// allowed_address_pairs: [{"ip_address": IP or CIDR, "mac_address"?}, ...], at
// most kMaxAllowedAddressPairs (null: none).
Result<std::vector<model::AllowedAddressPair>> ParsePairs(const json& v) {
  std::vector<model::AllowedAddressPair> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return InvalidArgument("Invalid input for allowed_address_pairs: must be a list");
  if (v.size() > kMaxAllowedAddressPairs)
    return InvalidArgument("The number of allowed address pair exceeds the maximum " +
                           std::to_string(kMaxAllowedAddressPairs) + ".");
  for (const auto& pair : v) {
    if (!pair.is_object()) return InvalidArgument("Invalid input for allowed_address_pairs: each pair is an object");
    for (const auto& [k, x] : pair.items())
      if (k != "ip_address" && k != "mac_address")
        return InvalidArgument("Unrecognized attribute(s) '" + k + "' in allowed_address_pairs");
    if (!pair.contains("ip_address") || !pair["ip_address"].is_string())
      return InvalidArgument("AllowedAddressPair must contain ip_address");
    model::AllowedAddressPair p{pair["ip_address"].get<std::string>(), ""};
    ISTHMUS_RETURN_IF_ERROR(CheckIpOrCidr(p.ip_address, "allowed_address_pairs"));
    if (pair.contains("mac_address") && !pair["mac_address"].is_null()) {
      auto mac = pair["mac_address"].is_string() ? Mac::Parse(pair["mac_address"].get<std::string>())
                                                 : Result<Mac>(InvalidArgument("not a string"));
      if (!mac.ok())
        return InvalidArgument("Invalid input for allowed_address_pairs: '" + pair["mac_address"].dump() +
                               "' is not a valid MAC address");
      p.mac_address = mac->ToString();
    }
    out.push_back(p);
  }
  return out;
}

// The port security attributes a create or update sets (null groups or pairs: none).
Result<PortSecurity> ParseSecurity(const Request& r) {
  PortSecurity out;
  if (r.Has("port_security_enabled")) {
    ISTHMUS_ASSIGN_OR_RETURN(on, r.Bool("port_security_enabled", true));
    out.port_security_enabled = on;
  }
  if (r.Contains("security_groups")) {
    ISTHMUS_ASSIGN_OR_RETURN(groups, r.StringList("security_groups"));
    out.security_groups = groups;
  }
  if (r.Contains("allowed_address_pairs")) {
    ISTHMUS_ASSIGN_OR_RETURN(pairs, ParsePairs(r.Raw("allowed_address_pairs")));
    out.allowed_address_pairs = pairs;
  }
  return out;
}

}  // namespace

Result<model::Port> Service::CreatePort(const json& body) {
  // Built once: a set of strings made per request cost a dozen allocations.
  static const std::set<std::string> kAllowed = WithCommon({"network_id", "mac_address", "fixed_ips",
                                           "binding:host_id", "device_owner", "device_id",
                                           "security_groups", "port_security_enabled", "allowed_address_pairs", "tags"});
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "port", kAllowed));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(project, ProjectOf(r));
  ISTHMUS_ASSIGN_OR_RETURN(network_id, r.RequiredString("network_id"));
  ISTHMUS_ASSIGN_OR_RETURN(mac_text, r.String("mac_address"));
  ISTHMUS_ASSIGN_OR_RETURN(host, r.String("binding:host_id"));
  ISTHMUS_ASSIGN_OR_RETURN(owner, r.String("device_owner"));
  ISTHMUS_ASSIGN_OR_RETURN(device, r.String("device_id"));
  ISTHMUS_ASSIGN_OR_RETURN(up, r.Bool("admin_state_up", true));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  if (owner.rfind("network:router_interface", 0) == 0)
    return InvalidArgument("router interfaces are made with add_router_interface, not as ports");
  if (owner.rfind("network:", 0) == 0)
    return InvalidArgument("device_owner " + owner +
                           " is reserved: central makes network:* ports itself (DHCP, router "
                           "gateways, floating IPs)");
  WantedIps wanted;
  if (r.Has("fixed_ips")) {
    ISTHMUS_ASSIGN_OR_RETURN(w, ParseFixedIps(r.Raw("fixed_ips"), "fixed_ips"));
    wanted = w;
  }
  ISTHMUS_ASSIGN_OR_RETURN(security, ParseSecurity(r));
  std::vector<std::string> tags;
  if (r.Has("tags")) {
    ISTHMUS_ASSIGN_OR_RETURN(t, ParseTags(r.Raw("tags")));
    tags = t;
  }
  return Federation::CreatePort(
      PortCreate{name, project, network_id, mac_text, host, owner, device, wanted, up, description, security, tags});
}

Result<model::Port> Service::UpdatePort(const std::string& id, const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "port",
                                     {"name", "description", "admin_state_up", "binding:host_id",
                                      "device_owner", "device_id", "network_id", "mac_address",
                                      "fixed_ips", "security_groups", "port_security_enabled",
                                      "allowed_address_pairs"}));
  if (r.Has("mac_address") && r.Raw("mac_address").is_string()) {
    auto mac = Mac::Parse(r.Raw("mac_address").get<std::string>());
    if (mac.ok()) ISTHMUS_RETURN_IF_ERROR(RefuseDvrMac(*mac));  // the clearer message first
  }
  ISTHMUS_RETURN_IF_ERROR(Unchangeable("port", r, {"network_id"}));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  ISTHMUS_ASSIGN_OR_RETURN(up, r.Bool("admin_state_up", true));
  ISTHMUS_ASSIGN_OR_RETURN(mac, r.String("mac_address"));
  ISTHMUS_ASSIGN_OR_RETURN(host, r.String("binding:host_id"));
  ISTHMUS_ASSIGN_OR_RETURN(owner, r.String("device_owner"));
  ISTHMUS_ASSIGN_OR_RETURN(device, r.String("device_id"));
  PortUpdate u;
  if (r.Has("name")) u.name = name;
  if (r.Contains("binding:host_id")) u.host = host;
  if (r.Contains("device_owner")) u.device_owner = owner;
  if (r.Contains("device_id")) u.device_id = device;
  if (r.Contains("description")) u.description = description;
  if (r.Has("admin_state_up")) u.admin_state_up = up;
  if (r.Has("mac_address")) u.mac_address = mac;
  if (r.Contains("fixed_ips")) {
    ISTHMUS_ASSIGN_OR_RETURN(w, ParseFixedIps(r.Has("fixed_ips") ? r.Raw("fixed_ips") : json::array(), "fixed_ips"));
    u.fixed_ips = w;
  }
  ISTHMUS_ASSIGN_OR_RETURN(security, ParseSecurity(r));
  u.security = security;
  return Federation::UpdatePort(id, u);
}

json PortView(Federation& f, const model::Port& p) {
  json pairs = json::array();
  for (const auto& a : p.allowed_address_pairs) pairs.push_back({{"ip_address", a.ip_address}, {"mac_address", a.mac_address}});
  json fips = json::array();
  for (const auto& f : p.fixed_ips) fips.push_back({{"subnet_id", f.subnet_id}, {"ip_address", f.ip_address}});
  // The agent plugs bound ports into br-int of a userspace (netdev) Open vSwitch.
  json vif_details = p.host.empty() ? json::object()
                                    : json{{"port_filter", false}, {"ovs_hybrid_plug", false},
                                           {"datapath_type", "netdev"}, {"bridge_name", "br-int"}};
  return {{"id", p.id},
          {"name", p.name},
          {"network_id", p.network_id},
          {"tenant_id", p.project_id},
          {"project_id", p.project_id},
          {"mac_address", p.mac_address},
          {"fixed_ips", fips},
          {"device_owner", p.device_owner},
          {"device_id", p.device_id},
          {"binding:host_id", p.host},
          {"binding:vif_type", p.host.empty() ? "unbound" : "ovs"},
          {"binding:vif_details", vif_details},
          {"binding:vnic_type", "normal"},
          {"binding:profile", json::object()},
          {"status", PortStatusOf(f, p)},
          {"admin_state_up", p.admin_state_up},
          {"security_groups", p.security_groups},
          {"port_security_enabled", p.port_security_enabled},
          {"allowed_address_pairs", pairs},
          {"isthmus:cloud", p.cloud},
          {"description", p.description},
          {"created_at", TimestampView(p.created_at)},
          {"updated_at", TimestampView(p.updated_at)},
          {"revision_number", p.revision_number},
          {"tags", p.tags}};
}

}  // namespace isthmus::central
