#include "lab/routes.h"

#include <algorithm>

namespace isthmus::lab {
namespace {

bool HasLeg(const LabRouter& r, const std::string& network) {
  return std::find(r.networks.begin(), r.networks.end(), network) != r.networks.end();
}

}  // namespace

const LabRouter* Routes::GatewayRouter(const std::string& network, const std::string& cloud) const {
  const LabNetwork* n = t_.FindNetwork(network);
  if (!n || std::find(n->clouds.begin(), n->clouds.end(), cloud) == n->clouds.end()) return nullptr;
  for (const auto& r : t_.routers)
    if (r.cloud == cloud && HasLeg(r, network)) return &r;
  for (const auto& c : t_.clouds)
    for (const auto& r : t_.routers)
      if (r.cloud == c.name && HasLeg(r, network)) return &r;
  return nullptr;
}

int Routes::DefaultNic(const LabInstance& i) const {
  for (size_t k = 0; k < i.nics.size(); ++k) {
    const LabNetwork* n = t_.FindNetwork(i.nics[k].network);
    if (n && !n->gateway_ip.empty()) return static_cast<int>(k);
  }
  return -1;
}

const LabRouter* Routes::DefaultRouter(const LabInstance& i) const {
  int nic = DefaultNic(i);
  const LabCloud* cloud = CloudOf(i);
  if (nic < 0 || !cloud) return nullptr;
  return GatewayRouter(i.nics[nic].network, cloud->name);
}

const LabInstance* Routes::FindInstance(const std::string& name) const {
  for (const auto& i : t_.instances)
    if (i.name == name) return &i;
  return nullptr;
}

const LabCloud* Routes::CloudOf(const LabInstance& i) const {
  const LabHost* h = t_.FindHost(i.host);
  return h ? t_.FindCloud(h->cloud) : nullptr;
}

bool Routes::Reaches(const LabInstance& i, const std::string& network, int* source_nic) const {
  for (size_t k = 0; k < i.nics.size(); ++k)
    if (i.nics[k].network == network) {
      *source_nic = static_cast<int>(k);
      return true;
    }
  const LabRouter* g = DefaultRouter(i);
  *source_nic = DefaultNic(i);
  return g && HasLeg(*g, network);
}

bool Routes::Routable(const std::string& from, const std::string& to) const {
  if (!Knows(from) || !Knows(to)) return true;
  const LabInstance* a = FindInstance(from);
  const LabInstance* b = FindInstance(to);
  int target = std::clamp(b->matrix_nic, 0, static_cast<int>(b->nics.size()) - 1);
  const std::string& target_net = b->nics[target].network;
  int source = -1;
  if (!Reaches(*a, target_net, &source)) return false;
  int unused = -1;
  return Reaches(*b, a->nics[source].network, &unused);
}

std::string Routes::ExpectedExternal(const std::string& instance) const {
  const LabInstance* i = FindInstance(instance);
  const LabRouter* g = i ? DefaultRouter(*i) : nullptr;
  if (!g || !g->external_gateway) return "";
  const LabCloud* c = t_.FindCloud(g->cloud);
  return c ? c->external.name : "";
}

bool Routes::Knows(const std::string& instance) const {
  const LabInstance* i = FindInstance(instance);
  if (!i || i->nics.empty() || !CloudOf(*i)) return false;
  for (const auto& nic : i->nics)
    if (!t_.FindNetwork(nic.network)) return false;
  return true;
}

}  // namespace isthmus::lab
