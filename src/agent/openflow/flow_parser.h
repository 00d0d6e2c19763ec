// Reads the flow text the agent writes (flow_table.h's lines, as
// `ovs-ofctl bundle` took them) into typed FlowMods. Only the subset the
// pipeline uses is known; anything else is InvalidArgument naming the piece.
#pragma once

#include <string>

#include "agent/openflow/flow_mod.h"
#include "common/status.h"

namespace isthmus::agent::openflow {

// "cookie=0x15a7,table=0,priority=1,in_port=a,dl_vlan=1 actions=goto_table:1"
// as an add; a flow without "actions=" (delete_strict) has no actions.
Result<FlowMod> ParseFlow(const std::string& text, FlowModCommand command);
// One line of a bundle: "add <flow>" or "delete_strict <match>".
Result<FlowMod> ParseBundleLine(const std::string& line);
// The actions after "actions=" ("drop", "pop_vlan,output:x", "goto_table:9").
Status ParseActions(const std::string& text, FlowMod* flow);

}  // namespace isthmus::agent::openflow
