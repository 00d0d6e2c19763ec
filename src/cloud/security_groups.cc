#include "cloud/security_groups.h"

#include <algorithm>
#include <map>

#include "common/net.h"

namespace isthmus::cloud {
namespace {

// Neutron's protocol names (neutron_lib constants) for IPv4.
int ProtocolNumber(const std::string& p) {
  static const std::map<std::string, int> kNames = {
      {"ah", 51},   {"dccp", 33}, {"egp", 8},    {"esp", 50},  {"gre", 47},     {"icmp", 1},
      {"igmp", 2},  {"ipip", 4},  {"ospf", 89},  {"pgm", 113}, {"rsvp", 46},    {"sctp", 132},
      {"tcp", 6},   {"udp", 17},  {"udplite", 136}, {"vrrp", 112}};
  if (p.empty() || p == "any") return -1;
  if (auto it = kNames.find(p); it != kNames.end()) return it->second;
  if (p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) return -2;
  int n = std::stoi(p);
  return n <= 255 ? n : -2;
}

bool HasPorts(int protocol) { return protocol == 6 || protocol == 17 || protocol == 132; }

}  // namespace

std::optional<std::string> NormalizeCidr(const std::string& text) {
  auto slash = text.find('/');
  auto ip = Ipv4::Parse(text.substr(0, slash));
  if (!ip.ok()) return std::nullopt;
  int len = 32;
  if (slash != std::string::npos) {
    std::string digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 2 || digits.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    len = std::stoi(digits);
    if (len > 32) return std::nullopt;
  }
  Cidr c{*ip, len};
  c.network = Ipv4{ip->v & c.Mask()};
  return c.ToString();
}

namespace {
std::vector<std::string> AddressesOf(const std::vector<model::FixedIp>& fixed_ips,
                                     const std::vector<model::AllowedAddressPair>& pairs) {
  std::vector<std::string> out;
  for (const auto& f : fixed_ips)
    if (auto c = NormalizeCidr(f.ip_address)) out.push_back(*c);
  for (const auto& a : pairs)
    if (auto c = NormalizeCidr(a.ip_address)) out.push_back(*c);
  return out;
}
}  // namespace

std::vector<std::string> MemberAddresses(const model::Port& p) {
  return AddressesOf(p.fixed_ips, p.allowed_address_pairs);
}

std::vector<std::string> MemberAddresses(const model::GroupMember& m) {
  return AddressesOf(m.fixed_ips, m.allowed_address_pairs);
}

std::vector<state::AddressPair> AddressPairs(const model::Port& p) {
  std::vector<state::AddressPair> out;
  for (const auto& a : p.allowed_address_pairs)
    if (auto c = NormalizeCidr(a.ip_address)) out.push_back({*c, a.mac_address.empty() ? p.mac_address : a.mac_address});
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return std::tie(x.cidr, x.mac) < std::tie(y.cidr, y.mac); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<state::SecurityRule> ResolveRule(const model::SecurityGroupRule& r,
                                               std::vector<std::string> remote_ips) {
  if (r.ethertype != "IPv4" || (r.direction != "ingress" && r.direction != "egress")) return std::nullopt;
  if (!r.remote_ip_prefix.empty() && !r.remote_group_id.empty()) return std::nullopt;
  state::SecurityRule s;
  s.id = r.id;
  s.direction = r.direction;
  s.protocol = ProtocolNumber(r.protocol);
  if (s.protocol == -2) return std::nullopt;
  if (HasPorts(s.protocol)) {
    int lo = r.port_range_min, hi = r.port_range_max < 0 ? r.port_range_min : r.port_range_max;
    if (lo < 0 && hi >= 0) lo = hi;
    if (lo > hi || hi > 65535) return std::nullopt;
    if (lo >= 0 && !(lo == 1 && hi == 65535) && !(lo == 0 && hi == 65535)) s.port_range_min = lo, s.port_range_max = hi;
  } else if (s.protocol == 1) {
    if (r.port_range_min > 255 || r.port_range_max > 255) return std::nullopt;
    if (r.port_range_min >= 0) {  // a code only with a type
      s.port_range_min = r.port_range_min;
      s.port_range_max = r.port_range_max;
    }
  } else if (r.port_range_min >= 0 || r.port_range_max >= 0) {
    if (s.protocol != -1 && s.protocol != 33 && s.protocol != 136) {
      // Ports on a protocol without them: Neutron ignores them too.
    } else {
      return std::nullopt;  // ports OVS cannot match (any protocol, dccp, udplite)
    }
  }
  if (!r.remote_ip_prefix.empty()) {
    auto c = NormalizeCidr(r.remote_ip_prefix);
    if (!c) return std::nullopt;
    if (*c != "0.0.0.0/0") s.remote_ip_prefix = *c;
  }
  if (!r.remote_group_id.empty()) {
    s.remote_group_id = r.remote_group_id;
    std::sort(remote_ips.begin(), remote_ips.end());
    remote_ips.erase(std::unique(remote_ips.begin(), remote_ips.end()), remote_ips.end());
    s.remote_ips = std::move(remote_ips);
  }
  return s;
}

}  // namespace isthmus::cloud
