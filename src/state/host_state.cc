#include "state/host_state.h"

#include <functional>
#include <set>

#include "common/net.h"

namespace isthmus::state {
namespace {

// Walks a HostState, remembering where it is, and stops at the first bad value.
class Checker {
 public:
  Status status() const { return status_; }

  void Id(const std::string& path, const std::string& v, bool optional = false) {
    if (optional && v.empty()) return;
    if (!IsValidId(v)) Fail(path, v, "is not an ID (1 to 64 letters, digits, '-' or '_')");
  }
  void Mac(const std::string& path, const std::string& v, bool optional = false) {
    if (optional && v.empty()) return;
    auto m = isthmus::Mac::Parse(v);
    if (!m.ok()) return Fail(path, v, "is not a MAC address");
    if (m->IsMulticast()) Fail(path, v, "is a multicast MAC address");
  }
  void DvrMac(const std::string& path, const std::string& v) {
    auto m = isthmus::Mac::Parse(v);
    if (!m.ok() || !InDvrMacSpace(*m))
      Fail(path, v, std::string("is not a DVR MAC (inside ") + kDvrMacSpace + ")");
  }
  void Ip(const std::string& path, const std::string& v, bool optional = false) {
    if (optional && v.empty()) return;
    if (!Ipv4::Parse(v).ok()) Fail(path, v, "is not an IPv4 address");
  }
  void Cidr(const std::string& path, const std::string& v) {
    if (!isthmus::Cidr::Parse(v).ok()) Fail(path, v, "is not a CIDR");
  }
  void IfaceAddr(const std::string& path, const std::string& v) {
    if (!IfaceAddress::Parse(v).ok()) Fail(path, v, "is not an interface address (a.b.c.d/len)");
  }
  void PrefixLen(const std::string& path, int v) {
    if (v < 0 || v > 32) Fail(path, std::to_string(v), "is not a prefix length (0..32)");
  }
  void Range(const std::string& path, int64_t v, int64_t min, int64_t max) {
    if (v < min || v > max)
      Fail(path, std::to_string(v), "is outside " + std::to_string(min) + ".." + std::to_string(max));
  }
  void Host(const std::string& path, const std::string& v) {
    if (!IsValidHostName(v)) Fail(path, v, "is not a host or cloud name");
  }
  void DnsLabel(const std::string& path, const std::string& v) {
    if (!IsValidDnsLabel(v)) Fail(path, v, "is not a DNS label");
  }
  void Fail(const std::string& path, const std::string& v, const std::string& why) {
    if (!status_.ok()) return;
    std::string shown = v.size() > 80 ? v.substr(0, 80) + "..." : v;
    nlohmann::json quoted = shown;  // escapes newlines and control characters
    status_ = InvalidArgument(path + ": " + quoted.dump(-1, ' ', false,
                                                        nlohmann::json::error_handler_t::replace) +
                              " " + why);
  }
  void OneOf(const std::string& path, const std::string& v, std::initializer_list<const char*> allowed) {
    for (const char* a : allowed)
      if (v == a) return;
    Fail(path, v, "is not an allowed value");
  }
  template <typename T>
  void Each(const std::string& path, const std::vector<T>& items,
            const std::function<void(const std::string&, const T&)>& f) {
    for (size_t i = 0; i < items.size() && status_.ok(); ++i) f(path + "[" + std::to_string(i) + "]", items[i]);
  }

 private:
  Status status_;
};

void CheckRoute(Checker& c, const std::string& p, const Route& r) {
  c.Cidr(p + ".destination", r.destination);
  c.Ip(p + ".nexthop", r.nexthop);
}

void CheckRouter(Checker& c, const std::string& p, const RouterInstance& r) {
  c.Id(p + ".id", r.id);
  c.OneOf(p + ".kind", r.kind, {"dvr", "legacy", "snat"});
  c.Each<RouterInterface>(p + ".interfaces", r.interfaces, [&](const std::string& q, const RouterInterface& i) {
    c.Id(q + ".port_id", i.port_id);
    c.Id(q + ".network_id", i.network_id);
    c.Id(q + ".subnet_id", i.subnet_id, true);
    c.Mac(q + ".mac", i.mac);
    c.Ip(q + ".ip", i.ip);
    c.PrefixLen(q + ".prefix_len", i.prefix_len);
  });
  c.Each<Neighbor>(p + ".neighbors", r.neighbors, [&](const std::string& q, const Neighbor& n) {
    c.Ip(q + ".ip", n.ip);
    c.Mac(q + ".mac", n.mac);
  });
  const ExternalGateway& g = r.gateway;
  c.Id(p + ".gateway.port_id", g.port_id, true);
  c.Id(p + ".gateway.network_id", g.network_id, true);
  c.Mac(p + ".gateway.mac", g.mac, true);
  c.Ip(p + ".gateway.ip", g.ip, true);
  c.PrefixLen(p + ".gateway.prefix_len", g.prefix_len);
  c.Ip(p + ".gateway.gateway_ip", g.gateway_ip, true);
  c.Each<SnatRoute>(p + ".snat_routes", r.snat_routes, [&](const std::string& q, const SnatRoute& s) {
    c.Cidr(q + ".cidr", s.cidr);
    c.Ip(q + ".via", s.via);
    c.Id(q + ".port_id", s.port_id);
  });
  c.Each<FloatingIpNat>(p + ".floating_ips", r.floating_ips, [&](const std::string& q, const FloatingIpNat& f) {
    c.Ip(q + ".floating_ip", f.floating_ip);
    c.Ip(q + ".fixed_ip", f.fixed_ip);
    c.Id(q + ".port_id", f.port_id, true);
  });
  c.Each<Route>(p + ".routes", r.routes, [&](const std::string& q, const Route& x) { CheckRoute(c, q, x); });
  c.Id(p + ".fip_link.network_id", r.fip_link.network_id, true);
  c.Ip(p + ".fip_link.router_side", r.fip_link.router_side, true);
  c.Ip(p + ".fip_link.fip_side", r.fip_link.fip_side, true);
}

void CheckDhcp(Checker& c, const std::string& p, const DhcpServer& d) {
  c.Id(p + ".network_id", d.network_id);
  c.Id(p + ".port_id", d.port_id);
  c.Mac(p + ".mac", d.mac);
  c.Each<std::string>(p + ".ip_cidrs", d.ip_cidrs, [&](const std::string& q, const std::string& a) { c.IfaceAddr(q, a); });
  c.Range(p + ".mtu", d.mtu, 68, 65535);
  c.Each<DhcpSubnet>(p + ".subnets", d.subnets, [&](const std::string& q, const DhcpSubnet& s) {
    c.Id(q + ".subnet_id", s.subnet_id);
    c.Cidr(q + ".cidr", s.cidr);
    c.Ip(q + ".router", s.router, true);
    c.Each<std::string>(q + ".dns", s.dns, [&](const std::string& r, const std::string& ip) { c.Ip(r, ip); });
    c.Each<Route>(q + ".host_routes", s.host_routes, [&](const std::string& r, const Route& x) { CheckRoute(c, r, x); });
  });
  c.Each<DhcpHost>(p + ".hosts", d.hosts, [&](const std::string& q, const DhcpHost& h) {
    c.Mac(q + ".mac", h.mac);
    c.Ip(q + ".ip", h.ip);
    c.DnsLabel(q + ".hostname", h.hostname);
  });
}

// A port's address pairs and groups; its groups must be in `groups`.
void CheckPortSecurity(Checker& c, const std::string& p, const LocalPort& l, const std::set<std::string>& groups) {
  c.Each<AddressPair>(p + ".allowed_address_pairs", l.allowed_address_pairs,
                      [&](const std::string& q, const AddressPair& a) {
                        c.Cidr(q + ".cidr", a.cidr);
                        c.Mac(q + ".mac", a.mac);
                      });
  c.Each<std::string>(p + ".security_groups", l.security_groups, [&](const std::string& q, const std::string& g) {
    c.Id(q, g);
    if (!groups.count(g)) c.Fail(q, g, "is not in security_groups");
  });
}

void CheckRule(Checker& c, const std::string& p, const SecurityRule& r) {
  c.Id(p + ".id", r.id);
  c.OneOf(p + ".direction", r.direction, {"ingress", "egress"});
  c.Range(p + ".protocol", r.protocol, -1, 255);
  c.Range(p + ".port_range_min", r.port_range_min, -1, 65535);
  c.Range(p + ".port_range_max", r.port_range_max, -1, 65535);
  if (!r.remote_ip_prefix.empty()) c.Cidr(p + ".remote_ip_prefix", r.remote_ip_prefix);
  c.Id(p + ".remote_group_id", r.remote_group_id, true);
  c.Each<std::string>(p + ".remote_ips", r.remote_ips, [&](const std::string& q, const std::string& v) { c.Cidr(q, v); });
}

}  // namespace

Status Validate(const HostState& s) {
  Checker c;
  c.Host("host", s.host);
  c.Host("cloud", s.cloud);
  c.OneOf("role", s.role, {"compute", "network"});
  c.Ip("vtep_ip", s.vtep_ip);
  c.DvrMac("dvr_mac", s.dvr_mac);
  c.OneOf("dvr_mac_space", s.dvr_mac_space, {kDvrMacSpace});
  c.Each<std::string>("tunnels", s.tunnels, [&](const std::string& p, const std::string& v) { c.Ip(p, v); });
  c.Each<LocalNetwork>("networks", s.networks, [&](const std::string& p, const LocalNetwork& n) {
    c.Id(p + ".id", n.id);
    c.Range(p + ".vni", n.vni, 0, 0xffffff);
    c.Range(p + ".lvid", n.lvid, 1, 4094);
    c.Each<std::string>(p + ".flood_vteps", n.flood_vteps, [&](const std::string& q, const std::string& v) { c.Ip(q, v); });
    c.Each<std::string>(p + ".cloud_flood_vteps", n.cloud_flood_vteps,
                        [&](const std::string& q, const std::string& v) { c.Ip(q, v); });
  });
  std::set<std::string> groups;
  c.Each<SecurityGroupRules>("security_groups", s.security_groups, [&](const std::string& p, const SecurityGroupRules& g) {
    c.Id(p + ".id", g.id);
    groups.insert(g.id);
    c.Each<SecurityRule>(p + ".rules", g.rules, [&](const std::string& q, const SecurityRule& r) { CheckRule(c, q, r); });
  });
  c.Each<LocalPort>("ports", s.ports, [&](const std::string& p, const LocalPort& l) {
    c.Id(p + ".id", l.id);
    c.Id(p + ".network_id", l.network_id);
    c.Mac(p + ".mac", l.mac);
    c.Each<std::string>(p + ".ips", l.ips, [&](const std::string& q, const std::string& v) { c.Ip(q, v); });
    CheckPortSecurity(c, p, l, groups);
  });
  c.Each<RemotePort>("remote_ports", s.remote_ports, [&](const std::string& p, const RemotePort& r) {
    c.Id(p + ".network_id", r.network_id);
    c.Mac(p + ".mac", r.mac);
    c.Ip(p + ".vtep", r.vtep);
  });
  auto arp = [&](const std::string& p, const ArpEntry& e) {
    c.Id(p + ".network_id", e.network_id);
    c.Ip(p + ".ip", e.ip);
    c.Mac(p + ".mac", e.mac, true);
  };
  c.Each<ArpEntry>("arp_responder", s.arp_responder, arp);
  c.Each<ArpEntry>("gateway_arp_drop", s.gateway_arp_drop, arp);
  c.Each<RouterInstance>("routers", s.routers, [&](const std::string& p, const RouterInstance& r) { CheckRouter(c, p, r); });
  c.Each<SubnetGateway>("gateways", s.gateways, [&](const std::string& p, const SubnetGateway& g) {
    c.Id(p + ".network_id", g.network_id);
    c.Id(p + ".subnet_id", g.subnet_id);
    c.Cidr(p + ".cidr", g.cidr);
    c.Ip(p + ".ip", g.ip);
    c.Mac(p + ".mac", g.mac);
  });
  c.Each<ForeignGateway>("foreign_gateways", s.foreign_gateways, [&](const std::string& p, const ForeignGateway& g) {
    c.Id(p + ".network_id", g.network_id);
    c.Mac(p + ".mac", g.mac);
    c.Host(p + ".cloud", g.cloud);
  });
  c.Each<std::string>("trusted_dvr_macs", s.trusted_dvr_macs, [&](const std::string& p, const std::string& m) { c.DvrMac(p, m); });
  c.Each<FipGateway>("fip_gateways", s.fip_gateways, [&](const std::string& p, const FipGateway& f) {
    c.Id(p + ".network_id", f.network_id);
    c.Id(p + ".port_id", f.port_id);
    c.Mac(p + ".mac", f.mac);
    c.Ip(p + ".ip", f.ip);
    c.PrefixLen(p + ".prefix_len", f.prefix_len);
    c.Ip(p + ".gateway_ip", f.gateway_ip, true);
  });
  c.Each<DhcpServer>("dhcp_servers", s.dhcp_servers, [&](const std::string& p, const DhcpServer& d) { CheckDhcp(c, p, d); });
  return c.status();
}

Result<HostState> ParseHostState(const nlohmann::json& body) {
  HostState s;
  try {
    s = body.get<HostState>();
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("malformed host state: ") + e.what());
  }
  Status st = Validate(s);
  if (!st.ok())
    return InvalidArgument("host state revision " + std::to_string(s.revision) + " refused: " + st.message());
  return s;
}

}  // namespace isthmus::state
