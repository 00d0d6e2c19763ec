#include "central/identity_api.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/http.h"

namespace isthmus::central {
namespace {

using nlohmann::json;
using Who = std::function<Caller(const httplib::Request&)>;
using BaseUrl = std::function<std::string(const HttpRequest&)>;

const char* Title(int code) {
  switch (code) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

// Keystone's error body: {"error": {"code", "message", "title"}}.
void WriteKeystoneError(httplib::Response& res, const Status& st) {
  int code = HttpStatusFor(st.code());
  WriteJson(res, code, {{"error", {{"code", code}, {"message", st.message()}, {"title", Title(code)}}}});
}

template <typename F>
void Answer(httplib::Response& res, int code, F&& make) {
  Result<json> r = make();
  if (!r.ok()) return WriteKeystoneError(res, r.status());
  if (code == 204) {
    res.status = 204;
    return;
  }
  WriteJson(res, code, *r);
}

Status AdminOnly(const Caller& c, const std::string& action) {
  if (c.admin) return Status::Ok();
  return Status(Code::kForbidden, "You are not authorized to perform the requested action: identity:" + action + ".");
}

// The object under key in a request body ({"project": {...}}), or a 400.
Result<json> Member(const HttpRequest& req, const std::string& key) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return body.status();
  if (!body->contains(key) || !(*body)[key].is_object())
    return InvalidArgument("Expecting to find " + key + " in request body: {\"" + key + "\": {...}}");
  return (*body)[key];
}

// A string, boolean or absent field of a request object; a 400 naming it otherwise.
Result<std::optional<std::string>> Text(const json& in, const std::string& kind, const std::string& key,
                                        bool nullable = false) {
  if (!in.contains(key) || (nullable && in[key].is_null())) return std::optional<std::string>();
  if (!in[key].is_string()) return InvalidArgument("Invalid input for field '" + kind + "." + key + "': not a string");
  return std::optional<std::string>(in[key].get<std::string>());
}
Result<std::optional<bool>> Flag(const json& in, const std::string& kind, const std::string& key) {
  if (!in.contains(key)) return std::optional<bool>();
  if (!in[key].is_boolean()) return InvalidArgument("Invalid input for field '" + kind + "." + key + "': not a boolean");
  return std::optional<bool>(in[key].get<bool>());
}

// Only the default domain exists.
Status DefaultDomain(const json& in, const std::string& kind) {
  for (const char* key : {"domain_id", "parent_id"})
    if (in.contains(key) && in[key] != "default")
      return InvalidArgument("Invalid input for field '" + kind + "." + key +
                             "': only the default domain exists on this central");
  if (in.contains("is_domain") && in["is_domain"] != false)
    return InvalidArgument("Invalid input for field '" + kind + ".is_domain': no domains can be made");
  return Status::Ok();
}

// Keeps the items whose field equals every query parameter of these names
// (Keystone's list filters; others are ignored).
json Filtered(const HttpRequest& req, const json& items) {
  json out = json::array();
  for (const auto& item : items) {
    bool keep = true;
    for (const char* key : {"name", "domain_id", "enabled", "default_project_id", "id"}) {
      if (!req.has_param(key)) continue;
      std::string want = req.get_param_value(key);
      const json& have = item.contains(key) ? item[key] : json();
      std::string text = have.is_string() ? have.get<std::string>() : have.dump();
      if (have.is_boolean()) std::transform(want.begin(), want.end(), want.begin(), ::tolower);
      keep = keep && text == want;
    }
    if (keep) out.push_back(item);
  }
  return out;
}

json Links(const std::string& self) { return {{"self", self}, {"previous", nullptr}, {"next", nullptr}}; }

json ProjectView(const IdentityProject& p, const std::string& base) {
  return {{"id", p.id}, {"name", p.name}, {"description", p.description}, {"domain_id", "default"},
          {"enabled", p.enabled}, {"parent_id", "default"}, {"is_domain", false}, {"tags", json::array()},
          {"options", json::object()}, {"links", {{"self", base + "/v3/projects/" + p.id}}}};
}

json UserView(const IdentityUser& u, const std::string& base) {
  json v = u.extra.is_object() ? u.extra : json::object();
  v.update({{"id", u.id}, {"name", u.name}, {"domain_id", "default"}, {"enabled", u.enabled},
            {"password_expires_at", nullptr}, {"options", json::object()},
            {"links", {{"self", base + "/v3/users/" + u.id}}}});
  if (!u.default_project_id.empty()) v["default_project_id"] = u.default_project_id;
  return v;
}

json RoleView(const std::string& r, const std::string& base) {
  return {{"id", r}, {"name", r}, {"domain_id", nullptr}, {"description", nullptr}, {"options", json::object()},
          {"links", {{"self", base + "/v3/roles/" + r}}}};
}

json DomainView(const std::string& base) {
  return {{"id", "default"}, {"name", "Default"}, {"description", "The default domain"}, {"enabled", true},
          {"tags", json::array()}, {"options", json::object()},
          {"links", {{"self", base + "/v3/domains/default"}}}};
}

Result<Identity::ProjectUpdate> ProjectFields(const json& in) {
  ISTHMUS_RETURN_IF_ERROR(DefaultDomain(in, "project"));
  Identity::ProjectUpdate u;
  auto name = Text(in, "project", "name");
  auto description = Text(in, "project", "description", true);
  auto enabled = Flag(in, "project", "enabled");
  if (!name.ok()) return name.status();
  if (!description.ok()) return description.status();
  if (!enabled.ok()) return enabled.status();
  u.name = *name;
  u.description = *description;
  u.enabled = *enabled;
  return u;
}

// A user's fields of a create or update body; the others are kept as Keystone keeps them.
Result<Identity::UserUpdate> UserFields(const json& in) {
  ISTHMUS_RETURN_IF_ERROR(DefaultDomain(in, "user"));
  Identity::UserUpdate u;
  auto name = Text(in, "user", "name");
  auto password = Text(in, "user", "password", true);
  auto project = Text(in, "user", "default_project_id", true);
  auto enabled = Flag(in, "user", "enabled");
  if (!name.ok()) return name.status();
  if (!password.ok()) return password.status();
  if (!project.ok()) return project.status();
  if (!enabled.ok()) return enabled.status();
  u.name = *name;
  u.password = *password;
  u.default_project_id = *project;
  u.enabled = *enabled;
  for (const auto& [k, v] : in.items())
    if (k != "name" && k != "password" && k != "default_project_id" && k != "enabled" && k != "domain_id" &&
        k != "id" && k != "links" && k != "options")
      u.extra[k] = v;
  return u;
}

void InstallProjectRoutes(HttpServer& server, Identity& id, const Who& who, const BaseUrl& base_url) {
  server.Post("/v3/projects", [&id, who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 201, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "create_project"));
      auto in = Member(req, "project");
      if (!in.ok()) return in.status();
      auto f = ProjectFields(*in);
      if (!f.ok()) return f.status();
      if (!f->name) return InvalidArgument("Invalid input for field 'project.name': 'name' is a required property");
      auto made = id.CreateProject({"", *f->name, f->description.value_or(""), f->enabled.value_or(true), false});
      if (!made.ok()) return made.status();
      return json{{"project", ProjectView(*made, base_url(req))}};
    });
  });
  server.Get("/v3/projects", [&id, who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "list_projects"));
      json list = json::array();
      for (const auto& p : id.Projects()) list.push_back(ProjectView(p, base_url(req)));
      return json{{"projects", Filtered(req, list)}, {"links", Links(base_url(req) + "/v3/projects")}};
    });
  });
  server.Get(R"(/v3/projects/([^/]+))", [&id, who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      Caller c = who(req);
      if (c.project_id != req.matches[1]) ISTHMUS_RETURN_IF_ERROR(AdminOnly(c, "get_project"));
      auto p = id.Project(req.matches[1]);
      if (!p.ok()) return p.status();
      return json{{"project", ProjectView(*p, base_url(req))}};
    });
  });
  server.Patch(R"(/v3/projects/([^/]+))", [&id, who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "update_project"));
      auto in = Member(req, "project");
      if (!in.ok()) return in.status();
      auto f = ProjectFields(*in);
      if (!f.ok()) return f.status();
      auto p = id.UpdateProject(req.matches[1], *f);
      if (!p.ok()) return p.status();
      return json{{"project", ProjectView(*p, base_url(req))}};
    });
  });
  server.Delete(R"(/v3/projects/([^/]+))", [&id, who](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 204, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "delete_project"));
      ISTHMUS_RETURN_IF_ERROR(id.DeleteProject(req.matches[1]));
      return json();
    });
  });
}

void InstallUserRoutes(HttpServer& server, Identity& id, const Who& who, const BaseUrl& base_url) {
  server.Post("/v3/users", [&id, who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 201, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "create_user"));
      auto in = Member(req, "user");
      if (!in.ok()) return in.status();
      auto f = UserFields(*in);
      if (!f.ok()) return f.status();
      if (!f->name) return InvalidArgument("Invalid input for field 'user.name': 'name' is a required property");
      IdentityUser u{"", *f->name, "", f->default_project_id.value_or(""), f->extra, f->enabled.value_or(true), false};
      auto made = id.CreateUser(u, f->password.value_or(""));
      if (!made.ok()) return made.status();
      return json{{"user", UserView(*made, base_url(req))}};
    });
  });
  server.Get("/v3/users", [&id, who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "list_users"));
      json list = json::array();
      for (const auto& u : id.Users()) list.push_back(UserView(u, base_url(req)));
      return json{{"users", Filtered(req, list)}, {"links", Links(base_url(req) + "/v3/users")}};
    });
  });
  server.Get(R"(/v3/users/([^/]+))", [&id, who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      Caller c = who(req);
      if (c.user_id != req.matches[1]) ISTHMUS_RETURN_IF_ERROR(AdminOnly(c, "get_user"));
      auto u = id.User(req.matches[1]);
      if (!u.ok()) return u.status();
      return json{{"user", UserView(*u, base_url(req))}};
    });
  });
  server.Patch(R"(/v3/users/([^/]+))", [&id, who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "update_user"));
      auto in = Member(req, "user");
      if (!in.ok()) return in.status();
      auto f = UserFields(*in);
      if (!f.ok()) return f.status();
      auto u = id.UpdateUser(req.matches[1], *f);
      if (!u.ok()) return u.status();
      return json{{"user", UserView(*u, base_url(req))}};
    });
  });
  server.Delete(R"(/v3/users/([^/]+))", [&id, who](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 204, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "delete_user"));
      ISTHMUS_RETURN_IF_ERROR(id.DeleteUser(req.matches[1]));
      return json();
    });
  });
  // Self-service, as Keystone: the user itself, with its current password.
  server.Post(R"(/v3/users/([^/]+)/password)", [&id, who](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 204, [&]() -> Result<json> {
      auto in = Member(req, "user");
      if (!in.ok()) return in.status();
      auto original = Text(*in, "user", "original_password");
      auto password = Text(*in, "user", "password");
      if (!original.ok()) return original.status();
      if (!password.ok()) return password.status();
      if (!*original || !*password)
        return InvalidArgument("Expecting {\"user\": {\"password\": ..., \"original_password\": ...}}");
      ISTHMUS_RETURN_IF_ERROR(id.ChangePassword(req.matches[1], **original, **password, who(req)));
      return json();
    });
  });
  server.Get(R"(/v3/users/([^/]+)/projects)", [&id, who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      Caller c = who(req);
      if (c.user_id != req.matches[1]) ISTHMUS_RETURN_IF_ERROR(AdminOnly(c, "list_user_projects"));
      auto u = id.User(req.matches[1]);
      if (!u.ok()) return u.status();
      std::set<std::string> mine;
      for (const auto& a : id.Assignments())
        if (a.user_id == u->id) mine.insert(a.project_id);
      json list = json::array();
      for (const auto& p : id.Projects())
        if (mine.count(p.id)) list.push_back(ProjectView(p, base_url(req)));
      return json{{"projects", Filtered(req, list)}, {"links", Links(base_url(req) + req.path)}};
    });
  });
}

void InstallRoleRoutes(HttpServer& server, Identity& id, const Who& who, const BaseUrl& base_url) {
  server.Get("/v3/roles", [who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "list_roles"));
      json list = json::array();
      for (const auto& r : kRoles) list.push_back(RoleView(r, base_url(req)));
      return json{{"roles", Filtered(req, list)}, {"links", Links(base_url(req) + "/v3/roles")}};
    });
  });
  server.Get(R"(/v3/roles/([^/]+))", [who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "get_role"));
      if (std::find(kRoles.begin(), kRoles.end(), req.matches[1].str()) == kRoles.end())
        return NotFound("Could not find role: " + req.matches[1].str() + ".");
      return json{{"role", RoleView(req.matches[1], base_url(req))}};
    });
  });
  // The roles are fixed: an existing name is a 409 (tempest then uses it), another is refused.
  server.Post("/v3/roles", [who](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 201, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "create_role"));
      auto in = Member(req, "role");
      if (!in.ok()) return in.status();
      std::string name = in->value("name", "");
      if (std::find(kRoles.begin(), kRoles.end(), name) != kRoles.end())
        return Conflict("Conflict occurred attempting to store role - Duplicate entry found with name " + name + ".");
      return Status(Code::kForbidden, "the roles are fixed on this central: admin, member and reader");
    });
  });
  const std::string grant = R"(/v3/projects/([^/]+)/users/([^/]+)/roles/([^/]+))";
  auto assignment = [](const HttpRequest& req) {
    return RoleAssignment{req.matches[1], req.matches[2], req.matches[3]};
  };
  server.Put(grant, [&id, who, assignment](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 204, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "create_grant"));
      ISTHMUS_RETURN_IF_ERROR(id.Assign(assignment(req)));
      return json();
    });
  });
  server.Delete(grant, [&id, who, assignment](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 204, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "revoke_grant"));
      ISTHMUS_RETURN_IF_ERROR(id.Unassign(assignment(req)));
      return json();
    });
  });
  server.Get(grant, [&id, who, assignment](const HttpRequest& req, httplib::Response& res) {  // and HEAD
    Answer(res, 204, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "check_grant"));
      auto all = id.Assignments();
      if (std::find(all.begin(), all.end(), assignment(req)) == all.end())
        return NotFound("Could not find role assignment with role: " + req.matches[3].str() + ".");
      return json();
    });
  });
  server.Get(R"(/v3/projects/([^/]+)/users/([^/]+)/roles)", [&id, who, base_url](const HttpRequest& req,
                                                                                 httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "list_grants"));
      ISTHMUS_RETURN_IF_ERROR(id.Project(req.matches[1]).status());
      ISTHMUS_RETURN_IF_ERROR(id.User(req.matches[2]).status());
      json list = json::array();
      for (const auto& a : id.Assignments())
        if (a.project_id == req.matches[1] && a.user_id == req.matches[2]) list.push_back(RoleView(a.role, base_url(req)));
      return json{{"roles", list}, {"links", Links(base_url(req) + req.path)}};
    });
  });
}

void InstallAssignmentAndDomainRoutes(HttpServer& server, Identity& id, const Who& who, const BaseUrl& base_url) {
  server.Get("/v3/role_assignments", [&id, who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "list_role_assignments"));
      auto wants = [&](const char* key, const std::string& have) {
        return !req.has_param(key) || req.get_param_value(key) == have;
      };
      // With ?include_names (the CLI's --names), as Keystone: names and domains too.
      const bool names = req.has_param("include_names") && req.get_param_value("include_names") != "false" &&
                         req.get_param_value("include_names") != "0";
      std::map<std::string, std::string> user_names, project_names;
      for (const auto& u : id.Users()) user_names[u.id] = u.name;
      for (const auto& p : id.Projects()) project_names[p.id] = p.name;
      const json domain = {{"id", "default"}, {"name", "Default"}};
      auto named = [&](json ref, const std::map<std::string, std::string>& by_id, bool with_domain) {
        if (!names) return ref;
        auto it = by_id.find(ref["id"]);
        ref["name"] = it == by_id.end() ? ref["id"].get<std::string>() : it->second;
        if (with_domain) ref["domain"] = domain;
        return ref;
      };
      std::map<std::string, std::string> role_names;
      for (const auto& r : kRoles) role_names[r] = r;
      json list = json::array();
      for (const auto& a : id.Assignments())
        if (wants("user.id", a.user_id) && wants("scope.project.id", a.project_id) && wants("role.id", a.role))
          list.push_back({{"role", named({{"id", a.role}}, role_names, false)},
                          {"user", named({{"id", a.user_id}}, user_names, true)},
                          {"scope", {{"project", named({{"id", a.project_id}}, project_names, true)}}},
                          {"links", {{"assignment", base_url(req) + "/v3/projects/" + a.project_id + "/users/" +
                                                        a.user_id + "/roles/" + a.role}}}});
      return json{{"role_assignments", list}, {"links", Links(base_url(req) + "/v3/role_assignments")}};
    });
  });
  // Only the default domain: every project and user is in it.
  server.Get("/v3/domains", [who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "list_domains"));
      return json{{"domains", Filtered(req, json::array({DomainView(base_url(req))}))},
                  {"links", Links(base_url(req) + "/v3/domains")}};
    });
  });
  server.Get(R"(/v3/domains/([^/]+))", [who, base_url](const HttpRequest& req, httplib::Response& res) {
    Answer(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(AdminOnly(who(req), "get_domain"));
      if (req.matches[1] != "default") return NotFound("Could not find domain: " + req.matches[1].str() + ".");
      return json{{"domain", DomainView(base_url(req))}};
    });
  });
}

}  // namespace

void InstallKeystoneAdminRoutes(HttpServer& server, Identity& identity, std::function<Caller(const httplib::Request&)> who,
                                std::function<std::string(const HttpRequest&)> base_url) {
  InstallProjectRoutes(server, identity, who, base_url);
  InstallUserRoutes(server, identity, who, base_url);
  InstallRoleRoutes(server, identity, who, base_url);
  InstallAssignmentAndDomainRoutes(server, identity, who, base_url);
}

}  // namespace isthmus::central
