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

std::vector<std::string> TopologyNames() { return {"s2"}; }

namespace {

// SEED.md's second figure (DESIGN.md scenario S2): net3 and net4 stretched over
// both clouds and attached to R1 (cloud1) and R2 (cloud2); one instance of each
// network in each cloud, each on its own compute host.
Topology S2(const LabOptions& options) {
  Topology t;
  t.name = "s2";
  t.options = options;
  t.clouds = {{"cloud1", 9701}, {"cloud2", 9702}};
  t.hosts = {{"c1-h1", "cloud1", "compute", "10.255.0.11"},
             {"c1-h2", "cloud1", "compute", "10.255.0.12"},
             {"c2-h1", "cloud2", "compute", "10.255.0.21"},
             {"c2-h2", "cloud2", "compute", "10.255.0.22"}};
  if (options.legacy) {
    t.hosts.push_back({"c1-net", "cloud1", "network", "10.255.0.19"});
    t.hosts.push_back({"c2-net", "cloud2", "network", "10.255.0.29"});
  }
  t.networks = {{"net3", {"cloud1", "cloud2"}, "10.0.3.0/24", "10.0.3.1"},
                {"net4", {"cloud1", "cloud2"}, "10.0.4.0/24", "10.0.4.1"}};
  t.routers = {{"R1", "cloud1", {"net3", "net4"}}, {"R2", "cloud2", {"net3", "net4"}}};
  t.instances = {{"instance1", "c1-h1", "net3", "10.0.3.11"},
                 {"instance2", "c2-h1", "net3", "10.0.3.12"},
                 {"instance3", "c1-h2", "net4", "10.0.4.13"},
                 {"instance4", "c2-h2", "net4", "10.0.4.14"}};
  return t;
}

}  // namespace

std::optional<Topology> MakeTopology(const std::string& name, const LabOptions& options) {
  if (name == "s2") return S2(options);
  return std::nullopt;
}

}  // namespace isthmus::lab
