// Reading Neutron request bodies strictly: the resource object must be there,
// attributes must be known and of the right type. Every refusal names the
// attribute, so the caller can fix the request.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace isthmus::central {

// dns_nameservers: each an IPv4 address (rewritten in canonical form), no
// duplicates; the error names the offending entry.
Status CanonicalNameservers(std::vector<std::string>& dns);

// Neutron's attribute limits: these free-text attributes hold at most 255
// characters on every resource, on create and update (400 otherwise).
inline constexpr size_t kMaxNameLength = 255;
inline constexpr const char* kLimitedAttributes[] = {"name", "description", "project_id", "tenant_id",
                                                     "device_owner", "device_id"};
// InvalidArgument "Invalid input for name. Reason: '...' exceeds maximum length of 255."
Status CheckLengthLimits(const nlohmann::json& attributes);

class Request {
 public:
  // body must be {"<resource>": {...}} with only `allowed` attributes, within
  // the length limits above.
  static Result<Request> Parse(const nlohmann::json& body, const std::string& resource,
                               const std::set<std::string>& allowed);
  bool Has(const std::string& key) const { return obj_.contains(key) && !obj_[key].is_null(); }
  // Present, even as null (PUT: null clears).
  bool Contains(const std::string& key) const { return obj_.contains(key); }
  Result<std::string> String(const std::string& key, const std::string& def = "") const;
  Result<std::string> RequiredString(const std::string& key) const;
  Result<bool> Bool(const std::string& key, bool def) const;
  Result<std::vector<std::string>> StringList(const std::string& key) const;
  const nlohmann::json& Raw(const std::string& key) const { return obj_[key]; }
  const std::string& resource() const { return resource_; }

 private:
  std::string resource_;
  nlohmann::json obj_;
};

// The attributes every Neutron resource takes (name, description, tenant_id,
// project_id, admin_state_up), with `extra`.
std::set<std::string> WithCommon(std::set<std::string> extra);
// Updates: 400 naming the first of `keys` the request sets (they cannot change).
Status Unchangeable(const std::string& kind, const Request& r, const std::set<std::string>& keys);
// Updates: admin_state_up may only be true.
Status AdminStateUp(const Request& r);
// The request's project: project_id or tenant_id (they must agree), "admin" if neither.
Result<std::string> ProjectOf(const Request& r);
// fixed_ips-style lists: [{"subnet_id"?, "ip_address"?}, ...] as (subnet or "", ip or "") pairs.
Result<std::vector<std::pair<std::string, std::string>>> ParseFixedIps(const nlohmann::json& v,
                                                                       const std::string& attr);

}  // namespace isthmus::central
