// FederationView: this cloud's in-memory copy of what central pushed (clouds,
// hosts of every cloud, its networks with their subnets and ports in every
// cloud, its routers) plus the hosts registered here. Plain data, indexed for
// the desired-state computation; the controller owns the only instance.
#pragma once

#include <map>
#include <string>

#include "model/resources.h"

namespace isthmus::cloud {

struct FederationView {
  std::string cloud;  // this cloud's name
  std::map<std::string, model::Cloud> clouds;
  std::map<std::string, model::Host> hosts;  // every cloud's, by name
  std::map<std::string, model::Network> networks;
  std::map<std::string, model::Subnet> subnets;
  std::map<std::string, model::Port> ports;
  std::map<std::string, model::Router> routers;

  const model::Host* FindHost(const std::string& name) const {
    auto it = hosts.find(name);
    return it == hosts.end() ? nullptr : &it->second;
  }
};

}  // namespace isthmus::cloud
