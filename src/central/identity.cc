#include "central/identity.h"

#include <ctime>
#include <fstream>
#include <iomanip>
#include <random>
#include <sstream>

namespace isthmus::central {
namespace {

using nlohmann::json;
constexpr auto kTokenLifetime = std::chrono::hours(12);

std::string RandomHex(int bytes) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::ostringstream out;
  for (int i = 0; i < bytes; i += 8) out << std::hex << std::setw(16) << std::setfill('0') << rng();
  return out.str().substr(0, 2 * bytes);
}

std::string IsoTime(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
  return buf;
}

// {"name"?, "id"?, "domain"?}: the name or id asked for.
std::pair<std::string, std::string> NameOrId(const json& j) {
  std::string name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "";
  std::string id = j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : "";
  return {name, id};
}

json Domain() { return {{"id", "default"}, {"name", "Default"}}; }

}  // namespace

Result<Identity> Identity::FromJson(const json& config) {
  Identity id;
  if (!config.is_object() || !config.contains("projects") || !config["projects"].is_array() ||
      !config.contains("users") || !config["users"].is_array())
    return InvalidArgument("identity: expected {\"projects\": [...], \"users\": [...]}");
  for (const auto& p : config["projects"]) {
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string() || p["name"].get<std::string>().empty())
      return InvalidArgument("identity: every project needs a name");
    std::string name = p["name"];
    std::string pid = p.value("id", name);
    if (id.project_ids_.count(name)) return InvalidArgument("identity: project " + name + " twice");
    id.project_ids_[name] = pid;
  }
  std::set<std::string> names;
  for (const auto& u : config["users"]) {
    if (!u.is_object()) return InvalidArgument("identity: every user must be an object");
    IdentityUser user;
    user.name = u.value("name", "");
    user.password = u.value("password", "");
    user.project = u.value("project", "");
    user.id = u.value("id", user.name);
    if (user.name.empty() || user.password.empty())
      return InvalidArgument("identity: every user needs a name and a password");
    if (!names.insert(user.name).second) return InvalidArgument("identity: user " + user.name + " twice");
    if (!id.project_ids_.count(user.project))
      return InvalidArgument("identity: user " + user.name + " is in unknown project '" + user.project + "'");
    if (!u.contains("roles") || !u["roles"].is_array() || u["roles"].empty())
      return InvalidArgument("identity: user " + user.name + " needs roles (admin, member)");
    for (const auto& r : u["roles"]) {
      if (!r.is_string() || (r != "admin" && r != "member"))
        return InvalidArgument("identity: user " + user.name + ": roles are admin and member");
      user.roles.push_back(r);
    }
    id.users_.push_back(user);
  }
  if (id.users_.empty()) return InvalidArgument("identity: no users");
  return id;
}

Result<Identity> Identity::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read identity file " + path);
  auto j = json::parse(in, nullptr, false);
  if (j.is_discarded()) return InvalidArgument("identity file " + path + " is not JSON");
  auto id = FromJson(j);
  if (!id.ok()) return InvalidArgument(path + ": " + id.status().message());
  return id;
}

Result<Identity::Issued> Identity::IssueToken(const json& req, const std::string& endpoint) {
  auto unauthorized = [] { return Status(Code::kUnauthorized, "The request you have made requires authentication."); };
  if (!req.is_object() || !req.contains("auth") || !req["auth"].is_object())
    return InvalidArgument("Expecting to find auth in request body");
  const json& auth = req["auth"];
  const json identity = auth.value("identity", json::object());
  const json methods = identity.value("methods", json::array());
  if (!methods.is_array() || std::find(methods.begin(), methods.end(), "password") == methods.end())
    return InvalidArgument("only the password method is supported");
  const json user_req = identity.value("password", json::object()).value("user", json::object());
  if (!user_req.is_object()) return InvalidArgument("Expecting to find user in password");
  auto [uname, uid] = NameOrId(user_req);
  std::string password = user_req.contains("password") && user_req["password"].is_string()
                             ? user_req["password"].get<std::string>()
                             : "";
  const IdentityUser* user = nullptr;
  for (const auto& u : users_)
    if ((!uname.empty() && u.name == uname) || (!uid.empty() && u.id == uid)) user = &u;
  if (!user || password.empty() || user->password != password) return unauthorized();

  std::string project = user->project;
  if (auth.contains("scope") && auth["scope"].is_object() && auth["scope"].contains("project")) {
    auto [pname, pid] = NameOrId(auth["scope"]["project"]);
    std::string wanted = pname;
    if (wanted.empty())
      for (const auto& [n, i] : project_ids_)
        if (i == pid) wanted = n;
    if (wanted != user->project) return unauthorized();  // a user has roles in its own project only
  }
  Caller c{user->id, user->name, project_ids_.at(project), project, user->roles, false};
  for (const auto& r : c.roles) c.admin |= r == "admin";
  auto now = std::chrono::system_clock::now();
  Token t{c, now + kTokenLifetime};
  std::string token = "isth" + RandomHex(32);
  {
    std::lock_guard<std::mutex> lock(*mu_);
    for (auto it = tokens_->begin(); it != tokens_->end();)
      it = it->second.expires < now ? tokens_->erase(it) : std::next(it);
    (*tokens_)[token] = t;
  }
  json roles = json::array();
  for (const auto& r : c.roles) roles.push_back({{"id", r}, {"name", r}});
  auto endpoints = [&](const std::string& url) {
    json out = json::array();
    for (const char* iface : {"public", "internal", "admin"})
      out.push_back({{"id", RandomHex(16)}, {"interface", iface}, {"region", "RegionOne"},
                     {"region_id", "RegionOne"}, {"url", url}});
    return out;
  };
  json body = {
      {"token",
       {{"methods", {"password"}},
        {"user", {{"id", c.user_id}, {"name", c.user_name}, {"domain", Domain()}, {"password_expires_at", nullptr}}},
        {"project", {{"id", c.project_id}, {"name", c.project_name}, {"domain", Domain()}}},
        {"roles", roles},
        {"is_domain", false},
        {"issued_at", IsoTime(now)},
        {"expires_at", IsoTime(now + kTokenLifetime)},
        {"audit_ids", {RandomHex(11)}},
        {"catalog",
         {{{"type", "network"}, {"name", "neutron"}, {"id", "isthmus-network"}, {"endpoints", endpoints(endpoint)}},
          {{"type", "identity"}, {"name", "keystone"}, {"id", "isthmus-identity"},
           {"endpoints", endpoints(endpoint + "/v3")}}}}}}};
  return Issued{token, body};
}

Result<Caller> Identity::Validate(const std::string& token) {
  std::lock_guard<std::mutex> lock(*mu_);
  auto it = tokens_->find(token);
  if (it == tokens_->end() || it->second.expires < std::chrono::system_clock::now())
    return Status(Code::kUnauthorized, "The request you have made requires authentication.");
  return it->second.caller;
}

}  // namespace isthmus::central
