// Entry point of `isthmus lab` (args: the arguments after the subcommand).
#pragma once

#include <string>
#include <vector>

namespace isthmus::lab {

int Main(const std::vector<std::string>& args);

}  // namespace isthmus::lab
