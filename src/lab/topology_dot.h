// A topology as a Graphviz graph (`lab show --dot`): a cluster per cloud with
// its hosts, routers and instances, networks inside their cloud's cluster or
// outside when stretched, and the edges between them. Pure text, no Graphviz.
#pragma once

#include <string>

#include "lab/topology.h"

namespace isthmus::lab {

std::string TopologyDot(const Topology& t);

// A DOT quoted string: `"`, `\` and line ends escaped.
std::string DotQuote(const std::string& s);

}  // namespace isthmus::lab
