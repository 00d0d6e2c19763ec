// Instances get their addresses by DHCP, as real ones do: one busybox udhcpc
// per NIC inside the instance's namespace (a lab daemon "dhcp-<instance>-<dev>";
// SIGUSR1 to it forces a renewal). Its script configures the NIC from the
// lease (address, MTU, the classless static routes of option 121 when the
// lease has them, else the default route via its router) and records
// every lease event as JSON: <lab root>/leases/<instance>-<dev>.json holds the
// latest, .log every event, with the server identifier that answered.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace isthmus::lab {

Status WriteDhcpScript();
Status StartDhcpClient(const std::string& instance, const std::string& dev);
std::string DhcpClientDaemon(const std::string& instance, const std::string& dev);
// The latest lease event ({"event","ip","mask","router","dns","serverid","mtu","routes"}).
Result<nlohmann::json> ReadLease(const std::string& instance, const std::string& dev);
// Waits for a lease event newer than `after_count` (the .log's line count).
Result<nlohmann::json> WaitLease(const std::string& instance, const std::string& dev,
                                 int after_count, int timeout_ms);
int LeaseEvents(const std::string& instance, const std::string& dev);

}  // namespace isthmus::lab
