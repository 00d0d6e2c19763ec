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
inline constexpr int kIntForward = 60;        // explicit L2 forwarding, flooding

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

// Interface names are at most 15 characters.
std::string TunnelPortName(const std::string& remote_ip);      // "vx0aff000b"
std::string RouterLegPortName(const std::string& port_id);     // "qp-<11>" on br-int
std::string RouterLegDeviceName(const std::string& port_id);   // "qr-<11>" in qrouter-
std::string RouterNamespaceName(const std::string& prefix, const std::string& router_id);

}  // namespace isthmus::agent
