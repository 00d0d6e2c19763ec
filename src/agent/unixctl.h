// ovs-vswitchd's control socket spoken directly (what `ovs-appctl` does, without
// its process): one JSON-RPC 1.0 request per call over
// <OVS_RUNDIR>/ovs-vswitchd.<pid>.ctl, the pid read from ovs-vswitchd.pid. The
// agent reads and flushes conntrack zones this way (conntrack_sweep.h).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace isthmus::agent {

// The daemon's control socket path in `rundir` ("" = /var/run/openvswitch),
// from its pid file (Unavailable if the daemon is not running there).
Result<std::string> UnixctlPath(const std::string& rundir, const std::string& daemon = "ovs-vswitchd");

// Runs `method params...` on the socket at `path`: the command's output, or
// the daemon's error text (Internal), or Unavailable when the socket is not
// there or does not answer within `timeout`.
Result<std::string> UnixctlCall(const std::string& path, const std::string& method,
                                const std::vector<std::string>& params, std::chrono::milliseconds timeout);

}  // namespace isthmus::agent
