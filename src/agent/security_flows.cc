#include "agent/security_flows.h"

#include <cstdio>
#include <map>

#include "agent/pipeline.h"

namespace isthmus::agent {
namespace {

std::string Goto(int table) { return "goto_table:" + std::to_string(table); }
// Back to an earlier table (OpenFlow's goto_table only goes forward).
std::string Resubmit(int table) { return "resubmit(," + std::to_string(table) + ")"; }
std::string Zone(int zone) { return "zone=" + std::to_string(zone); }

std::string Hex(int v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

// The protocol part of a rule's match, and where its ports go.
std::string ProtocolMatch(const state::SecurityRule& r) {
  switch (r.protocol) {
    case -1: return "ip";
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 132: return "sctp";
    default: return "ip,nw_proto=" + std::to_string(r.protocol);
  }
}

}  // namespace

std::vector<std::pair<int, int>> PortRangeMasks(int min, int max) {
  std::vector<std::pair<int, int>> out;
  if (min < 0 || max < min || max > 65535) return out;
  // Largest aligned blocks from the low end (as Neutron's port_rule_masking).
  int v = min;
  while (v <= max) {
    int size = 1;
    while ((v & (size * 2 - 1)) == 0 && v + size * 2 - 1 <= max && size * 2 <= 65536) size *= 2;
    out.push_back({v, 0xffff & ~(size - 1)});
    v += size;
  }
  return out;
}

std::vector<std::string> RuleMatches(const state::SecurityRule& r) {
  std::string proto = ProtocolMatch(r);
  std::vector<std::string> ports;  // "" = no port match
  if (r.protocol == 1) {
    std::string icmp;
    if (r.port_range_min >= 0) icmp += ",icmp_type=" + std::to_string(r.port_range_min);
    if (r.port_range_min >= 0 && r.port_range_max >= 0) icmp += ",icmp_code=" + std::to_string(r.port_range_max);
    ports.push_back(icmp);
  } else if ((r.protocol == 6 || r.protocol == 17 || r.protocol == 132) && r.port_range_min >= 0) {
    for (const auto& [value, mask] : PortRangeMasks(r.port_range_min, r.port_range_max))
      ports.push_back(mask == 0xffff ? ",tp_dst=" + std::to_string(value) : ",tp_dst=" + Hex(value) + "/" + Hex(mask));
  } else {
    ports.push_back("");
  }
  const char* field = r.direction == "ingress" ? ",nw_src=" : ",nw_dst=";
  std::vector<std::string> remotes;  // "" = any
  if (!r.remote_group_id.empty()) {
    for (const auto& ip : r.remote_ips) remotes.push_back(field + ip);
  } else if (!r.remote_ip_prefix.empty()) {
    remotes.push_back(field + r.remote_ip_prefix);
  } else {
    remotes.push_back("");
  }
  std::vector<std::string> out;
  for (const auto& remote : remotes)
    for (const auto& port : ports) out.push_back(proto + remote + port);
  return out;
}

std::string DeliverTo(int zone) {
  return "pop_vlan,set_field:" + std::to_string(zone) + "->reg5," + Goto(kIntBaseIngress);
}

void AddPortSecurityFlows(const state::HostState& s, const state::LocalPort& port, const std::string& vif,
                          int zone, FlowTable& t) {
  std::string in = "in_port=" + vif;
  // Anti-spoofing: ARP may claim only the port's addresses (its own, its
  // pairs'); frames carry its MAC (or a pair's) and its IPs (or a pair's).
  for (const auto& ip : port.ips)
    t.Add(kIntArpSpoof, 3, in + ",arp,arp_spa=" + ip + ",arp_sha=" + port.mac, Goto(kIntMacSpoof));
  for (const auto& pair : port.allowed_address_pairs)
    t.Add(kIntArpSpoof, 3, in + ",arp,arp_spa=" + pair.cidr + ",arp_sha=" + pair.mac, Goto(kIntMacSpoof));
  t.Add(kIntArpSpoof, 2, in + ",arp", "drop");
  t.Add(kIntArpSpoof, 1, in, Goto(kIntMacSpoof));
  std::string src = in + ",dl_src=" + port.mac;
  // ARP and the DHCP client's discovery (from 0.0.0.0) never meet the rules.
  t.Add(kIntMacSpoof, 2, src + ",arp", Goto(kIntForward));
  t.Add(kIntMacSpoof, 2, src + ",udp,nw_src=0.0.0.0,tp_src=68,tp_dst=67", Goto(kIntForward));
  for (const auto& ip : port.ips) t.Add(kIntMacSpoof, 2, src + ",ip,nw_src=" + ip, Goto(kIntBaseEgress));
  for (const auto& pair : port.allowed_address_pairs) {
    if (pair.mac != port.mac) t.Add(kIntMacSpoof, 2, in + ",dl_src=" + pair.mac + ",arp", Goto(kIntForward));
    t.Add(kIntMacSpoof, 2, in + ",dl_src=" + pair.mac + ",ip,nw_src=" + pair.cidr, Goto(kIntBaseEgress));
  }

  // Egress: DHCP renewals pass; every other IP packet goes through conntrack
  // in the port's zone, then established and related pass, invalid is
  // dropped, and a new connection needs an egress rule (committed).
  t.Add(kIntBaseEgress, 95, in + ",udp,tp_src=68,tp_dst=67", Resubmit(kIntForward));
  t.Add(kIntBaseEgress, 90, in + ",ip", "ct(table=" + std::to_string(kIntRulesEgress) + "," + Zone(zone) + ")");
  t.Add(kIntRulesEgress, 70, in + ",ct_state=+inv+trk", "drop");
  t.Add(kIntRulesEgress, 60, in + ",ct_state=+est-rel-inv+trk", Resubmit(kIntForward));
  t.Add(kIntRulesEgress, 60, in + ",ct_state=+rel-inv+trk", Resubmit(kIntForward));
  // Conntrack takes a TCP packet of a connection it does not know as new:
  // only a SYN may open one (else a connection whose entry was deleted, or
  // lost with vswitchd, would come back in the other direction).
  t.Add(kIntRulesEgress, 55, in + ",ct_state=+new+trk,tcp,tcp_flags=-syn", "drop");

  // Ingress (reg5 = this port's zone, VLAN popped): ARP and the DHCP
  // server's answers pass; IP goes through conntrack in the same zone.
  std::string to = "reg5=" + std::to_string(zone);
  std::string out = "output:" + vif;
  t.Add(kIntBaseIngress, 100, to + ",arp", out);
  t.Add(kIntBaseIngress, 95, to + ",udp,tp_src=67,tp_dst=68", out);
  t.Add(kIntBaseIngress, 90, to + ",ip",
        "ct_clear,ct(table=" + std::to_string(kIntRulesIngress) + "," + Zone(zone) + ")");
  t.Add(kIntRulesIngress, 70, to + ",ct_state=+inv+trk", "drop");
  t.Add(kIntRulesIngress, 60, to + ",ct_state=+est-rel-inv+trk", out);
  t.Add(kIntRulesIngress, 60, to + ",ct_state=+rel-inv+trk", out);
  t.Add(kIntRulesIngress, 55, to + ",ct_state=+new+trk,tcp,tcp_flags=-syn", "drop");

  // The rules of the port's groups.
  std::map<std::string, const state::SecurityGroupRules*> groups;
  for (const auto& g : s.security_groups) groups[g.id] = &g;
  std::string commit = "ct(commit," + Zone(zone) + "),";
  for (const auto& gid : port.security_groups) {
    auto g = groups.find(gid);
    if (g == groups.end()) continue;
    for (const auto& rule : g->second->rules)
      for (const auto& m : RuleMatches(rule)) {
        if (rule.direction == "egress")
          t.Add(kIntRulesEgress, 50, in + ",ct_state=+new-est+trk," + m, commit + Resubmit(kIntForward));
        else
          t.Add(kIntRulesIngress, 50, to + ",ct_state=+new-est+trk," + m, commit + out);
      }
  }
}

}  // namespace isthmus::agent
