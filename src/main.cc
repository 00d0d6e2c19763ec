// isthmus: one binary, one subcommand per process (docs/architecture.md).
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "agent/agent_main.h"
#include "central/central_main.h"
#include "central/hash_password_main.h"
#include "cloud/cloud_main.h"
#include "lab/lab_main.h"
#include "trace/trace_main.h"

namespace {

constexpr char kUsage[] = R"(usage: isthmus <command> [options]

commands:
  central   the federation API and global allocations (Neutron v2.0 shapes)
  cloud     one cloud's controller: hosts, DVR MACs, per-host desired state
  agent     one host's agent: makes Open vSwitch and namespaces match the desired state
  lab       the whole federation on this machine: lab up s2 | lab down | lab exec ...
  trace     follow a packet from a lab instance to an IP across hosts and clouds
  hash-password  reads a password on stdin, prints its hash for the identity file

run `isthmus <command> --help` for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  // Every socket error is handled where it happens (EPIPE from write/SSL_write),
  // so a peer that dies mid-write must not kill this process with SIGPIPE. Set
  // here, not inherited: a daemon restarted by `lab start` from a fresh shell
  // got the default action and died silently when a cloud was killed during a
  // TLS push (docs/architecture.md, "HTTP servers").
  std::signal(SIGPIPE, SIG_IGN);
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
  if (cmd == "trace") return isthmus::trace::Main(args);
  if (cmd == "hash-password") return isthmus::central::HashPasswordMain(args);
  std::cerr << "isthmus: unknown command '" << cmd << "'\n" << kUsage;
  return 2;
}
