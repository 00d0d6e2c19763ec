// Writes a FlowMod as an OpenFlow 1.4 OFPT_FLOW_MOD: the match as OXM (NXM
// entries for the Nicira fields: regs, ct_state, tcp_flags), apply-actions and
// goto-table instructions, Nicira actions (NXAST_*) for load, move, resubmit,
// ct, ct_clear and learn, as Open vSwitch encodes them.
#pragma once

#include <map>
#include <string>

#include "agent/openflow/flow_mod.h"
#include "common/status.h"

namespace isthmus::agent::openflow {

// The bridge's ports by name (from OFPMP_PORT_DESC).
using PortNumbers = std::map<std::string, uint32_t>;

// NotFound naming the port when a flow names a port the bridge lacks.
Result<Bytes> EncodeFlowMod(const FlowMod& flow, const PortNumbers& ports, uint32_t xid);

}  // namespace isthmus::agent::openflow
