// Identity's part of Keystone's admin API: projects, users and role
// assignments made at run time (identity.h). Every change is written to the
// IdentityStore first, then to memory; on PostgreSQL the directory is read
// again before each change, so a name another replica took is refused.
#include <algorithm>

#include "central/federation.h"
#include "central/identity.h"
#include "common/crypto.h"

namespace isthmus::central {
namespace {

Status ReadOnly(const std::string& what) {
  return Status(Code::kForbidden, what + " is defined in central's identity file and cannot be changed through the API");
}

Status CheckName(const std::string& kind, const std::string& name) {
  if (name.empty() || name.size() > 255)
    return InvalidArgument("Invalid input for field '" + kind + ".name': a name of 1 to 255 characters is required");
  return Status::Ok();
}

// Keystone's ids: 32 hex digits.
std::string NewKeystoneId() {
  std::string uuid = NewUuid();
  uuid.erase(std::remove(uuid.begin(), uuid.end(), '-'), uuid.end());
  return uuid;
}

template <typename T>
std::vector<T> Merged(const std::map<std::string, T>& a, const std::map<std::string, T>& b) {
  std::vector<T> out;
  for (const auto& [_, v] : a) out.push_back(v);
  for (const auto& [_, v] : b) out.push_back(v);
  return out;
}

}  // namespace

Status Identity::CheckNamesLocked(const State& s, const std::string& project_name, const std::string& user_name,
                                  const std::string& except_id) const {
  if (!project_name.empty())
    if (const IdentityProject* p = ProjectLocked(s, project_name, ""); p && p->id != except_id)
      return Conflict("Conflict occurred attempting to store project - it is not permitted to have two projects "
                      "with the same name in the same domain : " + project_name + ".");
  if (!user_name.empty())
    if (const IdentityUser* u = UserLocked(s, user_name, ""); u && u->id != except_id)
      return Conflict("Conflict occurred attempting to store user - Duplicate entry found with name " + user_name +
                      " at domain ID default.");
  return Status::Ok();
}

Result<IdentityProject> Identity::CreateProject(IdentityProject p) {
  ISTHMUS_RETURN_IF_ERROR(CheckName("project", p.name));
  std::lock_guard<std::mutex> lock(state_->mu);
  State& s = *state_;
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(s, true));
  if (p.id.empty()) p.id = NewKeystoneId();
  if (ProjectLocked(s, "", p.id)) return Conflict("Duplicate ID, " + p.id + ".");
  ISTHMUS_RETURN_IF_ERROR(CheckNamesLocked(s, p.name, "", ""));
  p.from_file = false;
  if (s.directory_store) ISTHMUS_RETURN_IF_ERROR(s.directory_store->PutProject(p));
  s.stored.projects[p.id] = p;
  return p;
}

std::vector<IdentityProject> Identity::Projects() {
  std::lock_guard<std::mutex> lock(state_->mu);
  (void)RefreshLocked(*state_, false);  // a failed read answers what this replica holds
  return Merged(file_.projects, state_->stored.projects);
}

Result<IdentityProject> Identity::Project(const std::string& id) {
  std::lock_guard<std::mutex> lock(state_->mu);
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(*state_, false));
  const IdentityProject* p = ProjectLocked(*state_, "", id);
  if (!p) return NotFound("Could not find project: " + id + ".");
  return *p;
}

Result<IdentityProject> Identity::UpdateProject(const std::string& id, const ProjectUpdate& u) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State& s = *state_;
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(s, true));
  const IdentityProject* found = ProjectLocked(s, "", id);
  if (!found) return NotFound("Could not find project: " + id + ".");
  if (found->from_file) return ReadOnly("project " + found->name);
  IdentityProject p = *found;
  if (u.name) {
    ISTHMUS_RETURN_IF_ERROR(CheckName("project", *u.name));
    ISTHMUS_RETURN_IF_ERROR(CheckNamesLocked(s, *u.name, "", id));
    p.name = *u.name;
  }
  if (u.description) p.description = *u.description;
  if (u.enabled) p.enabled = *u.enabled;
  if (s.directory_store) ISTHMUS_RETURN_IF_ERROR(s.directory_store->PutProject(p));
  s.stored.projects[id] = p;
  return p;
}

Status Identity::DeleteProject(const std::string& id) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State& s = *state_;
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(s, true));
  const IdentityProject* p = ProjectLocked(s, "", id);
  if (!p) return NotFound("Could not find project: " + id + ".");
  if (p->from_file) return ReadOnly("project " + p->name);
  if (s.directory_store) ISTHMUS_RETURN_IF_ERROR(s.directory_store->DeleteProject(id));
  s.stored.projects.erase(id);
  std::erase_if(s.stored.assignments, [&](const RoleAssignment& a) { return a.project_id == id; });
  return RevokeAllLocked(s, "", id);
}

Result<IdentityUser> Identity::CreateUser(IdentityUser u, const std::string& password) {
  ISTHMUS_RETURN_IF_ERROR(CheckName("user", u.name));
  if (password.empty()) return InvalidArgument("Invalid input for field 'user.password': a password is required");
  auto hash = HashPassword(password, password_iterations_);  // outside the lock: it costs 0.15 s
  if (!hash.ok()) return hash.status();
  std::lock_guard<std::mutex> lock(state_->mu);
  State& s = *state_;
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(s, true));
  if (u.id.empty()) u.id = NewKeystoneId();
  if (UserLocked(s, "", u.id)) return Conflict("Duplicate ID, " + u.id + ".");
  ISTHMUS_RETURN_IF_ERROR(CheckNamesLocked(s, "", u.name, ""));
  if (!u.default_project_id.empty() && !ProjectLocked(s, "", u.default_project_id))
    return InvalidArgument("Could not find project: " + u.default_project_id + ".");
  u.password_hash = *hash;
  u.from_file = false;
  if (s.directory_store) ISTHMUS_RETURN_IF_ERROR(s.directory_store->PutUser(u));
  s.stored.users[u.id] = u;
  return u;
}

std::vector<IdentityUser> Identity::Users() {
  std::lock_guard<std::mutex> lock(state_->mu);
  (void)RefreshLocked(*state_, false);  // a failed read answers what this replica holds
  return Merged(file_.users, state_->stored.users);
}

Result<IdentityUser> Identity::User(const std::string& id) {
  std::lock_guard<std::mutex> lock(state_->mu);
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(*state_, false));
  const IdentityUser* u = UserLocked(*state_, "", id);
  if (!u) return NotFound("Could not find user: " + id + ".");
  return *u;
}

Result<IdentityUser> Identity::UpdateUser(const std::string& id, const UserUpdate& up) {
  std::optional<std::string> hash;
  if (up.password) {
    if (up.password->empty()) return InvalidArgument("Invalid input for field 'user.password': it is empty");
    auto h = HashPassword(*up.password, password_iterations_);
    if (!h.ok()) return h.status();
    hash = *h;
  }
  std::lock_guard<std::mutex> lock(state_->mu);
  State& s = *state_;
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(s, true));
  const IdentityUser* found = UserLocked(s, "", id);
  if (!found) return NotFound("Could not find user: " + id + ".");
  if (found->from_file) return ReadOnly("user " + found->name);
  IdentityUser u = *found;
  if (up.name) {
    ISTHMUS_RETURN_IF_ERROR(CheckName("user", *up.name));
    ISTHMUS_RETURN_IF_ERROR(CheckNamesLocked(s, "", *up.name, id));
    u.name = *up.name;
  }
  if (up.default_project_id) {
    if (!up.default_project_id->empty() && !ProjectLocked(s, "", *up.default_project_id))
      return InvalidArgument("Could not find project: " + *up.default_project_id + ".");
    u.default_project_id = *up.default_project_id;
  }
  if (up.enabled) u.enabled = *up.enabled;
  if (hash) u.password_hash = *hash;  // its tokens end: their credential no longer matches
  for (const auto& [k, v] : up.extra.items()) u.extra[k] = v;
  if (s.directory_store) ISTHMUS_RETURN_IF_ERROR(s.directory_store->PutUser(u));
  s.stored.users[id] = u;
  return u;
}

Status Identity::DeleteUser(const std::string& id) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State& s = *state_;
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(s, true));
  const IdentityUser* u = UserLocked(s, "", id);
  if (!u) return NotFound("Could not find user: " + id + ".");
  if (u->from_file) return ReadOnly("user " + u->name);
  if (s.directory_store) ISTHMUS_RETURN_IF_ERROR(s.directory_store->DeleteUser(id));
  s.stored.users.erase(id);
  std::erase_if(s.stored.assignments, [&](const RoleAssignment& a) { return a.user_id == id; });
  return RevokeAllLocked(s, id, "");
}

Status Identity::ChangePassword(const std::string& user_id, const std::string& original, const std::string& password,
                                const Caller& by) {
  if (by.user_id != user_id) return Status(Code::kForbidden, "only the user itself may change its password");
  auto u = User(user_id);
  if (!u.ok()) return u.status();
  if (u->from_file) return ReadOnly("user " + u->name);
  if (!VerifyPassword(u->password_hash, original))
    return Status(Code::kUnauthorized, "The request you have made requires authentication.");
  UserUpdate up;
  up.password = password;
  auto changed = UpdateUser(user_id, up);
  return changed.ok() ? Status::Ok() : changed.status();
}

Status Identity::Assign(const RoleAssignment& a) {
  if (std::find(kRoles.begin(), kRoles.end(), a.role) == kRoles.end())
    return NotFound("Could not find role: " + a.role + ".");
  std::lock_guard<std::mutex> lock(state_->mu);
  State& s = *state_;
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(s, true));
  if (!ProjectLocked(s, "", a.project_id)) return NotFound("Could not find project: " + a.project_id + ".");
  if (!UserLocked(s, "", a.user_id)) return NotFound("Could not find user: " + a.user_id + ".");
  if (file_.assignments.count(a) || s.stored.assignments.count(a)) return Status::Ok();
  if (s.directory_store) ISTHMUS_RETURN_IF_ERROR(s.directory_store->Assign(a));
  s.stored.assignments.insert(a);
  return Status::Ok();
}

Status Identity::Unassign(const RoleAssignment& a) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State& s = *state_;
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(s, true));
  if (file_.assignments.count(a)) return ReadOnly("the role " + a.role + " of user " + a.user_id);
  if (!s.stored.assignments.count(a))
    return NotFound("Could not find role assignment with role: " + a.role + ", user or group: " + a.user_id +
                    ", project, domain, or system: " + a.project_id + ".");
  if (s.directory_store) ISTHMUS_RETURN_IF_ERROR(s.directory_store->Unassign(a));
  s.stored.assignments.erase(a);  // a token on the project without a role left is refused (CallerLocked)
  return Status::Ok();
}

std::vector<RoleAssignment> Identity::Assignments() {
  std::lock_guard<std::mutex> lock(state_->mu);
  (void)RefreshLocked(*state_, false);  // a failed read answers what this replica holds
  std::vector<RoleAssignment> out(file_.assignments.begin(), file_.assignments.end());
  out.insert(out.end(), state_->stored.assignments.begin(), state_->stored.assignments.end());
  return out;
}

}  // namespace isthmus::central
