// The flow compiler: a pure function from a host's desired state and the ports
// that exist in its OVS to the flows of br-int and br-tun. Flows that would name
// a port OVS does not have yet are left out (they appear once the port does).
// docs/architecture.md, "OpenFlow tables", explains every flow it writes.
#pragma once

#include <map>
#include <set>
#include <string>

#include "agent/flow_table.h"
#include "state/host_state.h"

namespace isthmus::agent {

struct OvsPorts {
  std::map<std::string, std::string> vif_by_iface_id;  // port id -> OVS port name (br-int)
  // port id -> the VIF's OpenFlow port number, which is also its conntrack
  // zone (stable per host: OVSDB keeps it across vswitchd restarts).
  std::map<std::string, int> ofport_by_iface_id;
  std::set<std::string> names;                         // every port present (both bridges)
  bool Has(const std::string& name) const { return names.count(name) > 0; }
};

struct CompiledFlows {
  FlowTable br_int;
  FlowTable br_tun;
};

CompiledFlows CompileFlows(const state::HostState& state, const OvsPorts& ports);

}  // namespace isthmus::agent
