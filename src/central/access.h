// Who may see and use what (Neutron's default policy, reduced to isthmus's
// resources): an admin sees and acts on every project; a member sees its own
// project's resources and the external networks (not their subnets), creates
// only in its own project, attaches only its own networks, subnets and ports,
// and may not bind ports to hosts. What a caller may not see does not exist for
// it (404); what it sees but does not own, it may not change or attach (403).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "central/identity.h"
#include "central/service.h"

namespace isthmus::central {

// kind: a Neutron kind's name (network, ..., securitygroup, securitygrouprule); item: the model JSON.
bool Visible(Service& s, const Caller& c, const std::string& kind, const nlohmann::json& item);
// The resource `id` of `kind` as the caller may use it in a request: 404 when
// it cannot see it, 403 when it may see but not use it (use_shared: external
// networks may be used, e.g. as a router gateway or floating IP pool).
Status MayUse(Service& s, const Caller& c, const std::string& kind, const std::string& id,
              bool use_shared = false);
// Sets the body's project to the caller's, or checks the one it names: only an
// admin creates for another project.
Status StampProject(const Caller& c, nlohmann::json& body, const std::string& resource);
// A port body's security_groups: a member names only groups it sees (404 otherwise).
Status MayUseGroups(Service& s, const Caller& c, const nlohmann::json& port);
// A floating IP's port_id, as Neutron checks it: 404 when there is no such
// port, 400 when it is another project's (the caller is no admin).
Status MayAssociatePort(Service& s, const Caller& c, const std::string& port_id);
// What a delete the caller may do (MayUse) still needs: a member may not
// delete its project's default security group (409, as Neutron).
Status CheckDelete(Service& s, const Caller& c, const std::string& kind, const std::string& id);
// The checks a create or an update (PUT) of a Neutron kind needs beyond its
// own project, for a caller who is no admin: one overload per kind that has
// any (MayCreate / MayUpdate in access.cc; a new kind has none until it
// declares them).
Status CheckCreate(Service& s, const Caller& c, Kind kind, const nlohmann::json& body);
Status CheckUpdate(Service& s, const Caller& c, Kind kind, const nlohmann::json& body);

}  // namespace isthmus::central
