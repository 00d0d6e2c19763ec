// The cloud's local allocations: DVR MACs inside the prefix central gave the
// cloud (requirement 1), and local VLANs per (host, network), stable for
// as long as the network stays on the host.
#pragma once

#include <map>
#include <set>
#include <string>

#include "common/status.h"

namespace isthmus::cloud {

// prefix "fa:16:3f:01" -> the lowest free of fa:16:3f:01:00:01 ... fa:16:3f:01:ff:ff.
Result<std::string> AllocateDvrMac(const std::string& prefix, const std::set<std::string>& used);

// Keeps the lvids of networks still present, gives new ones the lowest free
// VLAN in 1..4094, drops the rest. Conflict when a host has more networks.
Result<std::map<std::string, int>> AssignLvids(const std::set<std::string>& networks,
                                               const std::map<std::string, int>& previous);

}  // namespace isthmus::cloud
