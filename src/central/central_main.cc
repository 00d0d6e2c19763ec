#include "central/central_main.h"

#include <iostream>

namespace isthmus::central {

int Main(const std::vector<std::string>& args) {
  std::cerr << "isthmus central: not built yet\n";
  return 1;
}

}  // namespace isthmus::central
