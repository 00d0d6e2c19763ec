#include "lab/topology.h"

namespace isthmus::lab {

const LabHost* Topology::FindHost(const std::string& name) const {
  for (const auto& h : hosts)
    if (h.name == name) return &h;
  return nullptr;
}

const LabNetwork* Topology::FindNetwork(const std::string& name) const {
  for (const auto& n : networks)
    if (n.name == name) return &n;
  return nullptr;
}

std::vector<std::string> TopologyNames() { return {"s1", "s2", "bare"}; }

namespace {

// Every cloud: its controller port, its external network, a network node
// (DHCP, centralized SNAT, legacy routers) and two compute hosts.
void TwoClouds(Topology& t) {
  t.clouds = {{"cloud1", 9701, "ext-net1", "172.24.1.0/24", "172.24.1.1"},
              {"cloud2", 9702, "ext-net2", "172.24.2.0/24", "172.24.2.1"}};
  t.hosts = {{"c1-net", "cloud1", "network", "10.255.0.19"},
             {"c1-h1", "cloud1", "compute", "10.255.0.11"},
             {"c1-h2", "cloud1", "compute", "10.255.0.12"},
             {"c2-net", "cloud2", "network", "10.255.0.29"},
             {"c2-h1", "cloud2", "compute", "10.255.0.21"},
             {"c2-h2", "cloud2", "compute", "10.255.0.22"}};
}

// SEED.md's first figure (DESIGN.md scenario S1): instance1 serves through
// ext-net1 via R1 on its local net1, instance2 through ext-net2 via R2 on net2;
// both have a second NIC on net3, stretched and unrouted, for replication.
Topology S1(const LabOptions& options) {
  Topology t;
  t.name = "s1";
  t.options = options;
  TwoClouds(t);
  t.networks = {{"net1", {"cloud1"}, "10.0.1.0/24", "10.0.1.1"},
                {"net2", {"cloud2"}, "10.0.2.0/24", "10.0.2.1"},
                {"net3", {"cloud1", "cloud2"}, "10.0.3.0/24", ""}};
  t.routers = {{"R1", "cloud1", {"net1"}, true}, {"R2", "cloud2", {"net2"}, true}};
  t.instances = {{"instance1", "c1-h1", {{"net1", "10.0.1.11"}, {"net3", "10.0.3.11"}}, true, 1},
                 {"instance2", "c2-h1", {{"net2", "10.0.2.12"}, {"net3", "10.0.3.12"}}, true, 1}};
  return t;
}

// SEED.md's second figure (DESIGN.md scenario S2): net3 and net4 stretched over
// both clouds and attached to R1 (cloud1) and R2 (cloud2); one instance of each
// network in each cloud, each on its own compute host. instance1 and instance2
// have floating IPs; instance3 and instance4 go out through SNAT.
Topology S2(const LabOptions& options) {
  Topology t;
  t.name = "s2";
  t.options = options;
  TwoClouds(t);
  t.networks = {{"net3", {"cloud1", "cloud2"}, "10.0.3.0/24", "10.0.3.1"},
                {"net4", {"cloud1", "cloud2"}, "10.0.4.0/24", "10.0.4.1"}};
  t.routers = {{"R1", "cloud1", {"net3", "net4"}, true}, {"R2", "cloud2", {"net3", "net4"}, true}};
  t.instances = {{"instance1", "c1-h1", {{"net3", "10.0.3.11"}}, true, 0},
                 {"instance2", "c2-h1", {{"net3", "10.0.3.12"}}, true, 0},
                 {"instance3", "c1-h2", {{"net4", "10.0.4.13"}}, false, 0},
                 {"instance4", "c2-h2", {{"net4", "10.0.4.14"}}, false, 0}};
  return t;
}

}  // namespace

// The two clouds' machines with nothing on them: for building S2 (or anything)
// with the openstack CLI (tests/integration/openstack_cli.sh).
Topology Bare(const LabOptions& options) {
  Topology t;
  t.name = "bare";
  t.options = options;
  TwoClouds(t);
  t.external_networks = false;
  return t;
}

std::optional<Topology> MakeTopology(const std::string& name, const LabOptions& options) {
  if (name == "bare") return Bare(options);
  if (name == "s1") return S1(options);
  if (name == "s2") return S2(options);
  return std::nullopt;
}

}  // namespace isthmus::lab
