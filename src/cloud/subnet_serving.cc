#include "cloud/subnet_serving.h"

#include <algorithm>
#include <limits>
#include <tuple>

namespace isthmus::cloud {

SubnetServing::SubnetServing(const FederationView& v) : v_(v) {
  for (const model::Port* leg : v.router_interfaces)
    if (!leg->fixed_ips.empty()) legs_[leg->fixed_ips[0].subnet_id].push_back(leg);
  auto index = [&](const model::Port* p) {
    auto c = v.clouds.find(p->cloud);
    return c == v.clouds.end() ? std::numeric_limits<int>::max() : c->second.index;
  };
  for (auto& [subnet, legs] : legs_)
    std::sort(legs.begin(), legs.end(), [&](const model::Port* a, const model::Port* b) {
      return std::make_tuple(index(a), a->id) < std::make_tuple(index(b), b->id);
    });
}

const model::Port* SubnetServing::GatewayLeg(const std::string& subnet_id, const std::string& cloud) const {
  auto it = legs_.find(subnet_id);
  if (it == legs_.end() || it->second.empty()) return nullptr;
  for (const model::Port* leg : it->second)
    if (leg->cloud == cloud) return leg;
  return it->second.front();
}

bool SubnetServing::ServesOtherClouds(const model::Port& leg) const {
  if (leg.fixed_ips.empty()) return false;
  auto it = legs_.find(leg.fixed_ips[0].subnet_id);
  if (it == legs_.end() || it->second.front() != &leg) return false;
  auto net = v_.networks.find(leg.network_id);
  if (net == v_.networks.end()) return false;
  for (const auto& cloud : net->second.clouds)
    if (std::none_of(it->second.begin(), it->second.end(),
                     [&](const model::Port* l) { return l->cloud == cloud; }))
      return true;
  return false;
}

}  // namespace isthmus::cloud
