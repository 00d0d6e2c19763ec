// Running other programs (ip, ovs-vsctl, ovs-ofctl, ...): the OS seam used by the
// agent and the lab. Arguments are passed as a vector (no shell), so names and
// addresses are never re-parsed. A Runner can be swapped for a fake in unit tests.
// Every command has a deadline: a child that outlives it is killed (SIGKILL).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace isthmus {

struct Command {
  std::vector<std::string> argv;
  std::string stdin_data = {};               // written to the child's stdin
  std::map<std::string, std::string> env = {};  // added to the inherited environment
  // Killed (SIGKILL, its whole process group) when it runs longer; 0 = the
  // runner's default. Never unlimited.
  int timeout_ms = 0;
  // A named network namespace (/run/netns/NAME) the child joins before exec
  // ("" = the caller's): what `ip netns exec` does, without an `ip` process.
  std::string netns = {};
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
  // an error Status means the program could not be run at all or was killed at
  // its deadline (Unavailable, naming the command).
  virtual Result<CommandOutput> Run(const Command& cmd) = 0;

  // Runs and turns a non-zero exit into an Unavailable status quoting stderr.
  Result<std::string> Check(const Command& cmd);
};

// The real thing: fork/exec with pipes. Children die with the thread that ran
// them (PR_SET_PDEATHSIG), so a process that exits never leaves one behind.
class SystemRunner : public Runner {
 public:
  static constexpr int kDefaultTimeoutMs = 60000;
  explicit SystemRunner(int default_timeout_ms = kDefaultTimeoutMs)
      : default_timeout_ms_(default_timeout_ms) {}
  Result<CommandOutput> Run(const Command& cmd) override;

 private:
  int default_timeout_ms_;
};

// A long-lived child (e.g. `ovs-ofctl monitor`) whose stdout and stderr come
// back on one pipe: the owner polls fd() and reads it; EOF means the child is
// gone. Killed (SIGKILL) and reaped by Stop() or the destructor, and by the
// kernel when the thread that spawned it ends.
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { Stop(); }
  Status Spawn(const Command& cmd);
  int fd() const { return fd_; }
  bool running() const { return pid_ > 0; }
  // Kills (if still running) and reaps; returns the exit code (128+signal).
  int Stop();

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
};

std::string JoinArgv(const std::vector<std::string>& argv);

// Called with the program's name (argv[0]'s last part: "ip", "ovs-ofctl") each
// time a SystemRunner or a Child starts a process, from the starting thread;
// the agent counts them (isthmus_agent_processes_started_total). Set once,
// before any process starts; nullptr: none.
void SetProcessStartObserver(std::function<void(const std::string& program)> observer);

}  // namespace isthmus
