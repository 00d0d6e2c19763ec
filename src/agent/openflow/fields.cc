#include "agent/openflow/fields.h"

#include <map>

namespace isthmus::agent::openflow {
namespace {

constexpr uint16_t kNxmOf = 0x0000, kNxmNx = 0x0001, kOxm = 0x8000;

const std::map<std::string, Field>& ByName() {
  static const auto* m = [] {
    auto* m = new std::map<std::string, Field>;
    auto add = [&](std::initializer_list<const char*> names, uint16_t c, uint8_t f, uint8_t b) {
      for (const char* n : names) (*m)[n] = Field{c, f, b, n};
    };
    add({"in_port"}, kOxm, 0, 4);
    add({"metadata"}, kOxm, 2, 8);
    add({"dl_dst", "eth_dst"}, kOxm, 3, 6);
    add({"dl_src", "eth_src"}, kOxm, 4, 6);
    add({"dl_type", "eth_type"}, kOxm, 5, 2);
    add({"dl_vlan", "vlan_vid"}, kOxm, 6, 2);
    add({"nw_proto", "ip_proto"}, kOxm, 10, 1);
    add({"nw_src", "ip_src"}, kOxm, 11, 4);
    add({"nw_dst", "ip_dst"}, kOxm, 12, 4);
    add({"tcp_src"}, kOxm, 13, 2);
    add({"tcp_dst"}, kOxm, 14, 2);
    add({"udp_src"}, kOxm, 15, 2);
    add({"udp_dst"}, kOxm, 16, 2);
    add({"sctp_src"}, kOxm, 17, 2);
    add({"sctp_dst"}, kOxm, 18, 2);
    add({"icmp_type"}, kOxm, 19, 1);
    add({"icmp_code"}, kOxm, 20, 1);
    add({"arp_op"}, kOxm, 21, 2);
    add({"arp_spa"}, kOxm, 22, 4);
    add({"arp_tpa"}, kOxm, 23, 4);
    add({"arp_sha"}, kOxm, 24, 6);
    add({"arp_tha"}, kOxm, 25, 6);
    add({"tun_id", "tunnel_id"}, kOxm, 38, 8);
    add({"nw_ttl"}, kNxmNx, 29, 1);  // NXM_NX_IP_TTL
    add({"tcp_flags"}, kNxmNx, 34, 2);
    add({"ct_state"}, kNxmNx, 105, 4);
    add({"ct_zone"}, kNxmNx, 106, 2);
    add({"ct_mark"}, kNxmNx, 107, 4);
    for (int i = 0; i < 16; i++) {
      std::string n = "reg" + std::to_string(i);
      (*m)[n] = Field{kNxmNx, uint8_t(i), 4, n};
    }
    return m;
  }();
  return *m;
}

const std::map<std::string, Field>& ByNxmName() {
  static const auto* m = [] {
    auto* m = new std::map<std::string, Field>;
    auto add = [&](const char* n, uint16_t c, uint8_t f, uint8_t b) { (*m)[n] = Field{c, f, b, n}; };
    add("NXM_OF_IN_PORT", kNxmOf, 0, 2);
    add("NXM_OF_ETH_DST", kNxmOf, 1, 6);
    add("NXM_OF_ETH_SRC", kNxmOf, 2, 6);
    add("NXM_OF_ETH_TYPE", kNxmOf, 3, 2);
    add("NXM_OF_VLAN_TCI", kNxmOf, 4, 2);
    add("NXM_OF_IP_PROTO", kNxmOf, 6, 1);
    add("NXM_OF_IP_SRC", kNxmOf, 7, 4);
    add("NXM_OF_IP_DST", kNxmOf, 8, 4);
    add("NXM_OF_TCP_SRC", kNxmOf, 9, 2);
    add("NXM_OF_TCP_DST", kNxmOf, 10, 2);
    add("NXM_OF_UDP_SRC", kNxmOf, 11, 2);
    add("NXM_OF_UDP_DST", kNxmOf, 12, 2);
    add("NXM_OF_ARP_OP", kNxmOf, 15, 2);
    add("NXM_OF_ARP_SPA", kNxmOf, 16, 4);
    add("NXM_OF_ARP_TPA", kNxmOf, 17, 4);
    add("NXM_NX_TUN_ID", kNxmNx, 16, 8);
    add("NXM_NX_ARP_SHA", kNxmNx, 17, 6);
    add("NXM_NX_ARP_THA", kNxmNx, 18, 6);
    add("NXM_NX_CT_ZONE", kNxmNx, 106, 2);
    add("NXM_NX_CT_MARK", kNxmNx, 107, 4);
    add("OXM_OF_IN_PORT", kOxm, 0, 4);
    add("OXM_OF_METADATA", kOxm, 2, 8);
    add("OXM_OF_VLAN_VID", kOxm, 6, 2);
    for (int i = 0; i < 16; i++) {
      std::string n = "NXM_NX_REG" + std::to_string(i);
      (*m)[n] = Field{kNxmNx, uint8_t(i), 4, n};
    }
    return m;
  }();
  return *m;
}

}  // namespace

Result<Field> FieldByName(const std::string& name) {
  auto it = ByName().find(name);
  if (it == ByName().end()) return NotFound("unknown field '" + name + "'");
  return it->second;
}

Result<Field> FieldByNxmName(const std::string& name) {
  auto it = ByNxmName().find(name);
  if (it == ByNxmName().end()) return NotFound("unknown NXM/OXM field '" + name + "'");
  return it->second;
}

}  // namespace isthmus::agent::openflow
