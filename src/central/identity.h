// Identity: the subset of Keystone v3 that isthmus's clients need. Projects,
// users and role assignments come from a JSON file holding password hashes and
// from Keystone's admin API (identity_admin.cc; stored in central's DB by
// IdentityStore, so replicas share them); docs/architecture.md, "Identity".
// POST /v3/auth/tokens with password authentication answers a random token
// (X-Subject-Token) and a catalog; DELETE revokes one. Tokens last 12 hours
// and, with a TokenStore, survive a restart of central (only their SHA-256 is
// stored). Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "central/identity_store.h"
#include "central/token_store.h"
#include "common/password_hash.h"
#include "common/status.h"

namespace isthmus::central {

struct Caller {
  std::string user_id, user_name;
  std::string project_id, project_name;
  std::vector<std::string> roles;
  bool admin = false;  // the "admin" role: sees and acts on every project
};

// The roles there are (Keystone's defaults); a role's id is its name.
inline const std::vector<std::string> kRoles = {"admin", "member", "reader"};

// Random bytes in a token (256 bits), base64url without padding: 43 characters.
inline constexpr size_t kTokenBytes = 32;

class Identity {
 public:
  // From the file's JSON: {"projects": [{"name", "id"?}], "users": [{"name",
  // "password_hash", "project", "roles": ["admin"|"member"|"reader"], "id"?}]}.
  // A plaintext "password" is refused, naming the user and `isthmus hash-password`.
  static Result<Identity> FromJson(const nlohmann::json& config);
  // The file must be private to its owner (no group/other permission bits).
  static Result<Identity> Load(const std::string& path);

  // Keeps tokens in store from now on and takes up the live ones it holds.
  // Without a store, tokens live in this process's memory only.
  Status UseTokenStore(std::unique_ptr<TokenStore> store);
  // Keeps what the admin API makes in store from now on and takes up what it
  // holds. Without one, the admin API's projects and users live in memory only.
  Status UseIdentityStore(std::unique_ptr<IdentityStore> store);
  // The PBKDF2 cost of the hashes the admin API makes (tests make them cheap).
  void set_password_iterations(int n) { password_iterations_ = n; }

  // POST /v3/auth/tokens: the token and the body Keystone answers with.
  // endpoint: central's own base URL ("http://127.0.0.1:9696"), for the catalog.
  struct Issued {
    std::string token;
    nlohmann::json body;
  };
  Result<Issued> IssueToken(const nlohmann::json& request, const std::string& endpoint);
  // The caller a token stands for; Unauthorized when unknown, revoked, expired,
  // its user or project is gone or disabled, its user has a new password since,
  // or has no role left on the project.
  Result<Caller> Validate(const std::string& token);
  // DELETE /v3/auth/tokens: by an admin or the token's own user (else
  // Forbidden); NotFound when the token is not valid.
  Status Revoke(const std::string& token, const Caller& by);

  // Keystone's admin API (identity_admin.cc). Entities from the identity file
  // are read-only (Forbidden); names are unique among projects and among users
  // (Conflict); unknown ids are NotFound. Deleting a project or a user removes
  // its role assignments and revokes its tokens.
  struct ProjectUpdate {
    std::optional<std::string> name, description;
    std::optional<bool> enabled;
  };
  struct UserUpdate {
    std::optional<std::string> name, password, default_project_id;
    std::optional<bool> enabled;
    nlohmann::json extra = nlohmann::json::object();  // merged into the user's
  };
  Result<IdentityProject> CreateProject(IdentityProject p);  // an empty id: a new one
  std::vector<IdentityProject> Projects();
  Result<IdentityProject> Project(const std::string& id);
  Result<IdentityProject> UpdateProject(const std::string& id, const ProjectUpdate& u);
  Status DeleteProject(const std::string& id);
  Result<IdentityUser> CreateUser(IdentityUser u, const std::string& password);
  std::vector<IdentityUser> Users();
  Result<IdentityUser> User(const std::string& id);
  Result<IdentityUser> UpdateUser(const std::string& id, const UserUpdate& u);
  Status DeleteUser(const std::string& id);
  // POST /v3/users/{id}/password: the user itself, knowing its password.
  Status ChangePassword(const std::string& user_id, const std::string& original, const std::string& password,
                        const Caller& by);
  Status Assign(const RoleAssignment& a);    // idempotent
  Status Unassign(const RoleAssignment& a);  // NotFound when not assigned
  std::vector<RoleAssignment> Assignments();

 private:
  struct Token {
    std::string user_id, project_id, credential;
    std::chrono::system_clock::time_point expires;
    std::chrono::system_clock::time_point checked{};  // last read from a shared store
  };
  // How long a token read from a store shared by replicas is trusted before it
  // is read again (a revocation through another replica takes effect then);
  // the directory a replica holds is read again as often.
  static constexpr std::chrono::seconds kSharedTokenRecheck{1};
  struct State {
    std::mutex mu;
    std::map<std::string, Token> by_hash;  // hex SHA-256 of the token -> token
    std::unique_ptr<TokenStore> store;    // null: memory only
    std::unique_ptr<IdentityStore> directory_store;  // null: memory only
    IdentityDirectory stored;  // what the admin API made
    std::chrono::steady_clock::time_point loaded{};
  };
  // Reads the stored directory again when replicas share it (always if force,
  // else when it was read more than kSharedTokenRecheck ago). mu held.
  Status RefreshLocked(State& s, bool force);
  const IdentityUser* UserLocked(const State& s, const std::string& name, const std::string& id) const;
  const IdentityProject* ProjectLocked(const State& s, const std::string& name, const std::string& id) const;
  std::vector<std::string> RolesLocked(const State& s, const std::string& user_id,
                                       const std::string& project_id) const;
  Result<Caller> CallerLocked(const State& s, const Token& t) const;
  // Forgets (and deletes from the store) every token of a user or of a project. mu held.
  Status RevokeAllLocked(State& s, const std::string& user_id, const std::string& project_id);
  Status CheckNamesLocked(const State& s, const std::string& project_name, const std::string& user_name,
                          const std::string& except_id) const;

  IdentityDirectory file_;  // from the identity file: read-only
  int password_iterations_ = kPasswordIterations;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace isthmus::central
