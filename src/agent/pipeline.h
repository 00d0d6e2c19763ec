// Table numbers and port names of the host pipeline. docs/architecture.md,
// "OpenFlow tables", is the reference; keep the two in step.
#pragma once

#include <string>

namespace isthmus::agent {

// br-int
inline constexpr int kIntLocalSwitching = 0;  // ingress classification, DVR MAC trust
inline constexpr int kIntDvrToSrcMac = 1;     // routed frames: source := gateway MAC
inline constexpr int kIntArpSpoof = 24;       // port security: ARP
inline constexpr int kIntMacSpoof = 25;       // port security: MAC + IP
inline constexpr int kIntForward = 60;        // explicit L2 forwarding, flooding; gateway ARP answers
inline constexpr int kIntRoute = 64;          // east-west routing (reg6 = router): rewrite, dec_ttl, back to 60
inline constexpr int kIntBaseEgress = 71;     // security groups: a port's IP egress enters conntrack
inline constexpr int kIntRulesEgress = 72;    // established/related pass; new: egress rules, commit
inline constexpr int kIntBaseIngress = 81;    // delivery to a VIF (reg5 = its zone): ARP, DHCP, conntrack
inline constexpr int kIntRulesIngress = 82;   // established/related pass; new: ingress rules, commit

// br-tun
inline constexpr int kTunLocalSwitching = 0;
inline constexpr int kTunDvrProcess = 1;      // gateway MAC -> this host's DVR MAC
inline constexpr int kTunPatchLvToTun = 2;
inline constexpr int kTunVxlanToLv = 4;
inline constexpr int kTunDvrNotLearn = 9;     // trusted DVR MACs bypass learning; guard
inline constexpr int kTunLearnFromTun = 10;
inline constexpr int kTunUcastToTun = 20;
inline constexpr int kTunArpResponder = 21;
inline constexpr int kTunFloodToTun = 22;

inline constexpr char kBrInt[] = "br-int";
inline constexpr char kBrTun[] = "br-tun";
inline constexpr char kPatchTun[] = "patch-tun";  // on br-int
inline constexpr char kPatchInt[] = "patch-int";  // on br-tun
inline constexpr char kBrEx[] = "br-ex";          // the external network (flat), NORMAL switching

// Interface names are at most 15 characters.
std::string TunnelPortName(const std::string& remote_ip);      // "vx0aff000b"
std::string RouterLegPortName(const std::string& port_id);     // "qp-<11>" on br-int
std::string RouterLegDeviceName(const std::string& port_id);   // "qr-<11>" in qrouter-
std::string RouterNamespaceName(const std::string& prefix, const std::string& router_id);
// Namespace-side device and its OVS-side peer, per kind of leg (<11> = the first
// 11 characters of the port's ID):
//   qr-<11> / qp-<11>  router leg, br-int        sg-<11> / sp-<11>  SNAT leg, br-int
//   qg-<11> / gp-<11>  router gateway, br-ex     fg-<11> / fp-<11>  FIP gateway, br-ex
//   tap<11> / dp-<11>  DHCP server, br-int       rfp-<11> / fpr-<11> router <-> fip- (router ID)
std::string LegDeviceName(const std::string& kind, const std::string& port_id);
std::string LegPeerName(const std::string& kind, const std::string& port_id);
std::string SnatNamespaceName(const std::string& prefix, const std::string& router_id);
std::string FipNamespaceName(const std::string& prefix, const std::string& network_id);
std::string DhcpNamespaceName(const std::string& prefix, const std::string& network_id);
// The leg kind ("qr" or "sg") of a router instance of kind dvr/legacy/snat.
std::string RouterLegKind(const std::string& router_kind);
// OVS ports of router legs and gateways (qp-, sp-, gp-, fp-), which the router
// namespaces own; not DHCP ports (dp-), which are VIFs of their servers.
bool IsRouterPort(const std::string& ovs_port_name);

}  // namespace isthmus::agent
