#include "lab/lab_topology.h"

#include <filesystem>
#include <fstream>

#include "lab/paths.h"
#include "lab/topology_file.h"

namespace isthmus::lab {

std::string LabTopologyPath() { return LabRoot() + "/topology.json"; }

Status SaveLabTopology(const Topology& t) {
  std::error_code ec;
  std::filesystem::create_directories(LabRoot(), ec);
  std::string path = LabTopologyPath(), tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << TopologyToJson(t).dump(2) << "\n";
    if (!out) return Unavailable("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Unavailable("cannot write " + path);
  return Status::Ok();
}

Result<Topology> LoadLabTopology(const nlohmann::json& facts) {
  if (!std::filesystem::exists(LabTopologyPath()))
    return NotFound("the lab that is up saved no topology (" + LabTopologyPath() + ")");
  auto t = LoadTopology(LabTopologyPath());
  if (!t.ok()) return t.status();
  if (!facts.contains("instances")) return t;
  for (const auto& [name, i] : facts["instances"].items()) {
    bool known = false;
    for (const auto& have : t->instances) known = known || have.name == name;
    if (known) continue;
    LabInstance extra{name, i.value("host", ""), {}, false, 0};
    if (i.contains("nics"))
      for (const auto& nic : i["nics"]) extra.nics.push_back({nic.value("network", ""), nic.value("ip", "")});
    t->instances.push_back(extra);
  }
  return t;
}

}  // namespace isthmus::lab
