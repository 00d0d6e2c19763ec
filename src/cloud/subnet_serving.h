// Which router leg is the gateway of a subnet in each cloud (DESIGN
// requirement 7): a cloud's own router leg on the subnet if it has one;
// otherwise the leg of the first cloud, by cloud index, that has one (the
// "serving" leg; its cloud routes for the clouds without a router there, on
// its network node). Every cloud computes the same answer from the same data.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cloud/federation_view.h"

namespace isthmus::cloud {

class SubnetServing {
 public:
  explicit SubnetServing(const FederationView& v);

  // The leg that is `cloud`'s gateway on the subnet; nullptr when no router of
  // any cloud has a leg on it.
  const model::Port* GatewayLeg(const std::string& subnet_id, const std::string& cloud) const;
  // True when `leg` (a router interface) serves clouds of its network that
  // have no router leg on its subnet.
  bool ServesOtherClouds(const model::Port& leg) const;

 private:
  const FederationView& v_;
  // subnet id -> its legs, first the serving one (lowest cloud index, then port id).
  std::map<std::string, std::vector<const model::Port*>> legs_;
};

}  // namespace isthmus::cloud
