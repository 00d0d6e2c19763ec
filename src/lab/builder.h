// Builds a Topology for real: underlay, one namespace + Open vSwitch per host,
// central, a controller per cloud, an agent per host, then the topology's
// resources through the central API and instance namespaces plugged into their
// hosts' br-int. Reports progress step by step; saves the facts (facts.h).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "common/process.h"
#include "lab/topology.h"

namespace isthmus::lab {

Result<nlohmann::json> BuildLab(const Topology& topology, Runner& runner, std::ostream& progress);

// Creates an instance: its port through the central API (bound to i.host),
// then its namespace plugged into the host's br-int; records it in facts.
Status AddInstance(nlohmann::json& facts, const LabInstance& i, const std::string& cloud,
                   Runner& runner);

// Waits until every agent has applied the latest state its cloud computed for it.
Status WaitForConvergence(const nlohmann::json& facts, int timeout_ms);

}  // namespace isthmus::lab
