// For unit tests that build HostStates by hand: host c1-h1 of cloud1 (compute,
// VTEP 10.255.0.11, DVR MAC fa:16:3f:01:00:01 in the federation's DVR MAC
// space), with nothing on it yet.
#pragma once

#include <cstdint>

#include "state/host_state.h"

namespace isthmus::state {

inline HostState C1H1Base(int64_t revision) {
  HostState s;
  s.revision = revision;
  s.host = "c1-h1";
  s.cloud = "cloud1";
  s.role = "compute";
  s.vtep_ip = "10.255.0.11";
  s.dvr_mac = "fa:16:3f:01:00:01";
  s.dvr_mac_space = "fa:16:3f:00:00:00/ff:ff:ff:00:00:00";
  return s;
}

}  // namespace isthmus::state
