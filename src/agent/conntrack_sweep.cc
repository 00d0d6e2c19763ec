#include "agent/conntrack_sweep.h"

#include <map>

#include "common/net.h"

namespace isthmus::agent {
namespace {

// "key=value" pairs of one "(...)" group after `name=(`.
std::map<std::string, std::string> Group(const std::string& line, const std::string& name) {
  std::map<std::string, std::string> out;
  size_t at = line.find(name + "=(");
  if (at == std::string::npos) return out;
  size_t start = at + name.size() + 2, end = line.find(')', start);
  if (end == std::string::npos) return out;
  std::string body = line.substr(start, end - start);
  size_t pos = 0;
  while (pos < body.size()) {
    size_t comma = body.find(',', pos);
    if (comma == std::string::npos) comma = body.size();
    std::string kv = body.substr(pos, comma - pos);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
    pos = comma + 1;
  }
  return out;
}

int Num(const std::map<std::string, std::string>& m, const char* key) {
  auto it = m.find(key);
  if (it == m.end() || it->second.empty() || it->second.size() > 5 ||
      it->second.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stoi(it->second);
}

bool InCidr(const std::string& ip, const std::string& cidr) {
  auto a = Ipv4::Parse(ip);
  auto c = Cidr::Parse(cidr);
  return a.ok() && c.ok() && c->Contains(*a);
}

bool IsPortAddress(const std::string& ip, const state::LocalPort& port) {
  for (const auto& own : port.ips)
    if (own == ip) return true;
  for (const auto& pair : port.allowed_address_pairs)
    if (InCidr(ip, pair.cidr)) return true;
  return false;
}

bool RuleAllows(const state::SecurityRule& r, const ConnTuple& c, const std::string& remote) {
  if (r.protocol != -1 && r.protocol != c.protocol) return false;
  if (!r.remote_group_id.empty()) {
    bool member = false;
    for (const auto& ip : r.remote_ips) member = member || InCidr(remote, ip);
    if (!member) return false;
  } else if (!r.remote_ip_prefix.empty() && !InCidr(remote, r.remote_ip_prefix)) {
    return false;
  }
  if (r.port_range_min < 0) return true;
  if (r.protocol == 1)
    return c.icmp_type == r.port_range_min && (r.port_range_max < 0 || c.icmp_code == r.port_range_max);
  return c.dport >= r.port_range_min && c.dport <= r.port_range_max;
}

}  // namespace

std::vector<ConnTuple> ParseConntrackDump(const std::string& dump) {
  static const std::map<std::string, int> kProtocols = {{"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"sctp", 132}};
  std::vector<ConnTuple> out;
  size_t pos = 0;
  while (pos < dump.size()) {
    size_t nl = dump.find('\n', pos);
    if (nl == std::string::npos) nl = dump.size();
    std::string line = dump.substr(pos, nl - pos);
    pos = nl + 1;
    std::string proto = line.substr(0, line.find(','));
    auto orig = Group(line, "orig");
    ConnTuple c;
    if (auto it = kProtocols.find(proto); it != kProtocols.end()) c.protocol = it->second;
    else if (proto.rfind("proto", 0) == 0) c.protocol = Num({{"p", proto.substr(5)}}, "p");
    else continue;
    c.src = orig["src"];
    c.dst = orig["dst"];
    if (!Ipv4::Parse(c.src).ok() || !Ipv4::Parse(c.dst).ok() || c.protocol < 0) continue;
    c.sport = Num(orig, "sport");
    c.dport = Num(orig, "dport");
    c.icmp_id = Num(orig, "id");
    c.icmp_type = Num(orig, "type");
    c.icmp_code = Num(orig, "code");
    out.push_back(c);
  }
  return out;
}

bool ConnectionAllowed(const ConnTuple& c, const state::LocalPort& port, const state::HostState& s) {
  bool egress = IsPortAddress(c.src, port);
  const std::string& remote = egress ? c.dst : c.src;
  for (const auto& g : s.security_groups) {
    bool mine = false;
    for (const auto& id : port.security_groups) mine = mine || id == g.id;
    if (!mine) continue;
    for (const auto& r : g.rules)
      if (r.direction == (egress ? "egress" : "ingress") && RuleAllows(r, c, remote)) return true;
  }
  return false;
}

std::string FlushTuple(const ConnTuple& c) {
  std::string t = "ct_nw_src=" + c.src + ",ct_nw_dst=" + c.dst + ",ct_nw_proto=" + std::to_string(c.protocol);
  if (c.protocol == 1) {
    if (c.icmp_id >= 0) t += ",icmp_id=" + std::to_string(c.icmp_id);
    if (c.icmp_type >= 0) t += ",icmp_type=" + std::to_string(c.icmp_type);
    if (c.icmp_code >= 0) t += ",icmp_code=" + std::to_string(c.icmp_code);
  } else if (c.sport >= 0 && c.dport >= 0) {
    t += ",ct_tp_src=" + std::to_string(c.sport) + ",ct_tp_dst=" + std::to_string(c.dport);
  }
  return t;
}

std::string RulesDigest(const state::LocalPort& port, const state::HostState& s) {
  nlohmann::json j = {{"ips", port.ips}, {"pairs", port.allowed_address_pairs}, {"groups", port.security_groups}};
  for (const auto& g : s.security_groups)
    for (const auto& id : port.security_groups)
      if (id == g.id) j["rules"].push_back(g);
  return j.dump();
}

}  // namespace isthmus::agent
