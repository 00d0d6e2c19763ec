// The seed's scenario S2 as a FederationView, for the cloud's unit tests.
#pragma once

#include "cloud/federation_view.h"

namespace isthmus::cloud::testing {

inline model::Port Instance(const std::string& id, const std::string& net, const std::string& subnet,
                            const std::string& ip, const std::string& mac, const std::string& host,
                            const std::string& cloud) {
  model::Port p;
  p.id = id;
  p.network_id = net;
  p.fixed_ips = {{subnet, ip}};
  p.mac_address = mac;
  p.host = host;
  p.cloud = cloud;
  p.device_owner = model::kOwnerCompute;
  return p;
}

inline model::Port Leg(const std::string& id, const std::string& router, const std::string& net,
                       const std::string& subnet, const std::string& ip, const std::string& mac,
                       const std::string& cloud, bool distributed) {
  model::Port p;
  p.id = id;
  p.network_id = net;
  p.fixed_ips = {{subnet, ip}};
  p.mac_address = mac;
  p.cloud = cloud;
  p.device_id = router;
  p.device_owner = distributed ? model::kOwnerRouterInterfaceDistributed : model::kOwnerRouterInterface;
  return p;
}

// cloud1: c1-h1 (instance1, net3), c1-h2 (instance3, net4); cloud2: c2-h1
// (instance2, net3), c2-h2 (instance4, net4); R1 and R2 on net3 and net4.
inline FederationView S2(const std::string& cloud, bool distributed = true) {
  FederationView v;
  v.cloud = cloud;
  v.clouds["cloud1"] = {"cloud1", "http://127.0.0.1:9701", 1, "fa:16:3f:01"};
  v.clouds["cloud2"] = {"cloud2", "http://127.0.0.1:9702", 2, "fa:16:3f:02"};
  v.hosts["c1-h1"] = {"c1-h1", "cloud1", "compute", "10.255.0.11", "fa:16:3f:01:00:01"};
  v.hosts["c1-h2"] = {"c1-h2", "cloud1", "compute", "10.255.0.12", "fa:16:3f:01:00:02"};
  v.hosts["c2-h1"] = {"c2-h1", "cloud2", "compute", "10.255.0.21", "fa:16:3f:02:00:01"};
  v.hosts["c2-h2"] = {"c2-h2", "cloud2", "compute", "10.255.0.22", "fa:16:3f:02:00:02"};
  if (!distributed) {
    v.hosts["c1-net"] = {"c1-net", "cloud1", "network", "10.255.0.19", "fa:16:3f:01:00:03"};
    v.hosts["c2-net"] = {"c2-net", "cloud2", "network", "10.255.0.29", "fa:16:3f:02:00:03"};
  }
  v.networks["net3"] = {"net3", "net3", "p", {"cloud1", "cloud2"}, "vxlan", 1003};
  v.networks["net4"] = {"net4", "net4", "p", {"cloud1", "cloud2"}, "vxlan", 1004};
  v.subnets["sub3"] = {"sub3", "", "p", "net3", "10.0.3.0/24", "10.0.3.1", "anycast", {{"10.0.3.2", "10.0.3.254"}}};
  v.subnets["sub4"] = {"sub4", "", "p", "net4", "10.0.4.0/24", "10.0.4.1", "anycast", {{"10.0.4.2", "10.0.4.254"}}};
  for (const auto& p : {Instance("i1", "net3", "sub3", "10.0.3.11", "fa:16:3e:00:00:01", "c1-h1", "cloud1"),
                        Instance("i2", "net3", "sub3", "10.0.3.12", "fa:16:3e:00:00:02", "c2-h1", "cloud2"),
                        Instance("i3", "net4", "sub4", "10.0.4.13", "fa:16:3e:00:00:03", "c1-h2", "cloud1"),
                        Instance("i4", "net4", "sub4", "10.0.4.14", "fa:16:3e:00:00:04", "c2-h2", "cloud2"),
                        Leg("r1-3", "r1", "net3", "sub3", "10.0.3.1", "fa:16:3e:01:00:03", "cloud1", distributed),
                        Leg("r1-4", "r1", "net4", "sub4", "10.0.4.1", "fa:16:3e:01:00:04", "cloud1", distributed),
                        Leg("r2-3", "r2", "net3", "sub3", "10.0.3.1", "fa:16:3e:02:00:03", "cloud2", distributed),
                        Leg("r2-4", "r2", "net4", "sub4", "10.0.4.1", "fa:16:3e:02:00:04", "cloud2", distributed)})
    v.ports[p.id] = p;
  if (cloud == "cloud1") v.routers["r1"] = {"r1", "R1", "p", "cloud1", distributed};
  if (cloud == "cloud2") v.routers["r2"] = {"r2", "R2", "p", "cloud2", distributed};
  return v;
}

}  // namespace isthmus::cloud::testing
