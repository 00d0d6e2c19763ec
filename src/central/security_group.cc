// The federation side of security groups: groups, their rules (checked as
// Neutron checks them), each project's default group (made on first need) and
// the ports' groups. Groups and rules go to every cloud (Reach::kEveryCloud).
#include "central/security_group.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include "central/federation.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

// Neutron's sg_supported_protocols (neutron-lib's IP_PROTOCOL_MAP) by number.
const std::map<std::string, int>& ProtocolNames() {
  static const std::map<std::string, int> kNames = {
      {"ah", 51},          {"dccp", 33},       {"egp", 8},         {"esp", 50},        {"gre", 47},
      {"hopopt", 0},       {"icmp", 1},        {"igmp", 2},        {"ip", 4},          {"ipip", 4},
      {"ipv6-encap", 41},  {"ipv6-frag", 44},  {"ipv6-icmp", 58},  {"icmpv6", 58},     {"ipv6-nonxt", 59},
      {"ipv6-opts", 60},   {"ipv6-route", 43}, {"ospf", 89},       {"pgm", 113},       {"rsvp", 46},
      {"sctp", 132},       {"tcp", 6},         {"udp", 17},        {"udplite", 136},   {"vrrp", 112}};
  return kNames;
}

// Protocols whose rules take a port range (tcp, udp, dccp, sctp, udplite).
bool HasPorts(int proto) { return proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136; }
bool IsIcmp(int proto) { return proto == 1 || proto == 58; }
// IPv6-only protocols: an IPv4 rule of one is a conflict (Neutron's SecurityGroupEthertypeConflictWithProtocol).
bool Ipv6Only(const std::string& p) {
  return p == "ipv6-encap" || p == "ipv6-frag" || p == "ipv6-icmp" || p == "icmpv6" || p == "ipv6-nonxt" ||
         p == "ipv6-opts" || p == "ipv6-route" || p == "41" || p == "43" || p == "44" || p == "58" || p == "59" ||
         p == "60";
}

// text as an address or prefix of either family: its family (4 or 6), the
// address at the network address of its prefix, and the prefix length.
struct Prefix {
  int family = 0;
  std::string network;
  int len = 0;
};
Result<Prefix> ParsePrefix(const std::string& text) {
  std::string addr = text;
  int len = -1;
  if (auto slash = text.find('/'); slash != std::string::npos) {
    addr = text.substr(0, slash);
    const std::string l = text.substr(slash + 1);
    if (l.empty() || l.size() > 3 || l.find_first_not_of("0123456789") != std::string::npos)
      return InvalidArgument("'" + text + "' is not a valid IP prefix length");
    len = std::stoi(l);
  }
  std::array<unsigned char, 16> b{};
  Prefix p;
  if (inet_pton(AF_INET, addr.c_str(), b.data()) == 1) p.family = 4;
  else if (inet_pton(AF_INET6, addr.c_str(), b.data()) == 1) p.family = 6;
  else return InvalidArgument("'" + text + "' is neither a valid IP address nor a CIDR");
  const int bits = p.family == 4 ? 32 : 128;
  if (len < 0) len = bits;
  if (len > bits) return InvalidArgument("'" + text + "' has a prefix length beyond " + std::to_string(bits));
  for (int i = 0; i < bits / 8; ++i) {
    const int keep = std::clamp(len - 8 * i, 0, 8);
    b[i] &= static_cast<unsigned char>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  char out[INET6_ADDRSTRLEN];
  inet_ntop(p.family == 4 ? AF_INET : AF_INET6, b.data(), out, sizeof out);
  p.network = out;
  p.len = len;
  return p;
}

// Two rules allow the same traffic as Neutron compares them (ids, projects and
// descriptions aside; a protocol's name and number are the same).
bool SameRule(const model::SecurityGroupRule& a, const model::SecurityGroupRule& b) {
  return a.security_group_id == b.security_group_id && a.direction == b.direction &&
         a.ethertype == b.ethertype && ProtocolNumber(a.protocol) == ProtocolNumber(b.protocol) &&
         a.port_range_min == b.port_range_min && a.port_range_max == b.port_range_max &&
         a.remote_ip_prefix == b.remote_ip_prefix && a.remote_group_id == b.remote_group_id;
}

}  // namespace

int ProtocolNumber(const std::string& protocol) {
  if (protocol.empty()) return -1;
  if (auto it = ProtocolNames().find(protocol); it != ProtocolNames().end()) return it->second;
  return std::stoi(protocol);  // NormaliseRule let only names and 0..255 in
}

Status CheckIpOrCidr(const std::string& text, const std::string& attr) {
  auto p = ParsePrefix(text);
  if (!p.ok()) return InvalidArgument("Invalid input for " + attr + ". Reason: " + p.status().message() + ".");
  return Status::Ok();
}

Status NormaliseRule(model::SecurityGroupRule& r) {
  if (r.direction != "ingress" && r.direction != "egress")
    return InvalidArgument("Invalid input for direction. Reason: '" + r.direction + "' is not in ['ingress', 'egress'].");
  std::string eth = r.ethertype;
  std::transform(eth.begin(), eth.end(), eth.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (eth != "ipv4" && eth != "ipv6")
    return InvalidArgument("Invalid input for ethertype. Reason: '" + r.ethertype + "' is not in ['IPv4', 'IPv6'].");
  r.ethertype = eth == "ipv4" ? "IPv4" : "IPv6";
  std::string proto = r.protocol;
  std::transform(proto.begin(), proto.end(), proto.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (!proto.empty() && !ProtocolNames().count(proto)) {
    const bool number = proto.size() <= 3 && proto.find_first_not_of("0123456789") == std::string::npos;
    if (!number || std::stoi(proto) > 255)
      return InvalidArgument("Security group rule protocol " + r.protocol +
                             " not supported. Only protocol values [None, ah, dccp, egp, esp, gre, hopopt, icmp, "
                             "igmp, ip, ipip, ipv6-encap, ipv6-frag, ipv6-icmp, icmpv6, ipv6-nonxt, ipv6-opts, "
                             "ipv6-route, ospf, pgm, rsvp, sctp, tcp, udp, udplite, vrrp] and integer "
                             "representations [0 to 255] are supported.");
    proto = std::to_string(std::stoi(proto));
  }
  // IPv6's ICMP has one name, whichever Neutron took (its legacy "icmpv6", or "icmp" with IPv6).
  if (r.ethertype == "IPv6" && (proto == "icmp" || proto == "icmpv6")) proto = "ipv6-icmp";
  r.protocol = proto;
  if (r.ethertype == "IPv4" && Ipv6Only(proto))
    return InvalidArgument("Invalid ethertype IPv4 for protocol " + r.protocol + ".");
  // Port ranges (Neutron's _validate_port_range).
  const int min = r.port_range_min, max = r.port_range_max;
  for (int v : {min, max})
    if (v != -1 && (v < 0 || v > 65535))
      return InvalidArgument("Invalid value for port " + std::to_string(v) + ".");
  if (min != -1 || max != -1) {
    if (proto.empty()) return InvalidArgument("Must also specify protocol if port range is given.");
    const int n = ProtocolNumber(proto);
    if (HasPorts(n)) {
      if (min == 0 || max == 0) return InvalidArgument("Invalid value for port 0.");
      if (min == -1 || max == -1 || min > max)
        return InvalidArgument("For TCP/UDP protocols, port_range_min must be <= port_range_max");
    } else if (IsIcmp(n)) {
      if (min > 255)
        return InvalidArgument("Invalid value for ICMP type (port-range-min): " + std::to_string(min) +
                               ". It must be 0 to 255.");
      if (max > 255)
        return InvalidArgument("Invalid value for ICMP code (port-range-max): " + std::to_string(max) +
                               ". It must be 0 to 255.");
      if (min == -1) return InvalidArgument("ICMP code (port-range-max) " + std::to_string(max) +
                                            " is provided but ICMP type (port-range-min) is missing.");
    } else {
      return InvalidArgument("Invalid protocol " + r.protocol + " for port range, only supported for TCP, UDP, "
                             "UDPLITE, SCTP, DCCP, ICMP and ICMPv6 protocols.");
    }
  }
  if (!r.remote_ip_prefix.empty()) {
    if (!r.remote_group_id.empty())
      return InvalidArgument("Only remote_ip_prefix or remote_group_id may be provided.");
    auto p = ParsePrefix(r.remote_ip_prefix);
    if (!p.ok())
      return InvalidArgument("Invalid input for remote_ip_prefix. Reason: " + p.status().message() + ".");
    if ((p->family == 4) != (r.ethertype == "IPv4"))
      return InvalidArgument("Conflicting value ethertype " + r.ethertype + " for CIDR " + r.remote_ip_prefix);
    r.remote_ip_prefix = p->network + "/" + std::to_string(p->len);
  }
  return Status::Ok();
}

std::optional<model::SecurityGroup> Federation::DefaultGroupNow(const Change& c, const std::string& project) const {
  std::optional<model::SecurityGroup> found;
  const IdSource source{"project_id", {project}};
  for (const auto& id : store_.Lists().Walk(Kind::kSecurityGroup, source, "", false, SIZE_MAX))
    if (auto g = Now<model::SecurityGroup>(store_, c, id); g && g->name == kDefaultSecurityGroup) return g;
  for (const auto& [id, g] : c.Of<model::SecurityGroup>())
    if (g && g->project_id == project && g->name == kDefaultSecurityGroup) return g;
  return std::nullopt;
}

std::string Federation::DefaultGroupLocked(Change& c, const std::string& project) {
  if (auto g = DefaultGroupNow(c, project)) return g->id;
  // Made as Neutron makes it, outside the quota: its 4 rules let in members of
  // the group, and let out anything (IPv4 and IPv6 each).
  model::SecurityGroup g;
  g.id = NewUuid();
  g.name = kDefaultSecurityGroup;
  g.project_id = project;
  g.description = "Default security group";
  Put(c, g);
  for (const char* direction : {"ingress", "egress"})
    for (const char* ethertype : {"IPv4", "IPv6"}) {
      model::SecurityGroupRule r;
      r.id = NewUuid();
      r.project_id = project;
      r.security_group_id = g.id;
      r.direction = direction;
      r.ethertype = ethertype;
      if (r.direction == "ingress") r.remote_group_id = g.id;
      Put(c, r);
    }
  return g.id;
}

Status Federation::EnsureDefaultSecurityGroup(const std::string& project) {
  ISTHMUS_FRESH(EnsureDefaultSecurityGroup(project));
  if (project.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  Change c;
  if (DefaultGroupNow(c, project)) return Status::Ok();
  DefaultGroupLocked(c, project);
  return Apply(c);
}

std::vector<model::SecurityGroupRule> Federation::RulesOf(const std::string& group_id) {
  return ListBatch<model::SecurityGroupRule>(IdSource{"security_group_id", {group_id}}, "", false, SIZE_MAX);
}

Result<model::SecurityGroup> Federation::CreateSecurityGroup(const SecurityGroupCreate& req) {
  ISTHMUS_FRESH(CreateSecurityGroup(req));
  std::string lower = req.name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (lower == kDefaultSecurityGroup) return Conflict("Default security group already exists.");
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked(Traits(Kind::kSecurityGroup).body, req.project));
  // Its two egress rules need room in the project's rule quota (Neutron's check).
  const std::string rules = Traits(Kind::kSecurityGroupRule).body;
  const int64_t rule_limit = QuotaOfLocked(req.project).at(rules);
  if (rule_limit != kUnlimited && UsageLocked(rules, req.project, rule_limit) + 2 > rule_limit) return OverQuota(rules);
  Change c;
  DefaultGroupLocked(c, req.project);  // Neutron makes the project's default first
  model::SecurityGroup g;
  g.id = NewUuid();
  g.name = req.name;
  g.project_id = req.project;
  g.description = req.description;
  Put(c, g);
  // Neutron gives a new group the two egress rules of its default group.
  for (const char* ethertype : {"IPv4", "IPv6"}) {
    model::SecurityGroupRule r;
    r.id = NewUuid();
    r.project_id = g.project_id;
    r.security_group_id = g.id;
    r.direction = "egress";
    r.ethertype = ethertype;
    Put(c, r);
  }
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return g;
}

Result<model::SecurityGroup> Federation::UpdateSecurityGroup(const std::string& id, const SecurityGroupUpdate& req) {
  ISTHMUS_FRESH(UpdateSecurityGroup(id, req));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = store_.All<model::SecurityGroup>().find(id);
  if (it == store_.All<model::SecurityGroup>().end()) return NotFound("Security group " + id + " does not exist");
  model::SecurityGroup g = it->second;
  if (req.name) {
    std::string lower = *req.name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (g.name == kDefaultSecurityGroup) return Conflict("Updating default security group not allowed.");
    if (lower == kDefaultSecurityGroup) return Conflict("Default security group already exists.");
    g.name = *req.name;
  }
  if (req.description) g.description = *req.description;
  if (json(g) == json(it->second)) return g;
  Change c;
  Put(c, g);
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return g;
}

Result<model::SecurityGroupRule> Federation::CreateSecurityGroupRule(const model::SecurityGroupRule& wanted) {
  ISTHMUS_FRESH(CreateSecurityGroupRule(wanted));
  model::SecurityGroupRule r = wanted;
  ISTHMUS_RETURN_IF_ERROR(NormaliseRule(r));
  std::lock_guard<std::mutex> lock(mu_);
  const auto& groups = store_.All<model::SecurityGroup>();
  auto g = groups.find(r.security_group_id);
  if (g == groups.end()) return NotFound("Security group " + r.security_group_id + " does not exist");
  if (!r.remote_group_id.empty() && !groups.count(r.remote_group_id))
    return NotFound("Security group " + r.remote_group_id + " does not exist");
  r.project_id = g->second.project_id;  // a group's rules are its project's
  ISTHMUS_RETURN_IF_ERROR(CheckQuotaLocked(Traits(Kind::kSecurityGroupRule).body, r.project_id));
  for (const auto& other : RulesOfLocked(r.security_group_id))
    if (SameRule(other, r)) return Conflict("Security group rule already exists. Rule id is " + other.id + ".");
  r.id = NewUuid();
  Change c;
  Put(c, r);
  Touch<model::SecurityGroup>(store_, c, r.security_group_id);  // Neutron: a rule change is its group's revision
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return r;
}

std::vector<model::SecurityGroupRule> Federation::RulesOfLocked(const std::string& group_id) const {
  return Walk<model::SecurityGroupRule>(store_, IdSource{"security_group_id", {group_id}}, "", false, SIZE_MAX);
}

Status Federation::DeleteLocked(std::type_identity<model::SecurityGroup>, const std::string& id) {
  auto it = store_.All<model::SecurityGroup>().find(id);
  if (it == store_.All<model::SecurityGroup>().end()) return NotFound("Security group " + id + " does not exist");
  for (const auto& [pid, p] : ports_)
    if (std::find(p.security_groups.begin(), p.security_groups.end(), id) != p.security_groups.end())
      return Conflict("Security Group " + id + " in use.");
  Change c;
  // Its rules, and the rules of other groups naming it as their remote group
  // (Neutron's cascade): their deletes reach the clouds with the group's.
  for (const auto& r : RulesOfLocked(id)) Drop<model::SecurityGroupRule>(c, r.id);
  std::vector<std::string> touched;
  for (const auto& [rid, r] : store_.All<model::SecurityGroupRule>())
    if (r.remote_group_id == id && r.security_group_id != id) {
      Drop<model::SecurityGroupRule>(c, rid);
      touched.push_back(r.security_group_id);
    }
  for (const auto& gid : touched) Touch<model::SecurityGroup>(store_, c, gid);
  Drop<model::SecurityGroup>(c, id);
  return Apply(c);
}

Status Federation::DeleteLocked(std::type_identity<model::SecurityGroupRule>, const std::string& id) {
  auto it = store_.All<model::SecurityGroupRule>().find(id);
  if (it == store_.All<model::SecurityGroupRule>().end())
    return NotFound("Security group rule " + id + " does not exist");
  Change c;
  const std::string group = it->second.security_group_id;
  Drop<model::SecurityGroupRule>(c, id);
  Touch<model::SecurityGroup>(store_, c, group);
  return Apply(c);
}

Status Federation::SetPortSecurity(Change& c, model::Port& p, const PortSecurity& want) {
  if (want.port_security_enabled) p.port_security_enabled = *want.port_security_enabled;
  if (want.security_groups) {
    std::vector<std::string> groups;
    for (const auto& id : *want.security_groups) {
      if (!Now<model::SecurityGroup>(store_, c, id)) return NotFound("Security group " + id + " does not exist");
      if (std::find(groups.begin(), groups.end(), id) != groups.end())
        return InvalidArgument("Duplicate Security Group ID " + id + " in security_groups");
      groups.push_back(id);
    }
    p.security_groups = groups;
  }
  if (want.allowed_address_pairs) {
    std::vector<model::AllowedAddressPair> pairs;
    for (auto pair : *want.allowed_address_pairs) {
      if (pair.mac_address.empty()) pair.mac_address = p.mac_address;
      if (std::find(pairs.begin(), pairs.end(), pair) != pairs.end())
        return InvalidArgument("Request contains duplicate address pair: mac_address " + pair.mac_address +
                               " ip_address " + pair.ip_address + ".");
      pairs.push_back(pair);
    }
    p.allowed_address_pairs = pairs;
  }
  if (!p.port_security_enabled && !p.security_groups.empty())
    return Conflict("Port has security group associated. Cannot disable port security or ip address until "
                    "security group is removed");
  if (!p.port_security_enabled && !p.allowed_address_pairs.empty())
    return Conflict("Port Security must be enabled in order to have allowed address pairs on a port.");
  return Status::Ok();
}

}  // namespace isthmus::central
