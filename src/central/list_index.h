// The Store's list indexes: for the attributes lists filter on (a port's
// network_id, device_id, device_owner, binding:host_id, fixed IPs; a rule's
// security_group_id; every kind's
// project), the ids of the resources holding each value, in id order, so a list
// walks only the matching ids from its marker on (docs/architecture.md, "Lists").
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "central/resource_kind.h"

namespace isthmus::central {

// Where a list's candidate ids come from: the ids holding one of `values` of an
// indexed `attribute` (the API's filter name, e.g. "network_id",
// "fixed_ips.ip_address"), or, with no attribute, every id of the kind.
struct IdSource {
  std::string attribute;
  std::vector<std::string> values;
};

class ListIndex {
 public:
  ListIndex() = default;
  ListIndex(const ListIndex&) = delete;  // its entries view one store's strings
  ListIndex& operator=(const ListIndex&) = delete;
  // The attributes indexed for a kind, by their API names ("tenant_id" is
  // "project_id"; fixed IPs are "fixed_ips.ip_address" and "fixed_ips.subnet_id").
  static std::vector<std::string> Attributes(Kind kind);
  static bool Indexed(Kind kind, const std::string& attribute);

  // Keeps the entries of the resource stored under `key` in `map` (a Store map),
  // if it is there: call Unindex before a write to it and Index after. The
  // entries view the map's strings, so they stay valid until that write.
  template <typename Map>
  void Index(const Map& map, const std::string& key) { Update(map, key, true); }
  template <typename Map>
  void Unindex(const Map& map, const std::string& key) { Update(map, key, false); }
  // Every resource of every map of the store again (after a load).
  template <typename Store>
  void Rebuild(const Store& s) {
    for (auto& kind : entries_) kind.clear();
    s.ForEachKind([&](const auto& map) {
      for (const auto& [key, v] : map) Index(map, key);
    });
  }

  // Up to `max` ids of `kind` from the source, in id order (descending: from
  // the largest down), strictly after `after` in that order ("" : from the start).
  // Every id of the kind is the caller's to walk (source without attribute).
  std::vector<std::string> Walk(Kind kind, const IdSource& source, const std::string& after, bool descending,
                                size_t max) const;
  // How many entries an attribute holds (tests, memory accounting).
  size_t Size(Kind kind, const std::string& attribute) const;

 private:
  using Entries = std::set<std::pair<std::string_view, std::string_view>>;  // (value, id)
  template <typename Map>
  void Update(const Map& map, const std::string& key, bool add) {
    auto it = map.find(key);
    if (it == map.end()) return;
    Kind kind = KindOf<typename Map::mapped_type>;
    ForEachValue(it->second, [&](const char* attribute, const std::string& value) {
      Entries& e = entries_[static_cast<size_t>(kind)][attribute];
      if (add) e.emplace(value, it->first);
      else e.erase({value, it->first});
    });
  }
  // f(attribute, value) for every indexed value of a resource.
  template <typename F>
  static void ForEachValue(const model::Port& p, F&& f) {
    f("network_id", p.network_id);
    f("project_id", p.project_id);
    f("device_id", p.device_id);
    f("device_owner", p.device_owner);
    f("binding:host_id", p.host);
    for (const auto& ip : p.fixed_ips) {
      f("fixed_ips.ip_address", ip.ip_address);
      f("fixed_ips.subnet_id", ip.subnet_id);
    }
  }
  template <typename F>
  static void ForEachValue(const model::Subnet& s, F&& f) {
    f("network_id", s.network_id);
    f("project_id", s.project_id);
  }
  template <typename F>
  static void ForEachValue(const model::SecurityGroupRule& r, F&& f) {
    f("security_group_id", r.security_group_id);
    f("project_id", r.project_id);
  }
  template <typename T, typename F>
  static void ForEachValue(const T& v, F&& f) {
    if constexpr (requires { v.project_id; }) f("project_id", v.project_id);
  }

  std::vector<std::map<std::string, Entries, std::less<>>> entries_ =
      std::vector<std::map<std::string, Entries, std::less<>>>(kKinds.size());
};

}  // namespace isthmus::central
