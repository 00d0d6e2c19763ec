// Neutron's list conventions (docs/architecture.md, "Lists"): field filters
// (`?network_id=X`, repeatable: any of the values; `fixed_ips=ip_address=A`),
// `fields=` (repeatable) keeps only those attributes; `sort_key`/`sort_dir`,
// `limit`, `marker` and `page_reverse` page through a list, which then carries
// `<plural>_links` with `next` and `previous` hrefs. list_response.h walks the
// cache with these.
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
// Whether a Neutron view passes the request's field filters: each filter names
// an attribute of the view (others are ignored) and any of its values matches
// the attribute's text; fixed_ips=ip_address=A / fixed_ips=subnet_id=S match a
// port holding such a fixed IP.
bool Matches(const httplib::Request& req, const nlohmann::json& item);
// 400 for a filter Matches cannot read (fixed_ips=other=...).
Status CheckFilters(const httplib::Request& req);

// The paging controls of a request, checked.
struct ListControls {
  std::vector<std::string> sort_keys;  // "id" last, if not given: a total order for markers
  std::vector<bool> ascending;
  long limit = 0;  // 0: no limit
  bool reverse = false;  // page_reverse
  std::string marker;
  // Ordered by id alone (asc or desc): the order the indexes walk.
  bool ById() const { return sort_keys.size() == 1; }
};
Result<ListControls> ParseControls(const httplib::Request& req);

// The JSON text of `<plural>_links` for a page whose first and last items are
// `first` and `last`: next and previous hrefs keep every other parameter.
std::string PageLinks(const httplib::Request& req, const std::string& base_url, const std::string& first,
                      const std::string& last, bool has_next, bool has_previous);

}  // namespace isthmus::central
