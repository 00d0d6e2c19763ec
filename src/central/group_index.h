// Central's security group index, kept by the Store as ports and rules are
// merged: each group's member ports and the networks they sit on (counted),
// and which groups' rules name which group as their remote group (counted both
// ways). It answers "which clouds need this group's members" without a scan
// of ports or rules (group_members.h).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "model/resources.h"

namespace isthmus::central {

class GroupIndex {
 public:
  using Counts = std::map<std::string, int>;  // id -> how many entries hold it (> 0)

  // A resource written: before (nullptr: new), after (nullptr: deleted).
  void Update(const model::Port* before, const model::Port* after);
  void Update(const model::SecurityGroupRule* before, const model::SecurityGroupRule* after);
  // A change's writes (key -> new value, nullopt: deleted) over `map` as it was.
  template <typename T>
  void Merge(const std::map<std::string, T>& map, const std::map<std::string, std::optional<T>>& writes) {
    for (const auto& [key, v] : writes) {
      auto it = map.find(key);
      Update(it == map.end() ? nullptr : &it->second, v ? &*v : nullptr);
    }
  }
  void Rebuild(const std::map<std::string, model::Port>& ports,
               const std::map<std::string, model::SecurityGroupRule>& rules);

  // The ids of the ports in a group.
  const std::set<std::string>& Members(const std::string& group) const;
  // The networks of a group's members, each with how many members it holds.
  const Counts& MemberNetworks(const std::string& group) const;
  // The groups with a rule whose remote group is `remote`, each with how many such rules.
  const Counts& Namers(const std::string& remote) const;
  // The remote groups a group's rules name, each with how many rules name it.
  const Counts& Named(const std::string& group) const;
  // The groups some rule names as remote (in no order).
  template <typename F>
  void EachNamedGroup(F&& f) const {
    for (const auto& [g, namers] : namers_) f(g);
  }

 private:
  static void Add(std::unordered_map<std::string, Counts>& m, const std::string& a, const std::string& b, int by);
  std::unordered_map<std::string, std::set<std::string>> members_;
  std::unordered_map<std::string, Counts> member_networks_, namers_, named_;
};

}  // namespace isthmus::central
