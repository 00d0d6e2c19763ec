// Entry point of `isthmus agent` (args: the arguments after the subcommand).
#pragma once

#include <string>
#include <vector>

namespace isthmus::agent {

int Main(const std::vector<std::string>& args);

}  // namespace isthmus::agent
