#include "central/identity.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <set>

#include "common/crypto.h"
#include "common/password_hash.h"
#include "common/secret_file.h"

namespace isthmus::central {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;
constexpr auto kTokenLifetime = std::chrono::hours(12);

// Verified when the user is unknown, so a wrong name costs what a wrong
// password costs and the answer's timing does not tell which users exist.
constexpr char kDummyHash[] =
    "pbkdf2-sha256$600000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
static_assert(kPasswordIterations == 600000, "keep kDummyHash's cost equal to a real hash's");

Status Unauthorized() { return Status(Code::kUnauthorized, "The request you have made requires authentication."); }

std::string IsoTime(Clock::time_point t) {
  std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
  return buf;
}

int64_t Seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// {"name"?, "id"?, "domain"?}: the name or id asked for.
std::pair<std::string, std::string> NameOrId(const json& j) {
  if (!j.is_object()) return {"", ""};
  std::string name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "";
  std::string id = j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : "";
  return {name, id};
}

json Domain() { return {{"id", "default"}, {"name", "Default"}}; }

// The body Keystone answers a token issue with: who, where, until when, and the catalog.
json TokenBody(const Caller& c, Clock::time_point now, const std::string& endpoint, const std::string& audit_id) {
  json roles = json::array();
  for (const auto& r : c.roles) roles.push_back({{"id", r}, {"name", r}});
  auto endpoints = [&](const std::string& service, const std::string& url) {
    json out = json::array();
    for (const char* iface : {"public", "internal", "admin"})
      out.push_back({{"id", service + "-" + iface}, {"interface", iface}, {"region", "RegionOne"},
                     {"region_id", "RegionOne"}, {"url", url}});
    return out;
  };
  return {{"token",
           {{"methods", {"password"}},
            {"user", {{"id", c.user_id}, {"name", c.user_name}, {"domain", Domain()}, {"password_expires_at", nullptr}}},
            {"project", {{"id", c.project_id}, {"name", c.project_name}, {"domain", Domain()}}},
            {"roles", roles},
            {"is_domain", false},
            {"issued_at", IsoTime(now)},
            {"expires_at", IsoTime(now + kTokenLifetime)},
            {"audit_ids", {audit_id}},
            {"catalog",
             {{{"type", "network"}, {"name", "neutron"}, {"id", "isthmus-network"},
               {"endpoints", endpoints("isthmus-network", endpoint)}},
              {{"type", "identity"}, {"name", "keystone"}, {"id", "isthmus-identity"},
               {"endpoints", endpoints("isthmus-identity", endpoint + "/v3")}}}}}}};
}

Result<IdentityUser> UserFromJson(const json& u, const std::map<std::string, std::string>& projects) {
  if (!u.is_object()) return InvalidArgument("identity: every user must be an object");
  IdentityUser user;
  auto text = [&](const char* key, const std::string& fallback) {
    return u.contains(key) && u[key].is_string() ? u[key].get<std::string>() : fallback;
  };
  user.name = text("name", "");
  user.password_hash = text("password_hash", "");
  user.project = text("project", "");
  user.id = text("id", user.name);
  if (user.name.empty()) return InvalidArgument("identity: every user needs a name");
  if (u.contains("password"))
    return InvalidArgument("identity: user " + user.name +
                           " has a plaintext \"password\"; store its hash in \"password_hash\" instead "
                           "(`isthmus hash-password` reads the password on stdin and prints the hash)");
  if (user.password_hash.empty())
    return InvalidArgument("identity: user " + user.name +
                           " needs a \"password_hash\" (make one with `isthmus hash-password`)");
  if (Status st = CheckPasswordHash(user.password_hash); !st.ok())
    return InvalidArgument("identity: user " + user.name + ": " + st.message());
  if (!projects.count(user.project))
    return InvalidArgument("identity: user " + user.name + " is in unknown project '" + user.project + "'");
  if (!u.contains("roles") || !u["roles"].is_array() || u["roles"].empty())
    return InvalidArgument("identity: user " + user.name + " needs roles (admin, member)");
  for (const auto& r : u["roles"]) {
    if (!r.is_string() || (r != "admin" && r != "member"))
      return InvalidArgument("identity: user " + user.name + ": roles are admin and member");
    user.roles.push_back(r);
  }
  return user;
}

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
    std::string pid = p.contains("id") && p["id"].is_string() ? p["id"].get<std::string>() : name;
    if (id.project_ids_.count(name)) return InvalidArgument("identity: project " + name + " twice");
    id.project_ids_[name] = pid;
  }
  std::set<std::string> names, ids;
  for (const auto& u : config["users"]) {
    auto user = UserFromJson(u, id.project_ids_);
    if (!user.ok()) return user.status();
    if (!names.insert(user->name).second) return InvalidArgument("identity: user " + user->name + " twice");
    if (!ids.insert(user->id).second) return InvalidArgument("identity: user id " + user->id + " twice");
    id.users_.push_back(std::move(*user));
  }
  if (id.users_.empty()) return InvalidArgument("identity: no users");
  return id;
}

Result<Identity> Identity::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read identity file " + path);
  ISTHMUS_RETURN_IF_ERROR(CheckSecretFile(path, "password hashes"));
  auto j = json::parse(in, nullptr, false);
  if (j.is_discarded()) return InvalidArgument("identity file " + path + " is not JSON");
  auto id = FromJson(j);
  if (!id.ok()) return InvalidArgument(path + ": " + id.status().message());
  return id;
}

Status Identity::UseTokenStore(std::unique_ptr<TokenStore> store) {
  auto live = store->Live(Seconds(Clock::now()));
  if (!live.ok()) return live.status();
  std::lock_guard<std::mutex> lock(tokens_->mu);
  tokens_->store = std::move(store);
  for (const auto& t : *live)
    tokens_->by_hash[t.hash] = {t.user_id, t.project_id, t.credential, Clock::from_time_t(t.expires_at), Clock::now()};
  return Status::Ok();
}

const IdentityUser* Identity::FindUser(const std::string& name, const std::string& id) const {
  for (const auto& u : users_)
    if ((!name.empty() && u.name == name) || (!id.empty() && u.id == id)) return &u;
  return nullptr;
}

Result<Identity::Issued> Identity::IssueToken(const json& req, const std::string& endpoint) {
  if (!req.is_object() || !req.contains("auth") || !req["auth"].is_object())
    return InvalidArgument("Expecting to find auth in request body");
  const json& auth = req["auth"];
  const json identity = auth.value("identity", json::object());
  const json methods = identity.is_object() ? identity.value("methods", json::array()) : json::array();
  if (!methods.is_array() || std::find(methods.begin(), methods.end(), "password") == methods.end())
    return InvalidArgument("only the password method is supported");
  const json password_req = identity.value("password", json::object());
  const json user_req = password_req.is_object() ? password_req.value("user", json::object()) : json();
  if (!user_req.is_object()) return InvalidArgument("Expecting to find user in password");
  auto [uname, uid] = NameOrId(user_req);
  std::string password = user_req.contains("password") && user_req["password"].is_string()
                             ? user_req["password"].get<std::string>()
                             : "";
  const IdentityUser* user = FindUser(uname, uid);
  bool match = VerifyPassword(user ? user->password_hash : kDummyHash, password);
  if (!user || password.empty() || !match) return Unauthorized();

  if (auth.contains("scope") && auth["scope"].is_object() && auth["scope"].contains("project")) {
    auto [pname, pid] = NameOrId(auth["scope"]["project"]);
    std::string wanted = pname;
    if (wanted.empty())
      for (const auto& [n, i] : project_ids_)
        if (i == pid) wanted = n;
    if (wanted != user->project) return Unauthorized();  // a user has roles in its own project only
  }
  auto secret = crypto::RandomBytes(kTokenBytes);
  auto audit = crypto::RandomBytes(16);
  if (!secret.ok()) return secret.status();
  if (!audit.ok()) return audit.status();
  std::string token = crypto::Base64(*secret, /*url=*/true);
  auto now = Clock::now();
  Token t{user->id, project_ids_.at(user->project), crypto::Sha256Hex(user->password_hash), now + kTokenLifetime, now};
  std::string hash = crypto::Sha256Hex(token);
  {
    std::lock_guard<std::mutex> lock(tokens_->mu);
    if (tokens_->store)
      ISTHMUS_RETURN_IF_ERROR(tokens_->store->Add(
          {hash, t.user_id, t.project_id, t.credential, Seconds(now), Seconds(t.expires)}));
    auto& m = tokens_->by_hash;
    for (auto it = m.begin(); it != m.end();) it = it->second.expires <= now ? m.erase(it) : std::next(it);
    m[hash] = t;
  }
  auto caller = CallerOf(t);
  if (!caller.ok()) return caller.status();
  return Issued{token, TokenBody(*caller, now, endpoint, crypto::Base64(*audit, true))};
}

Result<Caller> Identity::CallerOf(const Token& t) const {
  const IdentityUser* user = FindUser("", t.user_id);
  if (!user || crypto::Sha256Hex(user->password_hash) != t.credential) return Unauthorized();
  auto project = project_ids_.find(user->project);
  if (project == project_ids_.end() || project->second != t.project_id) return Unauthorized();
  Caller c{user->id, user->name, project->second, user->project, user->roles, false};
  for (const auto& r : c.roles) c.admin |= r == "admin";
  return c;
}

Result<Caller> Identity::Validate(const std::string& token) {
  if (token.empty()) return Unauthorized();
  std::string hash = crypto::Sha256Hex(token);
  Token t;
  {
    std::lock_guard<std::mutex> lock(tokens_->mu);
    const auto now = Clock::now();
    auto it = tokens_->by_hash.find(hash);
    if (it != tokens_->by_hash.end() && it->second.expires <= now) return Unauthorized();
    const bool shared = tokens_->store && tokens_->store->shared();
    if (it != tokens_->by_hash.end() && (!shared || now - it->second.checked < kSharedTokenRecheck)) {
      t = it->second;
    } else {
      // Replicas of central share the table (docs/architecture.md, "Replicas"):
      // a token another replica issued is found there, and one revoked there
      // is gone from it (seen here within kSharedTokenRecheck).
      if (!shared) return Unauthorized();
      auto row = tokens_->store->Find(hash, Seconds(now));
      if (!row.ok()) return row.status();
      if (!*row) {
        tokens_->by_hash.erase(hash);
        return Unauthorized();
      }
      const StoredToken& r = **row;
      t = tokens_->by_hash[hash] = {r.user_id, r.project_id, r.credential, Clock::from_time_t(r.expires_at), now};
    }
  }
  return CallerOf(t);
}

Status Identity::Revoke(const std::string& token, const Caller& by) {
  auto subject = Validate(token);
  if (!subject.ok()) return NotFound("Could not find token: the X-Subject-Token is not a valid token");
  if (!by.admin && subject->user_id != by.user_id)
    return Status(Code::kForbidden, "only an admin or the token's own user may revoke it");
  std::string hash = crypto::Sha256Hex(token);
  std::lock_guard<std::mutex> lock(tokens_->mu);
  if (tokens_->store) {
    auto removed = tokens_->store->Remove(hash);
    if (!removed.ok()) return removed.status();
  }
  tokens_->by_hash.erase(hash);
  return Status::Ok();
}

}  // namespace isthmus::central
