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

// A user of the identity file, with its roles on its project (by the project's name).
struct FileUser {
  IdentityUser user;
  std::string project;
  std::vector<std::string> roles;
};

Result<FileUser> UserFromJson(const json& u, const std::map<std::string, std::string>& projects) {
  if (!u.is_object()) return InvalidArgument("identity: every user must be an object");
  FileUser f;
  IdentityUser& user = f.user;
  auto text = [&](const char* key, const std::string& fallback) {
    return u.contains(key) && u[key].is_string() ? u[key].get<std::string>() : fallback;
  };
  user.name = text("name", "");
  user.password_hash = text("password_hash", "");
  f.project = text("project", "");
  user.id = text("id", user.name);
  user.from_file = true;
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
  if (!projects.count(f.project))
    return InvalidArgument("identity: user " + user.name + " is in unknown project '" + f.project + "'");
  user.default_project_id = projects.at(f.project);
  if (!u.contains("roles") || !u["roles"].is_array() || u["roles"].empty())
    return InvalidArgument("identity: user " + user.name + " needs roles (admin, member, reader)");
  for (const auto& r : u["roles"]) {
    if (!r.is_string() || std::find(kRoles.begin(), kRoles.end(), r.get<std::string>()) == kRoles.end())
      return InvalidArgument("identity: user " + user.name + ": roles are admin, member and reader");
    f.roles.push_back(r);
  }
  return f;
}

}  // namespace

Result<Identity> Identity::FromJson(const json& config) {
  Identity id;
  if (!config.is_object() || !config.contains("projects") || !config["projects"].is_array() ||
      !config.contains("users") || !config["users"].is_array())
    return InvalidArgument("identity: expected {\"projects\": [...], \"users\": [...]}");
  std::map<std::string, std::string> project_ids;  // name -> id
  for (const auto& p : config["projects"]) {
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string() || p["name"].get<std::string>().empty())
      return InvalidArgument("identity: every project needs a name");
    std::string name = p["name"];
    std::string pid = p.contains("id") && p["id"].is_string() ? p["id"].get<std::string>() : name;
    if (project_ids.count(name)) return InvalidArgument("identity: project " + name + " twice");
    if (id.file_.projects.count(pid)) return InvalidArgument("identity: project id " + pid + " twice");
    project_ids[name] = pid;
    id.file_.projects[pid] = {pid, name, "", true, true};
  }
  std::set<std::string> names;
  for (const auto& u : config["users"]) {
    auto f = UserFromJson(u, project_ids);
    if (!f.ok()) return f.status();
    if (!names.insert(f->user.name).second) return InvalidArgument("identity: user " + f->user.name + " twice");
    if (id.file_.users.count(f->user.id)) return InvalidArgument("identity: user id " + f->user.id + " twice");
    for (const auto& r : f->roles) id.file_.assignments.insert({project_ids.at(f->project), f->user.id, r});
    id.file_.users[f->user.id] = std::move(f->user);
  }
  if (id.file_.users.empty()) return InvalidArgument("identity: no users");
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
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->store = std::move(store);
  for (const auto& t : *live)
    state_->by_hash[t.hash] = {t.user_id, t.project_id, t.credential, Clock::from_time_t(t.expires_at), Clock::now()};
  return Status::Ok();
}

Status Identity::UseIdentityStore(std::unique_ptr<IdentityStore> store) {
  auto d = store->Load();
  if (!d.ok()) return d.status();
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->directory_store = std::move(store);
  state_->stored = std::move(*d);
  state_->loaded = std::chrono::steady_clock::now();
  return Status::Ok();
}

Status Identity::RefreshLocked(State& s, bool force) {
  if (!s.directory_store || !s.directory_store->shared()) return Status::Ok();
  auto now = std::chrono::steady_clock::now();
  if (!force && now - s.loaded < kSharedTokenRecheck) return Status::Ok();
  auto d = s.directory_store->Load();
  if (!d.ok()) return d.status();
  s.stored = std::move(*d);
  s.loaded = now;
  return Status::Ok();
}

const IdentityUser* Identity::UserLocked(const State& s, const std::string& name, const std::string& id) const {
  for (const auto* d : {&file_, &s.stored}) {
    if (!id.empty()) {
      auto it = d->users.find(id);
      if (it != d->users.end() && (name.empty() || it->second.name == name)) return &it->second;
      continue;
    }
    for (const auto& [_, u] : d->users)
      if (!name.empty() && u.name == name) return &u;
  }
  return nullptr;
}

const IdentityProject* Identity::ProjectLocked(const State& s, const std::string& name, const std::string& id) const {
  for (const auto* d : {&file_, &s.stored}) {
    if (!id.empty()) {
      auto it = d->projects.find(id);
      if (it != d->projects.end() && (name.empty() || it->second.name == name)) return &it->second;
      continue;
    }
    for (const auto& [_, p] : d->projects)
      if (!name.empty() && p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> Identity::RolesLocked(const State& s, const std::string& user_id,
                                               const std::string& project_id) const {
  std::vector<std::string> out;
  for (const auto& r : kRoles)
    if (file_.assignments.count({project_id, user_id, r}) || s.stored.assignments.count({project_id, user_id, r}))
      out.push_back(r);
  return out;
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
  std::string hash = kDummyHash;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    ISTHMUS_RETURN_IF_ERROR(RefreshLocked(*state_, /*force=*/true));  // a user another replica just made
    if (const IdentityUser* user = UserLocked(*state_, uname, uid)) hash = user->password_hash;
  }
  bool match = VerifyPassword(hash, password);  // outside the lock: it costs 0.15 s
  if (hash == kDummyHash || password.empty() || !match) return Unauthorized();

  auto secret = crypto::RandomBytes(kTokenBytes);
  auto audit = crypto::RandomBytes(16);
  if (!secret.ok()) return secret.status();
  if (!audit.ok()) return audit.status();
  std::string token = crypto::Base64(*secret, /*url=*/true);
  auto now = Clock::now();
  Result<Caller> caller = Unauthorized();
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    const IdentityUser* user = UserLocked(*state_, uname, uid);
    if (!user || user->password_hash != hash) return Unauthorized();  // gone or changed meanwhile
    // The project asked for, else the user's default one; the user needs a role on it.
    const IdentityProject* project = nullptr;
    if (auth.contains("scope") && auth["scope"].is_object() && auth["scope"].contains("project")) {
      auto [pname, pid] = NameOrId(auth["scope"]["project"]);
      project = ProjectLocked(*state_, pname, pid);
    } else if (!user->default_project_id.empty()) {
      project = ProjectLocked(*state_, "", user->default_project_id);
    }
    if (!project) return Unauthorized();
    Token t{user->id, project->id, crypto::Sha256Hex(user->password_hash), now + kTokenLifetime, now};
    caller = CallerLocked(*state_, t);
    if (!caller.ok()) return caller.status();
    std::string token_hash = crypto::Sha256Hex(token);
    if (state_->store)
      ISTHMUS_RETURN_IF_ERROR(state_->store->Add(
          {token_hash, t.user_id, t.project_id, t.credential, Seconds(now), Seconds(t.expires)}));
    auto& m = state_->by_hash;
    for (auto it = m.begin(); it != m.end();) it = it->second.expires <= now ? m.erase(it) : std::next(it);
    m[token_hash] = t;
  }
  return Issued{token, TokenBody(*caller, now, endpoint, crypto::Base64(*audit, true))};
}

Result<Caller> Identity::CallerLocked(const State& s, const Token& t) const {
  const IdentityUser* user = UserLocked(s, "", t.user_id);
  if (!user || !user->enabled || crypto::Sha256Hex(user->password_hash) != t.credential) return Unauthorized();
  const IdentityProject* project = ProjectLocked(s, "", t.project_id);
  if (!project || !project->enabled) return Unauthorized();
  Caller c{user->id, user->name, project->id, project->name, RolesLocked(s, user->id, project->id), false};
  if (c.roles.empty()) return Unauthorized();  // no role left on the project
  for (const auto& r : c.roles) c.admin |= r == "admin";
  return c;
}

Result<Caller> Identity::Validate(const std::string& token) {
  if (token.empty()) return Unauthorized();
  std::string hash = crypto::Sha256Hex(token);
  std::lock_guard<std::mutex> lock(state_->mu);
  const auto now = Clock::now();
  auto it = state_->by_hash.find(hash);
  if (it != state_->by_hash.end() && it->second.expires <= now) return Unauthorized();
  const bool shared = state_->store && state_->store->shared();
  ISTHMUS_RETURN_IF_ERROR(RefreshLocked(*state_, /*force=*/false));
  if (it != state_->by_hash.end() && (!shared || now - it->second.checked < kSharedTokenRecheck))
    return CallerLocked(*state_, it->second);
  // Replicas of central share the table (docs/architecture.md, "Replicas"):
  // a token another replica issued is found there, and one revoked there
  // is gone from it (seen here within kSharedTokenRecheck).
  if (!shared) return Unauthorized();
  auto row = state_->store->Find(hash, Seconds(now));
  if (!row.ok()) return row.status();
  if (!*row) {
    state_->by_hash.erase(hash);
    return Unauthorized();
  }
  const StoredToken& r = **row;
  Token& t = state_->by_hash[hash] = {r.user_id, r.project_id, r.credential, Clock::from_time_t(r.expires_at), now};
  if (UserLocked(*state_, "", t.user_id) == nullptr || ProjectLocked(*state_, "", t.project_id) == nullptr)
    ISTHMUS_RETURN_IF_ERROR(RefreshLocked(*state_, /*force=*/true));  // made by another replica just now
  return CallerLocked(*state_, t);
}

Status Identity::Revoke(const std::string& token, const Caller& by) {
  auto subject = Validate(token);
  if (!subject.ok()) return NotFound("Could not find token: the X-Subject-Token is not a valid token");
  if (!by.admin && subject->user_id != by.user_id)
    return Status(Code::kForbidden, "only an admin or the token's own user may revoke it");
  std::string hash = crypto::Sha256Hex(token);
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->store) {
    auto removed = state_->store->Remove(hash);
    if (!removed.ok()) return removed.status();
  }
  state_->by_hash.erase(hash);
  return Status::Ok();
}

Status Identity::RevokeAllLocked(State& s, const std::string& user_id, const std::string& project_id) {
  if (s.store) ISTHMUS_RETURN_IF_ERROR(s.store->RemoveOf(user_id, project_id));
  for (auto it = s.by_hash.begin(); it != s.by_hash.end();) {
    bool of = (!user_id.empty() && it->second.user_id == user_id) ||
              (!project_id.empty() && it->second.project_id == project_id);
    it = of ? s.by_hash.erase(it) : std::next(it);
  }
  return Status::Ok();
}

}  // namespace isthmus::central
