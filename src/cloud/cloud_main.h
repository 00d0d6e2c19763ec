// Entry point of `isthmus cloud` (args: the arguments after the subcommand).
#pragma once

#include <string>
#include <vector>

namespace isthmus::cloud {

int Main(const std::vector<std::string>& args);

}  // namespace isthmus::cloud
