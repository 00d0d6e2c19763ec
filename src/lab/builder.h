// Builds a Topology for real: underlay, one namespace + Open vSwitch per host,
// central, a controller per cloud, an agent per host, then the topology's
// resources through the central API and instance namespaces plugged into their
// hosts' br-int. Reports progress step by step; saves the facts (facts.h).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "common/keystone_client.h"
#include "common/process.h"
#include "lab/topology.h"

namespace isthmus::lab {

Result<nlohmann::json> BuildLab(const Topology& topology, Runner& runner, std::ostream& progress);

// Creates an instance: its ports through the central API (bound to i.host),
// then its namespace with a NIC per port plugged into the host's br-int;
// records it in facts. Its addresses come later, by DHCP.
Status AddInstance(nlohmann::json& facts, const LabInstance& i, const std::string& cloud,
                   Runner& runner);
// An instance on an existing port (made with the openstack CLI, say): a
// namespace with one NIC plugged on the port's host; records it in facts.
Status AddInstanceForPort(nlohmann::json& facts, const std::string& name, const std::string& port_id,
                          Runner& runner);
// Starts a DHCP client on every NIC of the instance; then waits until each has
// its lease (the address central allocated) and records the lease in facts.
Status StartDhcpClients(const nlohmann::json& facts, const std::string& instance);
Status WaitDhcpLeases(nlohmann::json& facts, const std::string& instance, int timeout_ms);

// Credentials of a lab project's user from the facts ("admin" or "demo").
Credentials LabCredentials(const nlohmann::json& facts, const std::string& project = "admin");

// DNS server the lab's subnets hand out (the internet namespace's address).
inline constexpr char kLabDnsServer[] = "198.51.100.53";

// Waits until central delivered every event and every agent has applied the
// latest state its cloud computed for it (only_cloud: that cloud's only).
Status WaitForConvergence(const nlohmann::json& facts, int timeout_ms,
                          const std::string& only_cloud = "");

}  // namespace isthmus::lab
