// East-west routing in br-int flows: for each router instance of kind dvr or
// legacy on this host, its gateways' ARP answered by flows (table 60) and
// routing to every neighbour of its connected subnets (table 64 ROUTE).
// docs/architecture.md, "OpenFlow tables" (br-int) and "Data plane".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/flow_table.h"
#include "agent/flows.h"
#include "state/host_state.h"

namespace isthmus::agent {

// A router's number in reg6 on this host: an FNV-1a hash of its ID (never 0),
// probing past the routers listed before it that took the number first, so a
// router keeps its number (and its flows) while others come and go.
std::map<std::string, uint32_t> RouterSlots(const std::vector<state::RouterInstance>& routers);

// Actions turning an ARP request (VLAN popped or not) into the reply for
// `ip` at `mac`, sent back where it came from (br-tun's responder too);
// "" when either does not parse.
std::string ArpReplyActions(const std::string& mac, const std::string& ip);

// Whether the router instance's east-west routing is done by flows (dvr,
// legacy); a `snat` instance stays behind its namespace.
bool RoutedByFlows(const state::RouterInstance& router);

// The ARP answers and ROUTE flows of one router instance (RoutedByFlows).
// `lvid` maps network ID -> local VLAN (networks absent are skipped); flows
// that name a leg's OVS port (`qp-`) are written only when `ports` has it,
// the routing itself does not depend on it.
void AddRouteFlows(const state::RouterInstance& router, uint32_t slot, const std::map<std::string, int>& lvid,
                   const OvsPorts& ports, FlowTable& br_int);

}  // namespace isthmus::agent
