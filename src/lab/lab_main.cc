#include "lab/lab_main.h"

#include <iostream>

namespace isthmus::lab {

int Main(const std::vector<std::string>& args) {
  std::cerr << "isthmus lab: not built yet\n";
  return 1;
}

}  // namespace isthmus::lab
