// The projects, users and role assignments Keystone's admin API makes
// (identity_admin.cc), and where they outlive a restart: three tables in
// central's DB (SQLite or PostgreSQL, where replicas share them), on a
// connection of its own. Schema: docs/architecture.md, "Central DB". Not
// thread-safe (Identity locks).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "common/sql.h"

namespace isthmus::central {

struct IdentityProject {
  std::string id, name, description;
  bool enabled = true;
  bool from_file = false;  // the identity file's: read-only through the API
};

struct IdentityUser {
  std::string id, name, password_hash;
  std::string default_project_id;  // "" for none
  nlohmann::json extra = nlohmann::json::object();  // email, description, ...: kept as Keystone keeps them
  bool enabled = true;
  bool from_file = false;
};

struct RoleAssignment {
  std::string project_id, user_id, role;
  auto operator<=>(const RoleAssignment&) const = default;
};

// Everything identity knows, by id.
struct IdentityDirectory {
  std::map<std::string, IdentityProject> projects;
  std::map<std::string, IdentityUser> users;
  std::set<RoleAssignment> assignments;
};

class IdentityStore {
 public:
  // location: what CentralDb::Open takes; makes the tables if they are missing.
  static Result<std::unique_ptr<IdentityStore>> Open(const std::string& location);
  Result<IdentityDirectory> Load();
  // Inserts or replaces by id; Conflict when another row has the name.
  Status PutProject(const IdentityProject& p);
  Status PutUser(const IdentityUser& u);
  // Deletes the row and the assignments on (of) it.
  Status DeleteProject(const std::string& id);
  Status DeleteUser(const std::string& id);
  Status Assign(const RoleAssignment& a);  // idempotent
  Status Unassign(const RoleAssignment& a);
  // PostgreSQL: replicas of central share the tables (docs/architecture.md, "Replicas").
  bool shared() const { return db_->dialect() == sql::Dialect::kPostgres; }

 private:
  explicit IdentityStore(std::unique_ptr<sql::Connection> db) : db_(std::move(db)) {}
  Status Put(const std::string& table, const std::string& id, const std::string& name, const std::string& body);
  Status Delete(const std::string& table, const std::string& column, const std::string& id);
  std::unique_ptr<sql::Connection> db_;
};

}  // namespace isthmus::central
