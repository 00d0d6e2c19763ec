#include "agent/agent_main.h"

#include <iostream>

namespace isthmus::agent {

int Main(const std::vector<std::string>& args) {
  std::cerr << "isthmus agent: not built yet\n";
  return 1;
}

}  // namespace isthmus::agent
