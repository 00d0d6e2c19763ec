// IP address management for one subnet: default gateway and allocation pools,
// and the lowest free address of the pools. Pure functions over addresses.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/net.h"
#include "model/resources.h"

namespace isthmus::central {

// Gateway defaults to the first host address; pools default to the rest of the
// subnet minus the gateway and the broadcast address.
std::string DefaultGateway(const Cidr& cidr);
std::vector<model::AllocationPool> DefaultPools(const Cidr& cidr, const std::string& gateway);
// Validates pools: inside the subnet, start <= end, not overlapping each other,
// not holding the gateway.
Status ValidatePools(const Cidr& cidr, const std::string& gateway,
                     const std::vector<model::AllocationPool>& pools);
// The lowest address of the pools not in `used`; Conflict when none is left.
// The rule in its plainest form, by a scan: creates allocate from
// SubnetIpsInUse (allocation_index.h), which allocation_index_test checks
// against this function.
Result<std::string> NextFreeIp(const std::vector<model::AllocationPool>& pools,
                               const std::set<uint32_t>& used, const std::string& network_name);

}  // namespace isthmus::central
