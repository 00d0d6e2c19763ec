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

void Count(std::map<std::string, GroupIndex::Counts>& m, const std::string& a, const std::string& b, int by) {
  m[a][b] += by;
}

// The counts of the index with a change's differences added (those at 0 or below dropped).
GroupIndex::Counts Overlay(const GroupIndex::Counts& base, const std::map<std::string, GroupIndex::Counts>& delta,
                           const std::string& key) {
  auto d = delta.find(key);
  if (d == delta.end()) return base;
  GroupIndex::Counts out = base;
  for (const auto& [id, by] : d->second)
    if ((out[id] += by) <= 0) out.erase(id);
  return out;
}

bool Contains(const std::vector<std::string>& sorted, const std::string& v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

}  // namespace

RemoteGroupNeeds::RemoteGroupNeeds(const Store& s, const Change* c) : s_(s), c_(c) {
  if (!c) return;
  for (const auto& [id, r] : c->Of<model::SecurityGroupRule>()) {
    if (auto old = s.All<model::SecurityGroupRule>().find(id);
        old != s.All<model::SecurityGroupRule>().end() && !old->second.remote_group_id.empty())
      Count(namers_delta_, old->second.remote_group_id, old->second.security_group_id, -1);
    if (r && !r->remote_group_id.empty()) Count(namers_delta_, r->remote_group_id, r->security_group_id, +1);
  }
  for (const auto& [id, p] : c->Of<model::Port>()) {
    if (auto old = s.All<model::Port>().find(id); old != s.All<model::Port>().end())
      for (const auto& g : old->second.security_groups) Count(networks_delta_, g, old->second.network_id, -1);
    if (p)
      for (const auto& g : p->security_groups) Count(networks_delta_, g, p->network_id, +1);
  }
}

std::vector<std::string> RemoteGroupNeeds::NetworkClouds(const std::string& network_id) const {
  static const Change kNothing;
  auto n = Now<model::Network>(s_, c_ ? *c_ : kNothing, network_id);
  return n ? n->clouds : std::vector<std::string>{};
}

const std::set<std::string>& RemoteGroupNeeds::Needing(const std::string& g) {
  if (auto it = needing_.find(g); it != needing_.end()) return it->second;
  std::set<std::string> clouds;
  for (const auto& [h, rules] : Overlay(s_.groups().Namers(g), namers_delta_, g))
    for (const auto& [network, members] : Overlay(s_.groups().MemberNetworks(h), networks_delta_, h))
      for (auto& cloud : NetworkClouds(network)) clouds.insert(std::move(cloud));
  return needing_[g] = std::move(clouds);
}

std::vector<std::string> RemoteGroupNeeds::CloudsFor(const model::Port& p) {
  std::set<std::string> out;
  for (const auto& g : p.security_groups) {
    const auto& needing = Needing(g);
    out.insert(needing.begin(), needing.end());
  }
  for (const auto& own : NetworkClouds(p.network_id)) out.erase(own);
  return {out.begin(), out.end()};
}

namespace {

// The groups whose needing clouds a change can alter: the remote groups of the
// rules it writes, those named by the groups of the ports it writes, and those
// named by the groups of the ports on a network whose clouds it changes (those
// ports are collected into `on_moved_networks`).
std::set<std::string> TouchedGroups(const Store& s, const Change& c, std::set<std::string>& on_moved_networks) {
  std::set<std::string> groups;
  auto named_by = [&](const model::Port& p) {
    for (const auto& h : p.security_groups)
      for (const auto& [g, n] : s.groups().Named(h)) groups.insert(g);
  };
  for (const auto& [id, r] : c.Of<model::SecurityGroupRule>()) {
    if (auto old = s.All<model::SecurityGroupRule>().find(id); old != s.All<model::SecurityGroupRule>().end())
      if (!old->second.remote_group_id.empty()) groups.insert(old->second.remote_group_id);
    if (r && !r->remote_group_id.empty()) groups.insert(r->remote_group_id);
  }
  // A rule the change writes also names its remote group from its group: the
  // ports of that group are covered by the rule's remote group above.
  for (const auto& [id, p] : c.Of<model::Port>()) {
    if (auto old = s.All<model::Port>().find(id); old != s.All<model::Port>().end()) named_by(old->second);
    if (p) named_by(*p);
  }
  for (const auto& [id, n] : c.Of<model::Network>()) {
    auto old = s.All<model::Network>().find(id);
    std::vector<std::string> before = old == s.All<model::Network>().end() ? std::vector<std::string>{} : old->second.clouds;
    std::vector<std::string> after = n ? n->clouds : std::vector<std::string>{};
    if (before == after) continue;
    for (const auto& port_id : s.Lists().Walk(Kind::kPort, IdSource{"network_id", {id}}, "", false, SIZE_MAX)) {
      on_moved_networks.insert(port_id);
      named_by(s.All<model::Port>().at(port_id));
    }
  }
  return groups;
}

}  // namespace

void AddGroupMemberEvents(const Store& s, Change& c) {
  if (c.Of<model::SecurityGroupRule>().empty() && c.Of<model::Port>().empty() && c.Of<model::Network>().empty())
    return;
  // The ports whose records can change: those the change writes, those on a
  // network whose clouds it changes, and the members (before and after) of
  // every group whose needing clouds changed.
  std::set<std::string> candidates;
  std::set<std::string> touched = TouchedGroups(s, c, candidates);
  for (const auto& [id, p] : c.Of<model::Port>()) candidates.insert(id);
  RemoteGroupNeeds before(s, nullptr), after(s, &c);
  for (const auto& g : touched)
    if (before.Needing(g) != after.Needing(g)) {
      const auto& members = s.groups().Members(g);
      candidates.insert(members.begin(), members.end());  // the change's own ports are in already
    }
  for (const auto& id : candidates) {
    auto old_it = s.All<model::Port>().find(id);
    const model::Port* old = old_it == s.All<model::Port>().end() ? nullptr : &old_it->second;
    std::optional<model::Port> now = Now<model::Port>(s, c, id);
    std::vector<std::string> had = old ? before.CloudsFor(*old) : std::vector<std::string>{};
    std::vector<std::string> has = now ? after.CloudsFor(*now) : std::vector<std::string>{};
    if (had.empty() && has.empty()) continue;
    bool changed = !old || !now || !SameRecord(GroupMemberOf(*old), GroupMemberOf(*now));
    for (const auto& cloud : has)
      if (changed || !Contains(had, cloud))
        c.m.events.push_back({0, cloud, kGroupMemberKind, "upsert", id, nlohmann::json(GroupMemberOf(*now))});
    for (const auto& cloud : had)
      if (!Contains(has, cloud) && Now<model::Cloud>(s, c, cloud))
        c.m.events.push_back({0, cloud, kGroupMemberKind, "delete", id, nlohmann::json::object()});
  }
}

std::map<std::string, model::GroupMember> GroupMembersFor(const Store& s, const std::string& cloud) {
  RemoteGroupNeeds needs(s, nullptr);
  std::map<std::string, model::GroupMember> out;
  s.groups().EachNamedGroup([&](const std::string& g) {
    if (!needs.Needing(g).count(cloud)) return;
    for (const auto& id : s.groups().Members(g)) {
      const model::Port& p = s.All<model::Port>().at(id);
      auto clouds = needs.CloudsFor(p);
      if (Contains(clouds, cloud)) out.emplace(id, GroupMemberOf(p));
    }
  });
  return out;
}

}  // namespace isthmus::central
