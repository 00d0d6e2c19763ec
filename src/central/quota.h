// Neutron's quotas: per project, a limit on how many networks, subnets, ports,
// routers, floating IPs, security groups and rules it may hold (-1 = unlimited), with Neutron's
// defaults. The API (GET/PUT/DELETE /v2.0/quotas...) is in api.cc, the
// Service's side in quota.cc, the rows in central's DB; docs/architecture.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace isthmus::central {

using QuotaSet = std::map<std::string, int64_t>;  // resource -> limit

// Neutron's defaults; the resources isthmus counts.
inline const QuotaSet& DefaultQuotas() {
  static const QuotaSet kDefaults = {
      {"network", 100}, {"subnet", 100}, {"port", 500}, {"router", 10}, {"floatingip", 50},
      {"security_group", 10}, {"security_group_rule", 100}};
  return kDefaults;
}
inline constexpr int64_t kUnlimited = -1;
inline constexpr int64_t kMaxQuota = 2147483647;

// {"quota": {"network": N, ...}}: known resources, integers -1..kMaxQuota (Neutron also
// takes them as decimal strings). The error names the attribute.
Result<QuotaSet> ParseQuotaUpdate(const nlohmann::json& body);

// Neutron's OverQuota: 409, message "Quota exceeded for resources: ['network']."
Status OverQuota(const std::string& resource);
bool IsOverQuota(const Status& status);

// {"network": N, ..., "project_id"?} as Neutron shows a quota set.
nlohmann::json QuotaView(const QuotaSet& limits);

}  // namespace isthmus::central
