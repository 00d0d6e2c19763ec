#include "central/list_index.h"

#include <algorithm>

namespace isthmus::central {

std::vector<std::string> ListIndex::Attributes(Kind kind) {
  switch (kind) {
    case Kind::kPort:
      return {"network_id", "project_id", "device_id", "device_owner", "binding:host_id",
              "fixed_ips.ip_address", "fixed_ips.subnet_id"};
    case Kind::kSubnet: return {"network_id", "project_id"};
    case Kind::kSecurityGroupRule: return {"security_group_id", "project_id"};
    case Kind::kSecurityGroup:
    case Kind::kFloatingIp:
    case Kind::kNetwork:
    case Kind::kRouter: return {"project_id"};
    default: return {};
  }
}

bool ListIndex::Indexed(Kind kind, const std::string& attribute) {
  auto a = Attributes(kind);
  return std::find(a.begin(), a.end(), attribute) != a.end();
}

size_t ListIndex::Size(Kind kind, const std::string& attribute) const {
  const auto& m = entries_[static_cast<size_t>(kind)];
  auto it = m.find(attribute);
  return it == m.end() ? 0 : it->second.size();
}

std::vector<std::string> ListIndex::Walk(Kind kind, const IdSource& source, const std::string& after,
                                         bool descending, size_t max) const {
  std::vector<std::string> out;
  const auto& m = entries_[static_cast<size_t>(kind)];
  auto found = m.find(source.attribute);
  if (found == m.end() || max == 0) return out;
  const Entries& e = found->second;
  // Ids are UUIDs and names (printable ASCII): "\xff" sorts after every one.
  const std::string_view start = after.empty() ? (descending ? std::string_view("\xff") : "") : after;
  std::vector<std::string_view> values(source.values.begin(), source.values.end());
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  for (std::string_view v : values) {  // up to max of each value, then the first max of them all
    size_t taken = 0;
    if (!descending) {
      for (auto it = e.upper_bound({v, start}); it != e.end() && it->first == v && taken < max; ++it, ++taken)
        out.emplace_back(it->second);
    } else {
      for (auto it = e.lower_bound({v, start}); it != e.begin() && taken < max; ++taken) {
        --it;
        if (it->first != v) break;
        out.emplace_back(it->second);
      }
    }
  }
  if (values.size() > 1) {
    if (descending) std::sort(out.begin(), out.end(), std::greater<>());
    else std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (out.size() > max) out.resize(max);
  }
  return out;
}

}  // namespace isthmus::central
