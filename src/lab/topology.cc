#include "lab/topology.h"

namespace isthmus::lab {

std::string ToString(GatewayMode m) { return m == GatewayMode::kPerCloud ? "per-cloud" : "anycast"; }

Result<GatewayMode> ParseGatewayMode(const std::string& text) {
  if (text == "anycast") return GatewayMode::kAnycast;
  if (text == "per-cloud") return GatewayMode::kPerCloud;
  return InvalidArgument("\"" + text + "\" is not a gateway mode (anycast, per-cloud)");
}

std::string ToString(HostRole r) { return r == HostRole::kNetwork ? "network" : "compute"; }

namespace {
template <typename T>
const T* FindByName(const std::vector<T>& v, const std::string& name) {
  for (const auto& x : v)
    if (x.name == name) return &x;
  return nullptr;
}
}  // namespace

const LabCloud* Topology::FindCloud(const std::string& name) const { return FindByName(clouds, name); }
const LabHost* Topology::FindHost(const std::string& name) const { return FindByName(hosts, name); }
const LabNetwork* Topology::FindNetwork(const std::string& name) const { return FindByName(networks, name); }
const LabRouter* Topology::FindRouter(const std::string& name) const { return FindByName(routers, name); }

void Topology::Apply(const LabOptions& o) {
  options = o;
  if (o.force_legacy)
    for (auto& r : routers) r.distributed = false;
  if (o.gateway_mode)
    for (auto& n : networks) n.gateway_mode = *o.gateway_mode;
}

}  // namespace isthmus::lab
