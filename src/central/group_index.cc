#include "central/group_index.h"

namespace isthmus::central {

namespace {
const std::set<std::string> kNoMembers;
const GroupIndex::Counts kNoCounts;

template <typename Map>
const typename Map::mapped_type& Or(const Map& m, const std::string& key, const typename Map::mapped_type& none) {
  auto it = m.find(key);
  return it == m.end() ? none : it->second;
}
}  // namespace

void GroupIndex::Add(std::unordered_map<std::string, Counts>& m, const std::string& a, const std::string& b, int by) {
  Counts& c = m[a];
  if ((c[b] += by) <= 0) c.erase(b);
  if (c.empty()) m.erase(a);
}

void GroupIndex::Update(const model::Port* before, const model::Port* after) {
  if (before)
    for (const auto& g : before->security_groups) {
      if (auto it = members_.find(g); it != members_.end() && it->second.erase(before->id) && it->second.empty())
        members_.erase(it);
      Add(member_networks_, g, before->network_id, -1);
    }
  if (after)
    for (const auto& g : after->security_groups) {
      members_[g].insert(after->id);
      Add(member_networks_, g, after->network_id, +1);
    }
}

void GroupIndex::Update(const model::SecurityGroupRule* before, const model::SecurityGroupRule* after) {
  if (before && !before->remote_group_id.empty()) {
    Add(namers_, before->remote_group_id, before->security_group_id, -1);
    Add(named_, before->security_group_id, before->remote_group_id, -1);
  }
  if (after && !after->remote_group_id.empty()) {
    Add(namers_, after->remote_group_id, after->security_group_id, +1);
    Add(named_, after->security_group_id, after->remote_group_id, +1);
  }
}

void GroupIndex::Rebuild(const std::map<std::string, model::Port>& ports,
                         const std::map<std::string, model::SecurityGroupRule>& rules) {
  members_.clear();
  member_networks_.clear();
  namers_.clear();
  named_.clear();
  for (const auto& [id, p] : ports) Update(nullptr, &p);
  for (const auto& [id, r] : rules) Update(nullptr, &r);
}

const std::set<std::string>& GroupIndex::Members(const std::string& group) const {
  return Or(members_, group, kNoMembers);
}
const GroupIndex::Counts& GroupIndex::MemberNetworks(const std::string& group) const {
  return Or(member_networks_, group, kNoCounts);
}
const GroupIndex::Counts& GroupIndex::Namers(const std::string& remote) const { return Or(namers_, remote, kNoCounts); }
const GroupIndex::Counts& GroupIndex::Named(const std::string& group) const { return Or(named_, group, kNoCounts); }

}  // namespace isthmus::central
