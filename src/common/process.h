// Running other programs (ip, ovs-vsctl, ovs-ofctl, ...): the OS seam used by the
// agent and the lab. Arguments are passed as a vector (no shell), so names and
// addresses are never re-parsed. A Runner can be swapped for a fake in unit tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace isthmus {

struct Command {
  std::vector<std::string> argv;
  std::string stdin_data;                    // written to the child's stdin
  std::map<std::string, std::string> env;    // added to the inherited environment
};

struct CommandOutput {
  int exit_code = 0;
  std::string out;
  std::string err;
};

class Runner {
 public:
  virtual ~Runner() = default;
  // Runs to completion. A non-zero exit is reported in exit_code, not as an error;
  // an error Status means the program could not be run at all.
  virtual Result<CommandOutput> Run(const Command& cmd) = 0;

  // Runs and turns a non-zero exit into an Unavailable status quoting stderr.
  Result<std::string> Check(const Command& cmd);
};

// The real thing: fork/exec with pipes.
class SystemRunner : public Runner {
 public:
  Result<CommandOutput> Run(const Command& cmd) override;
};

std::string JoinArgv(const std::vector<std::string>& argv);

}  // namespace isthmus
