// Security groups and their rules in central's core: the typed requests and
// Neutron's rule checks (security_group.cc holds, validates and commits groups,
// rules and each project's default group; security_group_wire.cc reads them
// from Neutron's JSON and writes the Neutron views).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/resources.h"

namespace isthmus::central {

// Neutron's name of the group every project gets (and of no other group).
inline constexpr char kDefaultSecurityGroup[] = "default";
// Neutron's max_allowed_address_pair.
inline constexpr size_t kMaxAllowedAddressPairs = 10;

struct SecurityGroupCreate {
  std::string project, name, description;
};

// Each field: nullopt = leave as is.
struct SecurityGroupUpdate {
  std::optional<std::string> name, description;
};

// Neutron's checks of a rule on its own (not against other rules or groups),
// normalising it as Neutron stores it: ethertype IPv4/IPv6, protocol lower
// case (an IPv6 rule's "icmp" or "icmpv6" is "ipv6-icmp"), remote_ip_prefix a CIDR at its network address ("10.0.0.5/24" ->
// "10.0.0.0/24", an address alone -> /32 or /128) of the ethertype's family.
// 400 naming what is wrong.
Status NormaliseRule(model::SecurityGroupRule& r);

// The protocol number a rule's protocol names ("tcp" -> 6, "17" -> 17), -1 for "" (any).
int ProtocolNumber(const std::string& protocol);

// An IP address or CIDR of either family ("10.0.0.5", "10.0.0.0/24", "fd00::/64"),
// as an allowed address pair's ip_address takes it: 400 naming `attr` otherwise.
Status CheckIpOrCidr(const std::string& text, const std::string& attr);

}  // namespace isthmus::central
