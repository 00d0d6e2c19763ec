#include "central/listing.h"

#include <algorithm>

namespace isthmus::central {

using nlohmann::json;

namespace {

bool Truthy(const std::string& v) { return v == "True" || v == "true" || v == "1"; }

std::string Encode(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += std::string("%") + hex[c >> 4] + hex[c & 15];
  }
  return out;
}

// Orders by the sort keys (strings compare as strings, anything else by its JSON text).
bool Less(const json& a, const json& b, const std::vector<std::string>& keys,
          const std::vector<bool>& ascending) {
  for (size_t i = 0; i < keys.size(); ++i) {
    const json va = a.value(keys[i], json()), vb = b.value(keys[i], json());
    std::string sa = va.is_string() ? va.get<std::string>() : va.dump();
    std::string sb = vb.is_string() ? vb.get<std::string>() : vb.dump();
    if (sa != sb) return ascending[i] ? sa < sb : sa > sb;
  }
  return false;
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

Result<json> Page(const httplib::Request& req, std::vector<json> items, const std::string& plural,
                  const std::string& base_url) {
  std::vector<std::string> keys;
  std::vector<bool> ascending;
  auto sk = req.params.equal_range("sort_key");
  auto sd = req.params.equal_range("sort_dir");
  std::vector<std::string> dirs;
  for (auto it = sd.first; it != sd.second; ++it) {
    if (it->second != "asc" && it->second != "desc")
      return InvalidArgument("sort_dir must be asc or desc, not '" + it->second + "'");
    dirs.push_back(it->second);
  }
  for (auto it = sk.first; it != sk.second; ++it) keys.push_back(it->second);
  if (!dirs.empty() && dirs.size() != keys.size())
    return InvalidArgument("give one sort_dir per sort_key");
  for (size_t i = 0; i < keys.size(); ++i) ascending.push_back(dirs.empty() || dirs[i] == "asc");
  if (std::find(keys.begin(), keys.end(), "id") == keys.end()) {  // a total order for markers
    keys.push_back("id");
    ascending.push_back(ascending.empty() ? true : ascending.back());
  }
  std::stable_sort(items.begin(), items.end(),
                   [&](const json& a, const json& b) { return Less(a, b, keys, ascending); });

  long limit = 0;
  if (req.has_param("limit")) {
    const std::string text = req.get_param_value("limit");
    char* end = nullptr;
    limit = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || limit < 0 || limit > 100000)
      return InvalidArgument("limit must be a non-negative integer, not '" + text + "'");
  }
  bool reverse = req.has_param("page_reverse") && Truthy(req.get_param_value("page_reverse"));
  std::string marker = req.has_param("marker") ? req.get_param_value("marker") : "";
  size_t begin = 0, end = items.size();
  if (!marker.empty()) {
    auto m = std::find_if(items.begin(), items.end(),
                          [&](const json& j) { return j.value("id", "") == marker; });
    if (m == items.end()) return NotFound("Marker " + marker + " could not be found");
    size_t at = static_cast<size_t>(m - items.begin());
    if (reverse) end = at;
    else begin = at + 1;
  }
  if (limit > 0 && end - begin > static_cast<size_t>(limit)) {
    if (reverse) begin = end - limit;
    else end = begin + limit;
  }
  json page = json::array();
  for (size_t i = begin; i < end; ++i) page.push_back(SelectFields(req, items[i]));

  // Links keep every other parameter of the request.
  std::string query;
  for (const auto& [k, v] : req.params)
    if (k != "marker" && k != "page_reverse") query += "&" + Encode(k) + "=" + Encode(v);
  json links = json::array();
  if (limit > 0 && end < items.size() && begin < end)
    links.push_back({{"rel", "next"},
                     {"href", base_url + req.path + "?marker=" + Encode(items[end - 1].value("id", "")) + query}});
  if (limit > 0 && begin > 0 && begin < end)
    links.push_back({{"rel", "previous"},
                     {"href", base_url + req.path + "?marker=" + Encode(items[begin].value("id", "")) +
                                  "&page_reverse=True" + query}});
  json out = {{plural, page}};
  if (limit > 0 || !marker.empty()) out[plural + "_links"] = links;
  return out;
}

}  // namespace isthmus::central
