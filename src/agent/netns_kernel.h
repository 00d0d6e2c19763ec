// Named network namespaces without `ip`: creating and deleting them the way
// iproute2 does (a bind mount of the namespace on /run/netns/NAME), and running
// code inside one on a short-lived thread that joined it, so the sockets it
// opens and the /proc/sys files it writes are that namespace's. The agent's own
// threads never change namespace (docs/architecture.md, "Kernel state").
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace isthmus::agent {

// /run/netns/NAME.
std::string NetnsPath(const std::string& ns);

// Runs fn on a new thread that joined namespace ns and returns what fn
// returned; ns "" runs fn on the calling thread (its namespace). Unavailable if
// the namespace cannot be joined (it does not exist).
Status RunInNetns(const std::string& ns, const std::function<Status()>& fn);

// Creates namespace ns if it does not exist (idempotent).
Status CreateNetns(const std::string& ns);
// Deletes namespace ns if it exists (idempotent): what is in it goes when
// nothing holds it any more.
Status DeleteNetns(const std::string& ns);

// Writes sysctls ("net.ipv4.ip_forward", "1") in namespace ns ("" = ours).
Status WriteSysctls(const std::string& ns, const std::vector<std::pair<std::string, std::string>>& values);
// The /proc/sys path of a sysctl name: dots become slashes.
// InvalidArgument unless every part is a plain name (no "..", no '/').
Result<std::string> SysctlPath(const std::string& name);

// Turns transmit checksum offload off on dev in namespace ns (`ethtool -K dev
// tx off`, through the SIOCETHTOOL ioctl).
Status DisableTxChecksum(const std::string& ns, const std::string& dev);

}  // namespace isthmus::agent
