// Remote group members a cloud cannot see: a port's record (model::GroupMember)
// for the clouds that enforce a rule whose remote group is one of its groups
// but do not receive the port (its network is absent there). Which clouds need
// each record, and the upserts and deletes a change makes necessary.
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

// Which clouds need which records, as the store overlaid with a change holds
// them: group G -> the clouds with a member port (on a network there) of a
// group H that has a rule whose remote group is G.
class RemoteGroupNeeds {
 public:
  RemoteGroupNeeds(const Store& s, const Change& c);
  // The clouds that need the record of port p: those needing one of its
  // groups' members, less those that receive the port itself. Sorted.
  std::vector<std::string> CloudsFor(const model::Port& p) const;
  // Groups whose set of needing clouds differs between two states.
  static std::set<std::string> Differing(const RemoteGroupNeeds& a, const RemoteGroupNeeds& b);

 private:
  const Store& s_;
  const Change& c_;
  std::map<std::string, std::set<std::string>> clouds_needing_;  // remote group -> clouds
};

// Adds to c the record events its writes make necessary: an upsert to each
// cloud that newly needs a port's record (or needs it and the record changed),
// a delete to each existing cloud that no longer does. Called once per change,
// before it is merged (Federation::Apply).
void AddGroupMemberEvents(const Store& s, Change& c);

// The records a cloud needs now (a snapshot's "groupmember" kind), by port id.
std::map<std::string, model::GroupMember> GroupMembersFor(const Store& s, const std::string& cloud);

}  // namespace isthmus::central
