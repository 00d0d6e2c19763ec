// The clouds' reports of their data plane (PUT /v2.0/clouds/{cloud}/status),
// read and checked, and what central shows of them: a port's status and a
// host as a Neutron agent (docs/architecture.md, "Port status and agent liveness").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "central/federation.h"

namespace isthmus::central {

// {"status": {"agent_down_time": S, "hosts": [{"host", "alive", "heartbeat_timestamp",
// "started_at"?}], "ports": [{"id", "status", "host"}]}} from cloud `cloud`.
// Refused whole (400) when malformed; entries for ports that do not live in
// that cloud, or hosts it did not report, are ignored (a port may have moved
// since). Answers {"status": {"ports", "hosts", "ignored"}}: what was taken.
Result<nlohmann::json> ReportStatus(Federation& f, const std::string& cloud, const nlohmann::json& body);

// ACTIVE once the agent of its host applied a state that wires it (as its
// cloud reported, and that host is alive); DOWN otherwise, and always when
// admin_state_up is false or an instance port is unbound; N/A for a floating
// IP's port (as Neutron shows it).
std::string PortStatusOf(Federation& f, const model::Port& p);

// The host as Neutron lists its Open vSwitch agent.
nlohmann::json AgentView(Federation& f, const model::Host& h);

}  // namespace isthmus::central
