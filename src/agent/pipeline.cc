#include "agent/pipeline.h"

#include <cstdio>

#include "common/net.h"

namespace isthmus::agent {

std::string TunnelPortName(const std::string& remote_ip) {
  auto ip = Ipv4::Parse(remote_ip);
  char buf[16];
  std::snprintf(buf, sizeof buf, "vx%08x", ip.ok() ? ip->v : 0u);
  return buf;
}

std::string RouterLegPortName(const std::string& port_id) { return "qp-" + port_id.substr(0, 11); }

std::string RouterLegDeviceName(const std::string& port_id) {
  return "qr-" + port_id.substr(0, 11);
}

std::string RouterNamespaceName(const std::string& prefix, const std::string& router_id) {
  return prefix + "qrouter-" + router_id;
}

namespace {
// Namespace-side prefix -> OVS-side (or fip-side) prefix.
const char* PeerPrefix(const std::string& kind) {
  if (kind == "qr") return "qp-";
  if (kind == "sg") return "sp-";
  if (kind == "qg") return "gp-";
  if (kind == "fg") return "fp-";
  if (kind == "tap") return "dp-";
  if (kind == "rfp") return "fpr-";
  return "xx-";
}
}  // namespace

std::string LegDeviceName(const std::string& kind, const std::string& port_id) {
  return kind + (kind == "tap" ? "" : "-") + port_id.substr(0, 11);
}

std::string LegPeerName(const std::string& kind, const std::string& port_id) {
  return PeerPrefix(kind) + port_id.substr(0, 11);
}

std::string SnatNamespaceName(const std::string& prefix, const std::string& router_id) {
  return prefix + "snat-" + router_id;
}

std::string FipNamespaceName(const std::string& prefix, const std::string& network_id) {
  return prefix + "fip-" + network_id;
}

std::string DhcpNamespaceName(const std::string& prefix, const std::string& network_id) {
  return prefix + "qdhcp-" + network_id;
}

std::string RouterLegKind(const std::string& router_kind) { return router_kind == "snat" ? "sg" : "qr"; }

bool IsRouterPort(const std::string& name) {
  for (const char* p : {"qp-", "sp-", "gp-", "fp-"})
    if (name.rfind(p, 0) == 0) return true;
  return false;
}

}  // namespace isthmus::agent
