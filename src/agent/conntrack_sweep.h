// Connections a rule change no longer allows: after a port's rules change,
// the agent reads the port's conntrack zone (ovs-appctl dpctl/dump-conntrack)
// and deletes the entries that no rule of the port allows any more, as
// Neutron does; connections still allowed are left alone (they keep flowing).
// Pure functions; the agent runs the commands (agent.cc).
#pragma once

#include <string>
#include <vector>

#include "state/host_state.h"

namespace isthmus::agent {

// One conntrack entry's original direction.
struct ConnTuple {
  int protocol = -1;
  std::string src, dst;
  int sport = -1, dport = -1;                    // tcp, udp, sctp
  int icmp_id = -1, icmp_type = -1, icmp_code = -1;  // icmp
};

// The entries of `ovs-appctl dpctl/dump-conntrack` output, one per line
// ("tcp,orig=(src=..,dst=..,sport=..,dport=..),reply=(..),zone=5,..");
// lines it cannot read are skipped.
std::vector<ConnTuple> ParseConntrackDump(const std::string& dump);

// Whether a rule of the port's groups allows the connection: one the port
// opened (its source is one of the port's addresses or pairs) by an egress
// rule, else by an ingress rule.
bool ConnectionAllowed(const ConnTuple& c, const state::LocalPort& port, const state::HostState& s);

// The argument of `ovs-appctl dpctl/flush-conntrack zone=Z <tuple>` that
// deletes exactly this entry.
std::string FlushTuple(const ConnTuple& c);

// What a port's enforcement depends on (its addresses, pairs and its groups'
// rules), as text: the agent sweeps the port's zone when it changes.
std::string RulesDigest(const state::LocalPort& port, const state::HostState& s);

}  // namespace isthmus::agent
