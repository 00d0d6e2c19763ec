#include "agent/unixctl.h"

#include <fstream>

#include "agent/jsonrpc_socket.h"
#include "agent/ovs_paths.h"

namespace isthmus::agent {

Result<std::string> UnixctlPath(const std::string& rundir, const std::string& daemon) {
  const std::string dir = OvsRundir(rundir);
  std::ifstream pidfile(dir + "/" + daemon + ".pid");
  long pid = 0;
  if (!(pidfile >> pid) || pid <= 0) return Unavailable(daemon + " is not running in " + dir + " (no pid file)");
  return dir + "/" + daemon + "." + std::to_string(pid) + ".ctl";
}

Result<std::string> UnixctlCall(const std::string& path, const std::string& method,
                                const std::vector<std::string>& params, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto socket = JsonRpcSocket::Connect(path, "unixctl " + method + " on " + path);
  if (!socket.ok()) return socket.status();
  auto result = socket->Call(method, params, deadline);
  if (!result.ok()) return result.status();
  if (!result->is_string()) return Unavailable("unixctl " + method + " on " + path + ": the reply has no result");
  return result->get<std::string>();
}

}  // namespace isthmus::agent
