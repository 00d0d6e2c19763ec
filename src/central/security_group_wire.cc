// The wire side of security groups and their rules: Neutron's create and
// update bodies read into typed requests, and the Neutron views.
#include "central/request.h"
#include "central/service.h"
#include "central/standard_attrs.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

// A port range bound: null (none), an integer, or an integer as a decimal
// string, as Neutron's convert_to_int takes it; -1 for none.
Result<int> PortBound(const Request& r, const std::string& key) {
  if (!r.Has(key)) return -1;
  const json& v = r.Raw(key);
  if (v.is_number_integer()) {
    const int64_t n = v.get<int64_t>();
    if (n < 0 || n > 65535) return InvalidArgument("Invalid value for port " + std::to_string(n) + ".");
    return static_cast<int>(n);
  }
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string::npos) {
      const int n = std::stoi(s);
      if (n > 65535) return InvalidArgument("Invalid value for port " + s + ".");
      return n;
    }
  }
  return InvalidArgument("Invalid input for " + key + ". Reason: '" + v.dump() + "' is not an integer.");
}

}  // namespace

Result<model::SecurityGroup> Service::CreateSecurityGroup(const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "security_group",
                                             {"name", "description", "project_id", "tenant_id"}));
  ISTHMUS_ASSIGN_OR_RETURN(project, ProjectOf(r));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  return Federation::CreateSecurityGroup(SecurityGroupCreate{project, name, description});
}

Result<model::SecurityGroup> Service::UpdateSecurityGroup(const std::string& id, const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "security_group", {"name", "description", "stateful"}));
  ISTHMUS_RETURN_IF_ERROR(Unchangeable("security_group", r, {"stateful"}));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.String("name"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  SecurityGroupUpdate u;
  if (r.Contains("name")) u.name = name;
  if (r.Contains("description")) u.description = description;
  return Federation::UpdateSecurityGroup(id, u);
}

Result<model::SecurityGroupRule> Service::CreateSecurityGroupRule(const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "security_group_rule",
                                             {"security_group_id", "direction", "ethertype", "protocol",
                                              "port_range_min", "port_range_max", "remote_ip_prefix",
                                              "remote_group_id", "description", "project_id", "tenant_id"}));
  ISTHMUS_RETURN_IF_ERROR(ProjectOf(r).status());
  model::SecurityGroupRule rule;
  ISTHMUS_ASSIGN_OR_RETURN(group, r.RequiredString("security_group_id"));
  ISTHMUS_ASSIGN_OR_RETURN(direction, r.RequiredString("direction"));
  ISTHMUS_ASSIGN_OR_RETURN(ethertype, r.String("ethertype", "IPv4"));
  ISTHMUS_ASSIGN_OR_RETURN(prefix, r.String("remote_ip_prefix"));
  ISTHMUS_ASSIGN_OR_RETURN(remote, r.String("remote_group_id"));
  ISTHMUS_ASSIGN_OR_RETURN(description, r.String("description"));
  ISTHMUS_ASSIGN_OR_RETURN(min, PortBound(r, "port_range_min"));
  ISTHMUS_ASSIGN_OR_RETURN(max, PortBound(r, "port_range_max"));
  if (r.Has("protocol")) {
    const json& p = r.Raw("protocol");
    if (p.is_number_integer()) {
      if (p.get<int64_t>() < 0 || p.get<int64_t>() > 255)
        return InvalidArgument("Security group rule protocol " + p.dump() +
                               " not supported. Integer representations [0 to 255] are supported.");
      rule.protocol = std::to_string(p.get<int64_t>());
    } else if (p.is_string()) {
      rule.protocol = p.get<std::string>();
    } else {
      return InvalidArgument("Invalid input for protocol: '" + p.dump() + "' is not a string or an integer");
    }
  }
  rule.security_group_id = group;
  rule.direction = direction;
  rule.ethertype = ethertype;
  rule.remote_ip_prefix = prefix;
  rule.remote_group_id = remote;
  rule.description = description;
  rule.port_range_min = min;
  rule.port_range_max = max;
  return Federation::CreateSecurityGroupRule(rule);
}

json SecurityGroupRuleView(const model::SecurityGroupRule& r) {
  auto or_null = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
  auto port = [](int v) { return v < 0 ? json(nullptr) : json(v); };
  return {{"id", r.id},
          {"tenant_id", r.project_id},
          {"project_id", r.project_id},
          {"security_group_id", r.security_group_id},
          {"direction", r.direction},
          {"ethertype", r.ethertype},
          {"protocol", or_null(r.protocol)},
          {"port_range_min", port(r.port_range_min)},
          {"port_range_max", port(r.port_range_max)},
          {"remote_ip_prefix", or_null(r.remote_ip_prefix)},
          {"remote_group_id", or_null(r.remote_group_id)},
          {"description", r.description},
          {"created_at", TimestampView(r.created_at)},
          {"updated_at", TimestampView(r.updated_at)},
          {"revision_number", r.revision_number}};
}

json SecurityGroupView(Federation& f, const model::SecurityGroup& g) {
  json rules = json::array();
  for (const auto& r : f.RulesOf(g.id)) rules.push_back(SecurityGroupRuleView(r));
  return {{"id", g.id},
          {"name", g.name},
          {"tenant_id", g.project_id},
          {"project_id", g.project_id},
          {"description", g.description},
          {"stateful", g.stateful},
          {"security_group_rules", rules},
          {"created_at", TimestampView(g.created_at)},
          {"updated_at", TimestampView(g.updated_at)},
          {"revision_number", g.revision_number},
          {"tags", g.tags}};
}

}  // namespace isthmus::central
