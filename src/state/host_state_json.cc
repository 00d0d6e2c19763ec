#include "state/host_state_json.h"

#include <algorithm>
#include <string_view>

#include <nlohmann/json.hpp>

namespace isthmus::state {
namespace {

// Appends JSON in nlohmann's compact form. Every object's keys are written in
// byte order, as nlohmann's std::map holds them (host_state_json_test checks
// the bytes against nlohmann's for every field).
class Writer {
 public:
  explicit Writer(std::string& out, JsonLayout* layout = nullptr) : out_(out), layout_(layout) {}

  // A string as nlohmann writes it: plain printable ASCII is copied; anything
  // else (quotes, control characters, UTF-8) goes through nlohmann itself, so
  // escaping and invalid UTF-8 behave exactly as before.
  void Str(const std::string& s) {
    for (unsigned char c : s)
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
        out_ += nlohmann::json(s).dump();
        return;
      }
    out_ += '"';
    out_ += s;
    out_ += '"';
  }
  void Int(int64_t v) { out_ += std::to_string(v); }
  void Bool(bool v) { out_ += v ? "true" : "false"; }

  // {"k1":v1,"k2":v2}: Key() before each value, in byte order of the keys.
  // (The layout records the top level: depth 1.)
  void Open() { out_ += '{', first_ = true, ++depth_; }
  void Close() { out_ += '}', first_ = false, --depth_; }
  void Key(const char* k) {
    if (!first_) out_ += ',';
    first_ = true;
    uint32_t key_begin = Pos();
    out_ += '"';
    out_ += k;
    out_ += '"';
    if (layout_ && depth_ == 1) layout_->members.push_back({key_begin, Pos(), Pos() + 1, 0, {}});
    out_ += ':';
  }
  // After a value: the next key needs a comma.
  void Done() {
    first_ = false;
    if (layout_ && depth_ == 1) layout_->members.back().value_end = Pos();
  }

  template <typename T, typename F>
  void Array(const std::vector<T>& v, F each) {
    bool record = layout_ && depth_ == 1;
    out_ += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out_ += ',';
      uint32_t begin = Pos();
      each(v[i]);
      if (record) layout_->members.back().elements.push_back({begin, Pos()});
      first_ = false;
    }
    out_ += ']';
  }
  uint32_t Pos() const { return static_cast<uint32_t>(out_.size()); }
  void Strings(const std::vector<std::string>& v) {
    Array(v, [&](const std::string& s) { Str(s); });
  }

  // Field helpers: key and value.
  void F(const char* k, const std::string& v) { Key(k), Str(v), Done(); }
  void F(const char* k, int v) { Key(k), Int(v), Done(); }
  void F(const char* k, int64_t v) { Key(k), Int(v), Done(); }
  void F(const char* k, bool v) { Key(k), Bool(v), Done(); }
  void F(const char* k, const std::vector<std::string>& v) { Key(k), Strings(v), Done(); }
  template <typename T>
  void F(const char* k, const std::vector<T>& v) {
    Key(k);
    Array(v, [&](const T& x) { Obj(x); });
    Done();
  }
  template <typename T>
  void FObj(const char* k, const T& v) {
    Key(k);
    Obj(v);
    Done();
  }

  void Obj(const LocalNetwork& x) {
    Open();
    F("cloud_flood_vteps", x.cloud_flood_vteps), F("flood_vteps", x.flood_vteps), F("id", x.id);
    F("lvid", x.lvid), F("vni", x.vni);
    Close();
  }
  void Obj(const AddressPair& x) {
    Open();
    F("cidr", x.cidr), F("mac", x.mac);
    Close();
  }
  void Obj(const LocalPort& x) {
    Open();
    F("allowed_address_pairs", x.allowed_address_pairs);
    F("id", x.id), F("ips", x.ips), F("mac", x.mac), F("network_id", x.network_id);
    F("port_security", x.port_security), F("security_groups", x.security_groups);
    Close();
  }
  void Obj(const SecurityRule& x) {
    Open();
    F("direction", x.direction), F("id", x.id), F("port_range_max", x.port_range_max);
    F("port_range_min", x.port_range_min), F("protocol", x.protocol), F("remote_group_id", x.remote_group_id);
    F("remote_ip_prefix", x.remote_ip_prefix), F("remote_ips", x.remote_ips);
    Close();
  }
  void Obj(const SecurityGroupRules& x) {
    Open();
    F("id", x.id), F("rules", x.rules);
    Close();
  }
  void Obj(const RemotePort& x) {
    Open();
    F("mac", x.mac), F("network_id", x.network_id), F("vtep", x.vtep);
    Close();
  }
  void Obj(const ArpEntry& x) {
    Open();
    F("ip", x.ip), F("mac", x.mac), F("network_id", x.network_id);
    Close();
  }
  void Obj(const RouterInterface& x) {
    Open();
    F("ip", x.ip), F("mac", x.mac), F("network_id", x.network_id), F("port_id", x.port_id);
    F("prefix_len", x.prefix_len), F("serves_other_clouds", x.serves_other_clouds), F("subnet_id", x.subnet_id);
    Close();
  }
  void Obj(const Route& x) {
    Open();
    F("destination", x.destination), F("nexthop", x.nexthop);
    Close();
  }
  void Obj(const Neighbor& x) {
    Open();
    F("ip", x.ip), F("mac", x.mac);
    Close();
  }
  void Obj(const ExternalGateway& x) {
    Open();
    F("enable_snat", x.enable_snat), F("gateway_ip", x.gateway_ip), F("ip", x.ip), F("mac", x.mac);
    F("network_id", x.network_id), F("port_id", x.port_id), F("prefix_len", x.prefix_len);
    Close();
  }
  void Obj(const SnatRoute& x) {
    Open();
    F("cidr", x.cidr), F("port_id", x.port_id), F("via", x.via);
    Close();
  }
  void Obj(const FloatingIpNat& x) {
    Open();
    F("fixed_ip", x.fixed_ip), F("floating_ip", x.floating_ip), F("port_id", x.port_id);
    Close();
  }
  void Obj(const FipLink& x) {
    Open();
    F("fip_side", x.fip_side), F("network_id", x.network_id), F("router_side", x.router_side);
    Close();
  }
  void Obj(const RouterInstance& x) {
    Open();
    F("distributed", x.distributed), FObj("fip_link", x.fip_link), F("floating_ips", x.floating_ips);
    FObj("gateway", x.gateway), F("id", x.id), F("interfaces", x.interfaces), F("kind", x.kind);
    F("neighbors", x.neighbors), F("routes", x.routes), F("snat_routes", x.snat_routes);
    Close();
  }
  void Obj(const FipGateway& x) {
    Open();
    F("gateway_ip", x.gateway_ip), F("ip", x.ip), F("mac", x.mac), F("network_id", x.network_id);
    F("port_id", x.port_id), F("prefix_len", x.prefix_len);
    Close();
  }
  void Obj(const DhcpHost& x) {
    Open();
    F("hostname", x.hostname), F("ip", x.ip), F("mac", x.mac);
    Close();
  }
  void Obj(const DhcpSubnet& x) {
    Open();
    F("cidr", x.cidr), F("dns", x.dns), F("host_routes", x.host_routes), F("router", x.router);
    F("subnet_id", x.subnet_id);
    Close();
  }
  void Obj(const DhcpServer& x) {
    Open();
    F("hosts", x.hosts), F("ip_cidrs", x.ip_cidrs), F("mac", x.mac), F("mtu", x.mtu);
    F("network_id", x.network_id), F("port_id", x.port_id), F("subnets", x.subnets);
    Close();
  }
  void Obj(const SubnetGateway& x) {
    Open();
    F("cidr", x.cidr), F("ip", x.ip), F("local", x.local), F("mac", x.mac), F("network_id", x.network_id);
    F("subnet_id", x.subnet_id);
    Close();
  }
  void Obj(const ForeignGateway& x) {
    Open();
    F("cloud", x.cloud), F("mac", x.mac), F("network_id", x.network_id);
    Close();
  }
  void Obj(const HostState& x) {
    Open();
    F("arp_responder", x.arp_responder), F("cloud", x.cloud), F("dhcp_servers", x.dhcp_servers);
    F("dvr_mac", x.dvr_mac), F("dvr_mac_federation", x.dvr_mac_federation), F("dvr_mac_space", x.dvr_mac_space);
    F("fip_gateways", x.fip_gateways), F("foreign_gateways", x.foreign_gateways);
    F("gateway_arp_drop", x.gateway_arp_drop), F("gateways", x.gateways), F("host", x.host);
    F("networks", x.networks), F("ports", x.ports), F("remote_ports", x.remote_ports);
    F("revision", x.revision);
    F("role", x.role), F("routers", x.routers), F("security_groups", x.security_groups);
    F("trusted_dvr_macs", x.trusted_dvr_macs);
    F("tunnels", x.tunnels), F("vtep_ip", x.vtep_ip);
    Close();
  }

 private:
  std::string& out_;
  JsonLayout* layout_;
  bool first_ = true;
  int depth_ = 0;
};

}  // namespace

std::string DumpHostState(const HostState& s, JsonLayout* layout, size_t size_hint) {
  std::string out;
  out.reserve(std::max<size_t>(4096, size_hint + size_hint / 8));
  if (layout) *layout = JsonLayout{};
  Writer(out, layout).Obj(s);
  if (layout) layout->valid = true;
  return out;
}

namespace {
template <typename T>
std::string Element(const T& x) {
  std::string out;
  Writer(out).Obj(x);
  return out;
}
}  // namespace

std::string DumpElement(const SecurityGroupRules& g) { return Element(g); }
std::string DumpElement(const RemotePort& p) { return Element(p); }
std::string DumpElement(const ArpEntry& a) { return Element(a); }
std::string DumpElement(const LocalNetwork& n) { return Element(n); }
std::string DumpElement(const LocalPort& p) { return Element(p); }

std::string WithRevision(const std::string& text, int64_t revision) {
  static const std::string kKey = "\"revision\":";
  size_t at = text.find(kKey);
  if (at == std::string::npos) return text;
  size_t revision_pos = at + kKey.size(), end = revision_pos;
  while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '-')) ++end;
  std::string digits = std::to_string(revision);
  std::string out;
  out.reserve(text.size() + digits.size());
  out.append(text, 0, revision_pos).append(digits).append(text, end, std::string::npos);
  return out;
}

std::optional<std::string> AddTrustedDvrMac(const std::string& text, const std::string& mac) {
  for (unsigned char c : mac)
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return std::nullopt;
  // The first `"trusted_dvr_macs":[` is the top-level key (as in WithRevision).
  static const std::string kKey = "\"trusted_dvr_macs\":[";
  size_t at = text.find(kKey);
  if (at == std::string::npos) return std::nullopt;
  size_t pos = at + kKey.size(), insert_at = std::string::npos;
  // Elements: "..." separated by commas, up to the closing bracket.
  while (pos < text.size() && text[pos] != ']') {
    if (text[pos] == ',') ++pos;
    if (pos >= text.size() || text[pos] != '"') return std::nullopt;
    size_t end = text.find('"', pos + 1);
    if (end == std::string::npos) return std::nullopt;
    std::string_view item(text.data() + pos + 1, end - pos - 1);
    if (item.find('\\') != std::string_view::npos) return std::nullopt;
    if (item == mac) return text;
    if (insert_at == std::string::npos && item > mac) insert_at = pos;
    pos = end + 1;
  }
  if (pos >= text.size()) return std::nullopt;
  bool last = insert_at == std::string::npos;
  if (last) insert_at = pos;  // before the closing bracket
  bool empty = text[at + kKey.size()] == ']';
  std::string item = "\"" + mac + "\"";
  std::string out;
  out.reserve(text.size() + item.size() + 1);
  out.append(text, 0, insert_at);
  if (last && !empty) out += ',';
  out += item;
  if (!last) out += ',';
  out.append(text, insert_at, std::string::npos);
  return out;
}

}  // namespace isthmus::state
