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
// Neutron's tag filters (standard-attr-tag): tags, tags-any, not-tags and
// not-tags-any, each comma-separated (a repeated filter's values join its
// set): tags keeps items holding all of them, tags-any at least one, not-tags
// drops items holding all of them, not-tags-any items holding any. `tags` is
// the item's list (a JSON array).
bool IsTagFilter(const std::string& param);
bool TagFiltersMatch(const httplib::Request& req, const nlohmann::json& tags);
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
// Neutron's sorting extension: every sort key names an attribute of the kind's
// view (`prototype`, the view of an empty resource) holding one value (a
// string, number, boolean or null), not a list or an object; 400 otherwise.
Status CheckSortKeys(const ListControls& controls, const nlohmann::json& prototype);
// The order of two values of one sort key: null first, then numbers by value,
// strings by their bytes (UTF-8: by code point), false before true.
bool SortLess(const nlohmann::json& a, const nlohmann::json& b);

// The JSON text of `<plural>_links` of a page of `count` items whose first and
// last are `first` and `last`, as Neutron links them: `next` unless the page
// is short and not reversed, `previous` unless it is short and reversed; next
// resumes after the last item (page_reverse dropped), previous before the
// first (page_reverse=True); an empty page's links carry no marker (the first
// or last page). Every other parameter is kept. Only a list with a limit has links.
std::string PageLinks(const httplib::Request& req, const std::string& base_url, const std::string& first,
                      const std::string& last, size_t count, const ListControls& controls);

}  // namespace isthmus::central
