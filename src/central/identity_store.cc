#include "central/identity_store.h"

namespace isthmus::central {

using nlohmann::json;

Result<std::unique_ptr<IdentityStore>> IdentityStore::Open(const std::string& location) {
  auto db = sql::Connect(location);
  if (!db.ok()) return db.status();
  ISTHMUS_RETURN_IF_ERROR((*db)->Exec(
      "CREATE TABLE IF NOT EXISTS identity_projects (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
      "body TEXT NOT NULL);\n"
      "CREATE TABLE IF NOT EXISTS identity_users (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
      "body TEXT NOT NULL);\n"
      "CREATE TABLE IF NOT EXISTS identity_assignments (project_id TEXT NOT NULL, user_id TEXT NOT NULL, "
      "role TEXT NOT NULL, PRIMARY KEY (project_id, user_id, role));\n"));
  return std::unique_ptr<IdentityStore>(new IdentityStore(std::move(*db)));
}

Result<IdentityDirectory> IdentityStore::Load() {
  IdentityDirectory d;
  Status st = db_->Transaction([&]() -> Status {
    auto projects = db_->Prepare("SELECT id, name, body FROM identity_projects");
    while (projects->Step()) {
      json b = json::parse(projects->Text(2), nullptr, false);
      if (!b.is_object()) return Internal("identity_projects: row " + projects->Text(0) + " is not JSON");
      d.projects[projects->Text(0)] = {projects->Text(0), projects->Text(1), b.value("description", ""),
                                       b.value("enabled", true), false};
    }
    ISTHMUS_RETURN_IF_ERROR(projects->status());
    auto users = db_->Prepare("SELECT id, name, body FROM identity_users");
    while (users->Step()) {
      json b = json::parse(users->Text(2), nullptr, false);
      if (!b.is_object()) return Internal("identity_users: row " + users->Text(0) + " is not JSON");
      IdentityUser u{users->Text(0), users->Text(1), b.value("password_hash", ""), b.value("default_project_id", ""),
                     b.value("extra", json::object()), b.value("enabled", true), false};
      d.users[u.id] = std::move(u);
    }
    ISTHMUS_RETURN_IF_ERROR(users->status());
    auto roles = db_->Prepare("SELECT project_id, user_id, role FROM identity_assignments");
    while (roles->Step()) d.assignments.insert({roles->Text(0), roles->Text(1), roles->Text(2)});
    return roles->status();
  });
  if (!st.ok()) return st;
  return d;
}

Status IdentityStore::Put(const std::string& table, const std::string& id, const std::string& name,
                          const std::string& body) {
  auto q = db_->Prepare("INSERT INTO " + table + " (id, name, body) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE "
                        "SET name = excluded.name, body = excluded.body");
  q->Bind(1, id).Bind(2, name).Bind(3, body);
  q->Step();
  return q->status();
}

Status IdentityStore::PutProject(const IdentityProject& p) {
  return Put("identity_projects", p.id, p.name, json{{"description", p.description}, {"enabled", p.enabled}}.dump());
}

Status IdentityStore::PutUser(const IdentityUser& u) {
  return Put("identity_users", u.id, u.name,
             json{{"password_hash", u.password_hash}, {"default_project_id", u.default_project_id},
                  {"extra", u.extra}, {"enabled", u.enabled}}
                 .dump());
}

Status IdentityStore::Delete(const std::string& table, const std::string& column, const std::string& id) {
  return db_->Transaction([&]() -> Status {
    auto roles = db_->Prepare("DELETE FROM identity_assignments WHERE " + column + " = ?");
    roles->Bind(1, id);
    roles->Step();
    ISTHMUS_RETURN_IF_ERROR(roles->status());
    auto row = db_->Prepare("DELETE FROM " + table + " WHERE id = ?");
    row->Bind(1, id);
    row->Step();
    return row->status();
  });
}

Status IdentityStore::DeleteProject(const std::string& id) { return Delete("identity_projects", "project_id", id); }
Status IdentityStore::DeleteUser(const std::string& id) { return Delete("identity_users", "user_id", id); }

Status IdentityStore::Assign(const RoleAssignment& a) {
  auto q = db_->Prepare("INSERT INTO identity_assignments (project_id, user_id, role) VALUES (?, ?, ?) "
                        "ON CONFLICT DO NOTHING");
  q->Bind(1, a.project_id).Bind(2, a.user_id).Bind(3, a.role);
  q->Step();
  return q->status();
}

Status IdentityStore::Unassign(const RoleAssignment& a) {
  auto q = db_->Prepare("DELETE FROM identity_assignments WHERE project_id = ? AND user_id = ? AND role = ?");
  q->Bind(1, a.project_id).Bind(2, a.user_id).Bind(3, a.role);
  q->Step();
  return q->status();
}

}  // namespace isthmus::central
