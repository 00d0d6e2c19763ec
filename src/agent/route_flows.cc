#include "agent/route_flows.h"

#include <cstdio>
#include <set>

#include "agent/pipeline.h"
#include "common/net.h"

namespace isthmus::agent {
namespace {

std::string Vlan(int lvid) { return "dl_vlan=" + std::to_string(lvid); }

std::string Hex16(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v & 0xffff);
  return buf;
}

// A leg's connected subnet, from its address and prefix length.
bool LegSubnet(const state::RouterInterface& leg, Cidr* out) {
  auto ip = Ipv4::Parse(leg.ip);
  if (!ip.ok() || leg.prefix_len < 0 || leg.prefix_len > 32) return false;
  uint32_t mask = leg.prefix_len == 0 ? 0u : ~0u << (32 - leg.prefix_len);
  *out = Cidr{Ipv4{ip->v & mask}, leg.prefix_len};
  return true;
}

// Whether an extra route of the router covers `ip`: the namespace routes it
// (its main table may prefer the extra route), not the flows.
bool UnderExtraRoute(const state::RouterInstance& router, Ipv4 ip) {
  for (const auto& r : router.routes) {
    auto cidr = Cidr::Parse(r.destination);
    if (cidr.ok() && cidr->Contains(ip)) return true;
  }
  return false;
}

}  // namespace

std::map<std::string, uint32_t> RouterSlots(const std::vector<state::RouterInstance>& routers) {
  std::map<std::string, uint32_t> out;
  std::set<uint32_t> taken;
  for (const auto& r : routers) {
    if (!RoutedByFlows(r) || out.count(r.id)) continue;
    uint32_t h = 2166136261u;  // FNV-1a: the same number from every build
    for (unsigned char c : r.id) h = (h ^ c) * 16777619u;
    uint32_t slot = (h & 0x7fffffffu) | 1u;  // never 0: reg6 is 0 on every other frame
    while (taken.count(slot)) slot = ((slot + 2) & 0x7fffffffu) | 1u;
    taken.insert(slot);
    out[r.id] = slot;
  }
  return out;
}

std::string ArpReplyActions(const std::string& mac, const std::string& ip) {
  auto m = Mac::Parse(mac);
  auto a = Ipv4::Parse(ip);
  if (!m.ok() || !a.ok()) return "";
  char mac_hex[32], ip_hex[16];
  std::snprintf(mac_hex, sizeof mac_hex, "0x%012llx", static_cast<unsigned long long>(m->ToU64()));
  std::snprintf(ip_hex, sizeof ip_hex, "0x%08x", a->v);
  return "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:" + mac +
         "->eth_src,load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
         "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:" + std::string(mac_hex) +
         "->NXM_NX_ARP_SHA[],load:" + std::string(ip_hex) + "->NXM_OF_ARP_SPA[],in_port";
}

bool RoutedByFlows(const state::RouterInstance& router) { return router.kind == "dvr" || router.kind == "legacy"; }

void AddRouteFlows(const state::RouterInstance& router, uint32_t slot, const std::map<std::string, int>& lvid,
                   const OvsPorts& ports, FlowTable& t) {
  const std::string reg = "reg6=" + std::to_string(slot);
  const std::string route = "goto_table:" + std::to_string(kIntRoute);
  struct Leg {
    const state::RouterInterface* leg;
    int lvid;
    Cidr subnet;
  };
  std::vector<Leg> legs;
  std::set<std::string> leg_ips;
  for (const auto& leg : router.interfaces) {
    leg_ips.insert(leg.ip);
    auto it = lvid.find(leg.network_id);
    Cidr subnet;
    if (it == lvid.end() || !LegSubnet(leg, &subnet)) continue;
    legs.push_back({&leg, it->second, subnet});
  }
  for (const auto& [leg, l, subnet] : legs) {
    std::string on_leg = Vlan(l) + ",dl_dst=" + leg->mac;
    // The gateway's ARP, answered here: from a local port (its VLAN popped,
    // back out of it), or from a tunnel (kept tagged, back to br-tun, as the
    // namespace's answer went).
    std::string arp = "arp," + Vlan(l) + ",arp_op=1,arp_tpa=" + leg->ip;
    if (std::string reply = ArpReplyActions(leg->mac, leg->ip); !reply.empty()) {
      t.Add(kIntForward, 25, arp, "pop_vlan," + reply);
      t.Add(kIntForward, 26, "in_port=" + std::string(kPatchTun) + "," + arp, reply);
    }
    // A frame to the gateway MAC is routed by the flows below.
    t.Add(kIntForward, 20, on_leg, "set_field:" + std::to_string(slot) + "->reg6," + route);
    // What they do not route goes to the router's namespace through this leg,
    // as before: TTL expiring here (the kernel answers ICMP time exceeded),
    // the router's own addresses, north-south, extra routes, non-IP.
    std::string leg_port = LegPeerName("qr", leg->port_id);
    std::string to_ns = ports.Has(leg_port) ? "pop_vlan,output:" + leg_port : "drop";
    for (const char* ttl : {"nw_ttl=0", "nw_ttl=1"})
      t.Add(kIntRoute, 30, "ip," + on_leg + "," + ttl, to_ns);
    t.Add(kIntRoute, 1, on_leg, to_ns);
  }
  // Every neighbour on a connected subnet: the frame leaves as the kernel
  // would have sent it out of the egress leg (its VLAN, the leg's MAC as
  // source, the neighbour's MAC, TTL - 1), and is switched from table 60 as
  // if it came in from that leg (in_port cleared: it may go back where it
  // came from, patch-tun on a serving network node). The VLAN is loaded
  // whole (present bit + VID): set_field on vlan_vid would need the match to
  // name a VLAN, and the flow matches the router, not the ingress VLAN.
  for (const auto& n : router.neighbors) {
    auto ip = Ipv4::Parse(n.ip);
    if (!ip.ok() || leg_ips.count(n.ip) || UnderExtraRoute(router, *ip)) continue;
    for (const auto& [leg, l, subnet] : legs) {
      if (!subnet.Contains(*ip)) continue;
      t.Add(kIntRoute, 20, "ip," + reg + ",nw_dst=" + n.ip,
            "load:" + Hex16(0x1000 + l) + "->NXM_OF_VLAN_TCI[],set_field:" + leg->mac + "->eth_src,set_field:" +
                n.mac + "->eth_dst,dec_ttl,load:0->NXM_OF_IN_PORT[],resubmit(," + std::to_string(kIntForward) + ")");
      break;
    }
  }
}

}  // namespace isthmus::agent
