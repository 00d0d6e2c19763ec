// The flows of one port with port security: anti-spoofing of its MAC, IPs and
// allowed address pairs (br-int tables 24, 25) and its security groups' rules,
// enforced statefully with conntrack in the port's own zone (tables 71-72 for
// what it sends, 81-82 for what is delivered to it). Every flow names the
// port (in_port or reg5), so a rule change is a diff of that port's flows only.
// docs/architecture.md, "OpenFlow tables", explains each flow.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/flow_table.h"
#include "state/host_state.h"

namespace isthmus::agent {

// A port range as OpenFlow value/mask pairs (tp_dst=value/mask), fewest first:
// 80..80 -> {(80, 0xffff)}; 8000..8003 -> {(8000, 0xfffc)}.
std::vector<std::pair<int, int>> PortRangeMasks(int min, int max);

// What a rule matches besides the port and the conntrack state: one string
// per flow ("tcp,nw_src=10.0.0.0/24,tp_dst=80"); none when it matches nothing
// (a remote group with no member known here).
std::vector<std::string> RuleMatches(const state::SecurityRule& rule);

// All flows of `port` (port security on) plugged as `vif` with OpenFlow port
// (and conntrack zone) `zone`, on local VLAN `lvid`. The delivery to it from
// table 60 (pop_vlan, reg5 := zone, table 81) is the caller's (DeliverTo).
void AddPortSecurityFlows(const state::HostState& s, const state::LocalPort& port, const std::string& vif,
                          int zone, FlowTable& br_int);
// The actions that deliver a frame (VLAN popped) to a port with port security.
std::string DeliverTo(int zone);

}  // namespace isthmus::agent
