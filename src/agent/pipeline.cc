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

}  // namespace isthmus::agent
