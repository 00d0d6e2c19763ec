// fuzz_daemons: `isthmus central`, `isthmus cloud` and `isthmus hash-password`
// without the agent and the lab, for the sanitizer tree (tests/fuzz/run.sh): the
// fuzz test needs only these, and leaving the rest out shortens the ASan+UBSan build.
#include <iostream>
#include <string>
#include <vector>

#include "central/central_main.h"
#include "central/hash_password_main.h"
#include "cloud/cloud_main.h"

int main(int argc, char** argv) {
  std::string cmd = argc < 2 ? "" : argv[1];
  std::vector<std::string> args(argv + (argc < 2 ? argc : 2), argv + argc);
  if (cmd == "central") return isthmus::central::Main(args);
  if (cmd == "cloud") return isthmus::cloud::Main(args);
  if (cmd == "hash-password") return isthmus::central::HashPasswordMain(args);
  std::cerr << "usage: fuzz_daemons central|cloud|hash-password [options] (as isthmus central|cloud|hash-password)\n";
  return 2;
}
