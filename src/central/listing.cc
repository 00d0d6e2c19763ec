#include "central/listing.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

namespace isthmus::central {

using nlohmann::json;

namespace {

bool Truthy(const std::string& v) { return v == "True" || v == "true" || v == "1"; }

// A filter on a boolean attribute, as Neutron converts it (convert_to_boolean):
// true/false in any case, or 1/0; nullopt (matches nothing) otherwise.
std::optional<bool> BoolFilter(std::string v) {
  for (auto& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return std::nullopt;
}

std::string Encode(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += std::string("%") + hex[c >> 4] + hex[c & 15];
  }
  return out;
}

std::string Text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// fixed_ips=ip_address=A (or subnet_id=S): the attribute and the value.
std::pair<std::string, std::string> FixedIpFilter(const std::string& v) {
  size_t eq = v.find('=');
  if (eq == std::string::npos) return {"", v};
  return {v.substr(0, eq), v.substr(eq + 1)};
}

// Every fixed_ips filter's attribute (ip_address, subnet_id) is held by one of the port's fixed IPs.
bool FixedIpsMatch(const httplib::Request& req, const json& fixed_ips) {
  auto range = req.params.equal_range("fixed_ips");
  for (const char* attribute : {"ip_address", "subnet_id"}) {
    bool asked = false, any = false;
    for (auto it = range.first; it != range.second; ++it) {
      auto [a, value] = FixedIpFilter(it->second);
      if (a != attribute) continue;
      asked = true;
      if (fixed_ips.is_array())
        for (const auto& ip : fixed_ips)
          any |= ip.is_object() && ip.contains(attribute) && Text(ip[attribute]) == value;
    }
    if (asked && !any) return false;
  }
  return true;
}

}  // namespace

bool IsListControl(const std::string& p) {
  return p == "fields" || p == "limit" || p == "marker" || p == "page_reverse" || p == "sort_key" ||
         p == "sort_dir";
}

bool IsTagFilter(const std::string& p) {
  return p == "tags" || p == "tags-any" || p == "not-tags" || p == "not-tags-any";
}

bool TagFiltersMatch(const httplib::Request& req, const json& tags) {
  std::set<std::string> held;
  if (tags.is_array())
    for (const auto& t : tags)
      if (t.is_string()) held.insert(t.get<std::string>());
  // Each filter's values, repeated or comma-separated, as one set (Neutron's _get_tag_list).
  auto wanted = [&](const char* filter) {
    std::set<std::string> out;
    auto range = req.params.equal_range(filter);
    for (auto it = range.first; it != range.second; ++it) {
      size_t start = 0;
      for (;;) {
        size_t comma = it->second.find(',', start);
        out.insert(it->second.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    return out;
  };
  auto count_held = [&](const std::set<std::string>& w) {
    return static_cast<size_t>(std::count_if(w.begin(), w.end(), [&](const auto& t) { return held.count(t); }));
  };
  if (req.has_param("tags")) {
    auto w = wanted("tags");
    if (count_held(w) != w.size()) return false;
  }
  if (req.has_param("tags-any") && count_held(wanted("tags-any")) == 0) return false;
  if (req.has_param("not-tags")) {
    auto w = wanted("not-tags");
    if (count_held(w) == w.size()) return false;
  }
  if (req.has_param("not-tags-any") && count_held(wanted("not-tags-any")) > 0) return false;
  return true;
}

json SelectFields(const httplib::Request& req, const json& item) {
  auto range = req.params.equal_range("fields");
  if (range.first == range.second) return item;
  json out = json::object();
  for (auto it = range.first; it != range.second; ++it)
    if (item.contains(it->second)) out[it->second] = item[it->second];
  return out;
}

bool Matches(const httplib::Request& req, const json& item) {
  if (item.contains("tags") && !TagFiltersMatch(req, item["tags"])) return false;
  for (auto key = req.params.begin(); key != req.params.end(); key = req.params.upper_bound(key->first)) {
    if (IsListControl(key->first) || IsTagFilter(key->first) || !item.contains(key->first)) continue;
    const json& v = item[key->first];
    if (key->first == "fixed_ips" && v.is_array()) {
      if (!FixedIpsMatch(req, v)) return false;
      continue;
    }
    const std::string text = Text(v);
    bool any = false;
    auto range = req.params.equal_range(key->first);
    for (auto it = range.first; it != range.second; ++it)
      any |= v.is_boolean() ? BoolFilter(it->second) == std::optional<bool>(v.get<bool>()) : it->second == text;
    if (!any) return false;
  }
  return true;
}

Status CheckFilters(const httplib::Request& req) {
  auto range = req.params.equal_range("fixed_ips");
  for (auto it = range.first; it != range.second; ++it) {
    auto [attribute, value] = FixedIpFilter(it->second);
    if (attribute != "ip_address" && attribute != "subnet_id")
      return InvalidArgument("fixed_ips filters are ip_address=<address> or subnet_id=<id>, not '" +
                             it->second.substr(0, 64) + "'");
  }
  return Status::Ok();
}

Result<ListControls> ParseControls(const httplib::Request& req) {
  ListControls c;
  auto sk = req.params.equal_range("sort_key");
  auto sd = req.params.equal_range("sort_dir");
  std::vector<std::string> dirs;
  for (auto it = sd.first; it != sd.second; ++it) {
    if (it->second != "asc" && it->second != "desc")
      return InvalidArgument("sort_dir must be asc or desc, not '" + it->second + "'");
    dirs.push_back(it->second);
  }
  for (auto it = sk.first; it != sk.second; ++it) c.sort_keys.push_back(it->second);
  if (!dirs.empty() && dirs.size() != c.sort_keys.size()) return InvalidArgument("give one sort_dir per sort_key");
  for (size_t i = 0; i < c.sort_keys.size(); ++i) c.ascending.push_back(dirs.empty() || dirs[i] == "asc");
  if (std::find(c.sort_keys.begin(), c.sort_keys.end(), "id") == c.sort_keys.end()) {
    c.sort_keys.push_back("id");
    c.ascending.push_back(c.ascending.empty() ? true : c.ascending.back());
  }
  if (req.has_param("limit")) {
    const std::string text = req.get_param_value("limit");
    char* end = nullptr;
    c.limit = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || c.limit < 0 || c.limit > 100000)
      return InvalidArgument("limit must be a non-negative integer, not '" + text + "'");
  }
  c.reverse = req.has_param("page_reverse") && Truthy(req.get_param_value("page_reverse"));
  c.marker = req.has_param("marker") ? req.get_param_value("marker") : "";
  return c;
}

Status CheckSortKeys(const ListControls& c, const json& prototype) {
  for (const auto& key : c.sort_keys) {
    // external_gateway_info is null in an empty router's view, an object otherwise.
    const bool one_value = prototype.contains(key) && !prototype[key].is_array() && !prototype[key].is_object() &&
                           key != "external_gateway_info";
    if (!one_value) return InvalidArgument("['" + key.substr(0, 64) + "'] is invalid attribute for sort_keys");
  }
  return Status::Ok();
}

bool SortLess(const json& a, const json& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && !b.is_null();
  if (a.is_number() && b.is_number()) return a.get<double>() < b.get<double>();
  if (a.is_string() && b.is_string()) return a.get_ref<const std::string&>() < b.get_ref<const std::string&>();
  if (a.is_boolean() && b.is_boolean()) return !a.get<bool>() && b.get<bool>();
  return a.dump() < b.dump();
}

std::string PageLinks(const httplib::Request& req, const std::string& base_url, const std::string& first,
                      const std::string& last, size_t count, const ListControls& c) {
  std::string query;
  for (const auto& [k, v] : req.params)
    if (k != "marker" && k != "page_reverse") query += "&" + Encode(k) + "=" + Encode(v);
  const bool short_page = count < static_cast<size_t>(c.limit);
  auto href = [&](const std::string& marker, bool reverse) {
    std::string params = (marker.empty() ? "" : "&marker=" + Encode(marker)) + (reverse ? "&page_reverse=True" : "") + query;
    if (!params.empty()) params[0] = '?';
    return base_url + req.path + params;
  };
  json links = json::array();
  if (!(short_page && !c.reverse)) links.push_back({{"rel", "next"}, {"href", href(count ? last : "", false)}});
  if (!(short_page && c.reverse)) links.push_back({{"rel", "previous"}, {"href", href(count ? first : "", true)}});
  return links.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace isthmus::central
