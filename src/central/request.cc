#include "central/request.h"

#include "common/net.h"

namespace isthmus::central {

Result<Request> Request::Parse(const nlohmann::json& body, const std::string& resource,
                               const std::set<std::string>& allowed) {
  if (!body.is_object() || !body.contains(resource) || !body[resource].is_object())
    return InvalidArgument("request body must be {\"" + resource + "\": {...}}");
  Request r;
  r.resource_ = resource;
  r.obj_ = body[resource];
  for (const auto& [k, v] : r.obj_.items())
    if (!allowed.count(k)) return InvalidArgument("Unrecognized attribute(s) '" + k + "' for " + resource);
  ISTHMUS_RETURN_IF_ERROR(CheckLengthLimits(r.obj_));
  return r;
}

Status CheckLengthLimits(const nlohmann::json& attributes) {
  for (const char* key : kLimitedAttributes) {
    if (!attributes.contains(key) || !attributes[key].is_string()) continue;
    const std::string& v = attributes[key].get_ref<const std::string&>();
    if (IsValidName(v, kMaxNameLength)) continue;
    // Neutron's message; the value is cut short (a name may be megabytes).
    std::string shown = v.substr(0, 64);
    while (!shown.empty() && Utf8Length(shown) < 0) shown.pop_back();  // whole characters only
    return InvalidArgument("Invalid input for " + std::string(key) + ". Reason: '" + shown +
                           (shown.size() < v.size() ? "..." : "") + "' exceeds maximum length of " +
                           std::to_string(kMaxNameLength) + ".");
  }
  return Status::Ok();
}

Result<std::string> Request::String(const std::string& key, const std::string& def) const {
  if (!Has(key)) return def;
  if (!obj_[key].is_string())
    return InvalidArgument("Invalid input for " + key + ": '" + obj_[key].dump() + "' is not a string");
  return obj_[key].get<std::string>();
}

Result<std::string> Request::RequiredString(const std::string& key) const {
  if (!Has(key)) return InvalidArgument("Failed to parse request. Required attribute '" + key + "' not specified");
  auto s = String(key);
  if (s.ok() && s->empty()) return InvalidArgument("Invalid input for " + key + ": must not be empty");
  return s;
}

Result<bool> Request::Bool(const std::string& key, bool def) const {
  if (!Has(key)) return def;
  if (!obj_[key].is_boolean())
    return InvalidArgument("Invalid input for " + key + ": '" + obj_[key].dump() + "' is not a boolean");
  return obj_[key].get<bool>();
}

Result<std::vector<std::string>> Request::StringList(const std::string& key) const {
  std::vector<std::string> out;
  if (!Has(key)) return out;
  if (!obj_[key].is_array()) return InvalidArgument("Invalid input for " + key + ": not a list");
  for (const auto& v : obj_[key]) {
    if (!v.is_string()) return InvalidArgument("Invalid input for " + key + ": '" + v.dump() + "' is not a string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Status CanonicalNameservers(std::vector<std::string>& dns) {
  std::set<std::string> seen;
  for (auto& d : dns) {
    auto ip = Ipv4::Parse(d);
    if (!ip.ok())
      return InvalidArgument("Invalid input for dns_nameservers: '" + d + "' is not a valid IPv4 address");
    d = ip->ToString();
    if (!seen.insert(d).second)
      return InvalidArgument("Invalid input for dns_nameservers: duplicate nameserver '" + d + "'");
  }
  return Status::Ok();
}

namespace {

const std::set<std::string> kCommon = {"name", "description", "tenant_id", "project_id",
                                       "admin_state_up"};
}  // namespace

std::set<std::string> WithCommon(std::set<std::string> extra) {
  extra.insert(kCommon.begin(), kCommon.end());
  return extra;
}

Result<std::string> ProjectOf(const Request& r) {
  ISTHMUS_ASSIGN_OR_RETURN(p, r.String("project_id"));
  ISTHMUS_ASSIGN_OR_RETURN(t, r.String("tenant_id"));
  if (!p.empty() && !t.empty() && p != t)
    return InvalidArgument("'project_id' and 'tenant_id' do not match");
  return p.empty() ? (t.empty() ? std::string("admin") : t) : p;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseFixedIps(const nlohmann::json& v, const std::string& attr) {
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

}  // namespace isthmus::central
