// `isthmus trace`: follow a packet from an instance of the lab to a
// destination IP across hosts, routers and clouds (tracer.h).
#pragma once

#include <string>
#include <vector>

namespace isthmus::trace {

int Main(const std::vector<std::string>& args);

}  // namespace isthmus::trace
