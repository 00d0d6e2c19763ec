#include "cloud/cloud_main.h"

#include <iostream>

namespace isthmus::cloud {

int Main(const std::vector<std::string>& args) {
  std::cerr << "isthmus cloud: not built yet\n";
  return 1;
}

}  // namespace isthmus::cloud
