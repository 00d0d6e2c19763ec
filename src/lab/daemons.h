// The lab's process supervisor: starts the isthmus daemons detached (own
// session, output to a log file) and remembers them by name in pid files under
// <lab root>/pids, so they can be stopped, killed or checked later.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace isthmus::lab {

Result<pid_t> StartDaemon(const std::string& name, const std::vector<std::string>& argv,
                          const std::string& log_path);
// SIGTERM, up to 5 s, then SIGKILL. A daemon that is not running is fine.
Status StopDaemon(const std::string& name);
Status StopAllDaemons();
bool DaemonRunning(const std::string& name);
// Its pid while it runs, else 0.
pid_t DaemonPid(const std::string& name);
// Sends a signal (e.g. SIGKILL to test crash recovery); the pid file stays so
// RestartDaemon can start it again with the arguments it was first given.
Status SignalDaemon(const std::string& name, int signal);
Result<pid_t> RestartDaemon(const std::string& name);
std::vector<std::string> DaemonNames();

}  // namespace isthmus::lab
