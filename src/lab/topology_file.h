// Topology files: the JSON a user writes to describe a lab (docs/topology.md),
// read and checked whole before anything is built, and the topologies shipped
// in the repository's topologies/ folder (compiled into the binary, so
// `lab up s2` works wherever isthmus runs).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "lab/topology.h"

namespace isthmus::lab {

// A topology from its JSON. `source` names it in errors ("topologies/s2.json").
// Every error names the field: `routers[1].networks[0]: no network "net9"`.
Result<Topology> ParseTopology(const nlohmann::json& j, const std::string& source);

// `what` is a shipped topology's name ("s2") or a path to a JSON file (it
// contains a '/' or ends in ".json"). InvalidArgument names the known ones.
Result<Topology> LoadTopology(const std::string& what);

// The JSON of a topology, in the file format, every field written out (the
// options applied: --legacy routers are written legacy). ParseTopology reads
// it back to the same topology.
nlohmann::json TopologyToJson(const Topology& t);

struct ShippedTopology {
  std::string name;         // the file's name without ".json"
  std::string description;  // its "description"
};
std::vector<ShippedTopology> ShippedTopologies();

}  // namespace isthmus::lab
