// Neutron's list conventions (docs/architecture.md, "Central API"): `fields=`
// (repeatable) keeps only those attributes; `sort_key`/`sort_dir`, `limit`,
// `marker` and `page_reverse` page through a list, which then carries
// `<plural>_links` with `next` and `previous` hrefs.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace isthmus::central {

// The query parameters that are not field filters.
bool IsListControl(const std::string& param);
// The item with only the requested fields (all when none asked for).
nlohmann::json SelectFields(const httplib::Request& req, const nlohmann::json& item);
// {"<plural>": [...], "<plural>_links": [...]} from the filtered items.
Result<nlohmann::json> Page(const httplib::Request& req, std::vector<nlohmann::json> items,
                            const std::string& plural, const std::string& base_url);

}  // namespace isthmus::central
