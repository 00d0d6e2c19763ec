// isthmus: one binary, one subcommand per process (docs/architecture.md).
#include <iostream>
#include <string>
#include <vector>

#include "agent/agent_main.h"
#include "central/central_main.h"
#include "central/hash_password_main.h"
#include "cloud/cloud_main.h"
#include "lab/lab_main.h"

namespace {

constexpr char kUsage[] = R"(usage: isthmus <command> [options]

commands:
  central   the federation API and global allocations (Neutron v2.0 shapes)
  cloud     one cloud's controller: hosts, DVR MACs, per-host desired state
  agent     one host's agent: makes Open vSwitch and namespaces match the desired state
  lab       the whole federation on this machine: lab up s2 | lab down | lab exec ...
  hash-password  reads a password on stdin, prints its hash for the identity file

run `isthmus <command> --help` for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "central") return isthmus::central::Main(args);
  if (cmd == "cloud") return isthmus::cloud::Main(args);
  if (cmd == "agent") return isthmus::agent::Main(args);
  if (cmd == "lab") return isthmus::lab::Main(args);
  if (cmd == "hash-password") return isthmus::central::HashPasswordMain(args);
  std::cerr << "isthmus: unknown command '" << cmd << "'\n" << kUsage;
  return 2;
}
