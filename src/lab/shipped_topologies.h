// The text of every topologies/*.json of the repository, embedded at build time
// (src/lab/embed_topologies.cmake writes shipped_topologies.cc).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace isthmus::lab {

// (name without ".json", file text), sorted by name.
const std::vector<std::pair<std::string_view, std::string_view>>& ShippedTopologyFiles();

}  // namespace isthmus::lab
