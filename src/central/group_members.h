// Remote group members a cloud cannot see: a port's record (model::GroupMember)
// for the clouds that enforce a rule whose remote group is one of its groups
// but do not receive the port (its network is absent there). Which clouds need
// each record, and the upserts and deletes a change makes necessary, from the
// Store's group index (group_index.h): a change costs what it touches, not a
// scan of every port and rule.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "central/resource_store.h"
#include "model/resources.h"

namespace isthmus::central {

// The event kind of a group member record (not a kind of the store: a record
// is a projection of its port, with no row of its own).
inline constexpr char kGroupMemberKind[] = "groupmember";

// What a port contributes to its groups in other clouds.
model::GroupMember GroupMemberOf(const model::Port& p);

// Which clouds need which records in one state: the store as it is (change
// nullptr) or overlaid with a change. Group G is needed by the clouds of the
// networks holding a member of a group H with a rule whose remote group is G.
class RemoteGroupNeeds {
 public:
  RemoteGroupNeeds(const Store& s, const Change* c);
  // The clouds that need group g's members (memoized).
  const std::set<std::string>& Needing(const std::string& g);
  // The clouds that need the record of port p: those needing one of its
  // groups' members, less those that receive the port itself. Sorted.
  std::vector<std::string> CloudsFor(const model::Port& p);

 private:
  std::vector<std::string> NetworkClouds(const std::string& network_id) const;
  const Store& s_;
  const Change* c_;
  // The change's rules and ports as differences to the index's counts.
  std::map<std::string, GroupIndex::Counts> namers_delta_, networks_delta_;
  std::map<std::string, std::set<std::string>> needing_;
};

// Adds to c the record events its writes make necessary: an upsert to each
// cloud that newly needs a port's record (or needs it and the record changed),
// a delete to each existing cloud that no longer does. Called once per change,
// before it is merged (Federation::Apply).
void AddGroupMemberEvents(const Store& s, Change& c);

// The records a cloud needs now (a snapshot's "groupmember" kind), by port id.
std::map<std::string, model::GroupMember> GroupMembersFor(const Store& s, const std::string& cloud);

}  // namespace isthmus::central
