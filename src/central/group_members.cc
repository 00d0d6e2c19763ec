#include "central/group_members.h"

#include <algorithm>

namespace isthmus::central {

model::GroupMember GroupMemberOf(const model::Port& p) {
  return {p.id, p.project_id, p.security_groups, p.fixed_ips, p.allowed_address_pairs};
}

namespace {

bool SameRecord(const model::GroupMember& a, const model::GroupMember& b) {
  return nlohmann::json(a) == nlohmann::json(b);
}

std::vector<std::string> NetworkClouds(const Store& s, const Change& c, const std::string& network_id) {
  auto n = Now<model::Network>(s, c, network_id);
  return n ? n->clouds : std::vector<std::string>{};
}

}  // namespace

RemoteGroupNeeds::RemoteGroupNeeds(const Store& s, const Change& c) : s_(s), c_(c) {
  // Group H -> the remote groups its rules name.
  std::map<std::string, std::set<std::string>> remotes_of;
  Each<model::SecurityGroupRule>(s, c, [&](const model::SecurityGroupRule& r) {
    if (!r.remote_group_id.empty()) remotes_of[r.security_group_id].insert(r.remote_group_id);
  });
  if (remotes_of.empty()) return;
  // Each cloud with a member of H needs the members of every group H's rules name.
  std::map<std::string, std::vector<std::string>> clouds_of_network;
  Each<model::Port>(s, c, [&](const model::Port& p) {
    const std::vector<std::string>* clouds = nullptr;
    for (const auto& h : p.security_groups) {
      auto it = remotes_of.find(h);
      if (it == remotes_of.end()) continue;
      if (!clouds) {
        auto [n, fresh] = clouds_of_network.try_emplace(p.network_id);
        if (fresh) n->second = NetworkClouds(s, c, p.network_id);
        clouds = &n->second;
      }
      for (const auto& g : it->second) clouds_needing_[g].insert(clouds->begin(), clouds->end());
    }
  });
}

std::vector<std::string> RemoteGroupNeeds::CloudsFor(const model::Port& p) const {
  std::set<std::string> out;
  for (const auto& g : p.security_groups)
    if (auto it = clouds_needing_.find(g); it != clouds_needing_.end()) out.insert(it->second.begin(), it->second.end());
  for (const auto& own : NetworkClouds(s_, c_, p.network_id)) out.erase(own);
  return {out.begin(), out.end()};
}

std::set<std::string> RemoteGroupNeeds::Differing(const RemoteGroupNeeds& a, const RemoteGroupNeeds& b) {
  std::set<std::string> out;
  for (const auto& [g, clouds] : a.clouds_needing_)
    if (auto it = b.clouds_needing_.find(g); it == b.clouds_needing_.end() || it->second != clouds) out.insert(g);
  for (const auto& [g, clouds] : b.clouds_needing_)
    if (!a.clouds_needing_.count(g)) out.insert(g);
  return out;
}

void AddGroupMemberEvents(const Store& s, Change& c) {
  // Only rules, networks, clouds and ports in a group (before or after) can change a record.
  bool relevant = !c.Of<model::SecurityGroupRule>().empty() || !c.Of<model::Network>().empty() ||
                  !c.Of<model::Cloud>().empty();
  for (const auto& [id, p] : c.Of<model::Port>()) {
    auto old = s.All<model::Port>().find(id);
    if ((p && !p->security_groups.empty()) || (old != s.All<model::Port>().end() && !old->second.security_groups.empty()))
      relevant = true;
  }
  if (!relevant) return;
  static const Change kNothing;
  RemoteGroupNeeds before(s, kNothing), after(s, c);
  // The ports whose records can change: those the change writes, those on a
  // network it writes, and the members of every group whose needing clouds changed.
  std::set<std::string> candidates;
  for (const auto& [id, p] : c.Of<model::Port>()) candidates.insert(id);
  std::set<std::string> groups = RemoteGroupNeeds::Differing(before, after);
  std::set<std::string> networks;
  for (const auto& [id, n] : c.Of<model::Network>()) networks.insert(id);
  if (!groups.empty() || !networks.empty())
    Each<model::Port>(s, c, [&](const model::Port& p) {
      if (networks.count(p.network_id)) candidates.insert(p.id);
      for (const auto& g : p.security_groups)
        if (groups.count(g)) candidates.insert(p.id);
    });
  if (!groups.empty() || !networks.empty())  // a member that left the group, or moved
    for (const auto& [id, p] : s.All<model::Port>())
      if (networks.count(p.network_id) ||
          std::any_of(p.security_groups.begin(), p.security_groups.end(), [&](const auto& g) { return groups.count(g); }))
        candidates.insert(id);
  for (const auto& id : candidates) {
    auto old_it = s.All<model::Port>().find(id);
    std::optional<model::Port> now = Now<model::Port>(s, c, id);
    std::vector<std::string> had, has;
    if (old_it != s.All<model::Port>().end()) had = before.CloudsFor(old_it->second);
    if (now) has = after.CloudsFor(*now);
    std::optional<model::GroupMember> record_before, record_now;
    if (old_it != s.All<model::Port>().end()) record_before = GroupMemberOf(old_it->second);
    if (now) record_now = GroupMemberOf(*now);
    for (const auto& cloud : has) {
      bool had_it = std::binary_search(had.begin(), had.end(), cloud);
      if (!had_it || !SameRecord(*record_before, *record_now))
        c.m.events.push_back({0, cloud, kGroupMemberKind, "upsert", id, nlohmann::json(*record_now)});
    }
    for (const auto& cloud : had)
      if (!std::binary_search(has.begin(), has.end(), cloud) && Now<model::Cloud>(s, c, cloud))
        c.m.events.push_back({0, cloud, kGroupMemberKind, "delete", id, nlohmann::json::object()});
  }
}

std::map<std::string, model::GroupMember> GroupMembersFor(const Store& s, const std::string& cloud) {
  static const Change kNothing;
  RemoteGroupNeeds needs(s, kNothing);
  std::map<std::string, model::GroupMember> out;
  for (const auto& [id, p] : s.All<model::Port>()) {
    auto clouds = needs.CloudsFor(p);
    if (std::binary_search(clouds.begin(), clouds.end(), cloud)) out.emplace(id, GroupMemberOf(p));
  }
  return out;
}

}  // namespace isthmus::central
