#include "central/listing.h"

#include <algorithm>
#include <cctype>
#include <optional>

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

json SelectFields(const httplib::Request& req, const json& item) {
  auto range = req.params.equal_range("fields");
  if (range.first == range.second) return item;
  json out = json::object();
  for (auto it = range.first; it != range.second; ++it)
    if (item.contains(it->second)) out[it->second] = item[it->second];
  return out;
}

bool Matches(const httplib::Request& req, const json& item) {
  for (auto key = req.params.begin(); key != req.params.end(); key = req.params.upper_bound(key->first)) {
    if (IsListControl(key->first) || !item.contains(key->first)) continue;
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

std::string PageLinks(const httplib::Request& req, const std::string& base_url, const std::string& first,
                      const std::string& last, bool has_next, bool has_previous) {
  std::string query;
  for (const auto& [k, v] : req.params)
    if (k != "marker" && k != "page_reverse") query += "&" + Encode(k) + "=" + Encode(v);
  json links = json::array();
  if (has_next)
    links.push_back({{"rel", "next"}, {"href", base_url + req.path + "?marker=" + Encode(last) + query}});
  if (has_previous)
    links.push_back({{"rel", "previous"},
                     {"href", base_url + req.path + "?marker=" + Encode(first) + "&page_reverse=True" + query}});
  return links.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace isthmus::central
