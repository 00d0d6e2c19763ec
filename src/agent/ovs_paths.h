// Where this host's Open vSwitch daemons keep their sockets: one place for the
// default run directory and the OVSDB target, which the agent's OpenFlow,
// OVSDB and control-socket clients all derive their paths from.
#pragma once

#include <string>

namespace isthmus::agent {

inline constexpr char kDefaultOvsRundir[] = "/var/run/openvswitch";

// OVS_RUNDIR as given ("" = the default).
inline std::string OvsRundir(const std::string& rundir) {
  return rundir.empty() ? std::string(kDefaultOvsRundir) : rundir;
}

// The OVSDB socket's path from an ovs-vsctl style target ("unix:PATH", or a
// bare path; "" = <default rundir>/db.sock).
inline std::string OvsdbSocketPath(const std::string& target) {
  if (target.empty()) return std::string(kDefaultOvsRundir) + "/db.sock";
  return target.rfind("unix:", 0) == 0 ? target.substr(5) : target;
}

}  // namespace isthmus::agent
