// Entry point of `isthmus central` (args: the arguments after the subcommand).
#pragma once

#include <string>
#include <vector>

namespace isthmus::central {

int Main(const std::vector<std::string>& args);

}  // namespace isthmus::central
