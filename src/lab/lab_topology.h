// The topology of the lab that is up: `lab up` saves what it builds (the file
// format, options applied) as <lab root>/topology.json; `lab show --dot`, the
// matrix and the north-south table read it back, with the instances added
// since (`lab add-instance`) taken from the lab's facts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "lab/topology.h"

namespace isthmus::lab {

std::string LabTopologyPath();  // <LabRoot()>/topology.json

// Writes t (creating the lab root if need be).
[[nodiscard]] Status SaveLabTopology(const Topology& t);

// The saved topology, plus every instance of `facts` it does not name (its
// NICs as the facts say). NotFound when the lab saved none.
Result<Topology> LoadLabTopology(const nlohmann::json& facts);

}  // namespace isthmus::lab
