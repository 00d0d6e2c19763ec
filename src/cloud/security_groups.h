// Security groups as a host's agent needs them: a model rule turned into a
// state::SecurityRule (protocol number, port range, normalized prefix) and a
// port's addresses as a remote group member (fixed IPs and allowed pairs).
// Pure functions shared by the desired-state computation and its reference.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/resources.h"
#include "state/host_state.h"

namespace isthmus::cloud {

// "10.0.0.5" -> "10.0.0.5/32"; "10.0.0.7/28" -> "10.0.0.0/28" (host bits
// cleared, as Neutron compares them); anything else (IPv6, garbage) -> nullopt.
std::optional<std::string> NormalizeCidr(const std::string& text);

// The addresses a port contributes to each of its groups as a remote group:
// its fixed IPs and allowed address pairs, as CIDRs.
std::vector<std::string> MemberAddresses(const model::Port& p);
// The same for a member whose port this cloud does not have (another cloud's network).
std::vector<std::string> MemberAddresses(const model::GroupMember& m);

// The port's allowed address pairs as the agent gets them (CIDR, MAC: the
// port's own when the pair names none); pairs that are not IPv4 are left out.
std::vector<state::AddressPair> AddressPairs(const model::Port& p);

// The IPv4 rule as the agent enforces it, with `remote_ips` (the remote
// group's member addresses, sorted, once each) when it has a remote group.
// nullopt for what cannot be enforced as written (IPv6, an unknown protocol,
// ports on a protocol OVS cannot match them on, both a remote prefix and a
// group): such a rule allows nothing (fail closed).
std::optional<state::SecurityRule> ResolveRule(const model::SecurityGroupRule& r,
                                               std::vector<std::string> remote_ips);

}  // namespace isthmus::cloud
