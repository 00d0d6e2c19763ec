// Keystone's admin API on central (identity_api.h): what tempest's dynamic
// credentials do (a project, a user, a role on the project, a token scoped to
// it that works on the Neutron API), admin-only calls, Keystone's codes and
// bodies, durability across a restart, revocation by deleting, replicas on
// PostgreSQL; and Neutron's availability zones (availability_zones.h).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <optional>
#include <thread>

#include "central/api.h"
#include "central/availability_zones.h"
#include "central/identity.h"
#include "central/test_db.h"
#include "central/test_http.h"
#include "central/test_identity.h"
#include "common/http_server.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

json FileUsers() {
  return {{"projects", {{{"name", "admin"}}, {{"name", "demo"}}}},
          {"users",
           {{{"name", "admin"}, {"password_hash", TestHash("a")}, {"project", "admin"}, {"roles", {"admin"}}},
            {{"name", "demo"}, {"password_hash", TestHash("d")}, {"project", "demo"}, {"roles", {"member"}}}}}};
}

json Auth(const std::string& user, const std::string& password, const std::string& project = "") {
  json a = {{"auth", {{"identity", {{"methods", {"password"}},
                                    {"password", {{"user", {{"name", user}, {"domain", {{"name", "Default"}}},
                                                            {"password", password}}}}}}}}}};
  if (!project.empty()) a["auth"]["scope"] = {{"project", {{"name", project}, {"domain", {{"name", "Default"}}}}}};
  return a;
}

// A central as it starts: identity from the file, tokens and the admin API's
// directory in the test's DB.
std::unique_ptr<Identity> StartIdentity(const std::string& db) {
  auto id = Identity::FromJson(FileUsers());
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  auto out = std::make_unique<Identity>(std::move(*id));
  out->set_password_iterations(kMinPasswordIterations);
  auto tokens = TokenStore::Open(db);
  auto directory = IdentityStore::Open(db);
  EXPECT_TRUE(tokens.ok() && directory.ok());
  EXPECT_TRUE(out->UseTokenStore(std::move(*tokens)).ok());
  EXPECT_TRUE(out->UseIdentityStore(std::move(*directory)).ok());
  return out;
}

class KeystoneAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    s_ = std::move(*Service::Create(db_.location(), {1000, 1999}));
    identity_ = StartIdentity(db_.location());
    pusher_ = std::make_unique<Pusher>(*s_);
    InstallRoutes(server_, *s_, *pusher_, identity_.get(), "http://central");
    port_ = *server_.Bind("127.0.0.1", 0);
    thread_ = std::thread([&] { server_.Run(); });
    admin_ = Token("admin", "a");
    demo_ = Token("demo", "d");
    ASSERT_EQ(Call(admin_, "POST", "/v2.0/clouds", {{"cloud", {{"name", "c1"}, {"endpoint", "http://127.0.0.1:1"}}}}).first,
              201);
  }
  void TearDown() override {
    server_.Stop();
    thread_.join();
  }
  std::string Token(const std::string& user, const std::string& password, const std::string& project = "") {
    return TokenFromLoopback(port_, Auth(user, password, project));
  }
  std::pair<int, json> Call(const std::string& token, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return CallLoopback(port_, token, method, path, body);
  }
  // As tempest's dynamic credentials: a project, a user without one, the role on it.
  std::pair<std::string, std::string> ProjectAndUser(const std::string& name, const std::string& role) {
    auto [pc, p] = Call(admin_, "POST", "/v3/projects",
                        {{"project", {{"name", name}, {"description", name + "-desc"}, {"domain_id", "default"}}}});
    EXPECT_EQ(pc, 201) << p.dump();
    auto [uc, u] = Call(admin_, "POST", "/v3/users",
                        {{"user", {{"name", name + "-user"}, {"password", "pw-" + name}, {"domain_id", "default"}}}});
    EXPECT_EQ(uc, 201) << u.dump();
    if (pc != 201 || uc != 201) return {"", ""};
    std::string pid = p["project"]["id"], uid = u["user"]["id"];
    EXPECT_EQ(Call(admin_, "PUT", "/v3/projects/" + pid + "/users/" + uid + "/roles/" + role).first, 204);
    return {pid, uid};
  }

  TestDb db_{"keystone"};
  std::unique_ptr<Service> s_;
  std::unique_ptr<Identity> identity_;
  std::unique_ptr<Pusher> pusher_;
  HttpServer server_;
  std::thread thread_;
  int port_ = 0;
  std::string admin_, demo_;
};

TEST_F(KeystoneAdminTest, DynamicCredentialsGetATokenThatWorksOnTheNeutronApi) {
  auto [dc, domains] = Call(admin_, "GET", "/v3/domains?name=Default");
  ASSERT_EQ(dc, 200) << domains.dump();
  ASSERT_EQ(domains["domains"].size(), 1u);
  EXPECT_EQ(domains["domains"][0]["id"], "default");
  auto [rc, roles] = Call(admin_, "GET", "/v3/roles");
  ASSERT_EQ(rc, 200);
  std::set<std::string> names;
  for (const auto& r : roles["roles"]) names.insert(r["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"admin", "member", "reader"}));

  auto [pid, uid] = ProjectAndUser("tempest-1", "member");
  ASSERT_FALSE(pid.empty());
  std::string token = Token("tempest-1-user", "pw-tempest-1", "tempest-1");
  ASSERT_FALSE(token.empty());
  auto [nc, net] = Call(token, "POST", "/v2.0/networks", {{"network", {{"name", "n"}, {"availability_zone_hints", {"c1"}}}}});
  ASSERT_EQ(nc, 201) << net.dump();
  EXPECT_EQ(net["network"]["project_id"], pid);
  EXPECT_EQ(Call(token, "GET", "/v2.0/networks/" + net["network"]["id"].get<std::string>()).first, 200);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks/" + net["network"]["id"].get<std::string>()).first, 404);
  EXPECT_EQ(Call(token, "GET", "/v2.0/quotas").first, 403);  // a member, not an admin

  auto [ac, assignments] = Call(admin_, "GET", "/v3/role_assignments?user.id=" + uid);
  ASSERT_EQ(ac, 200);
  ASSERT_EQ(assignments["role_assignments"].size(), 1u);
  EXPECT_EQ(assignments["role_assignments"][0]["scope"]["project"]["id"], pid);
  EXPECT_EQ(Call(admin_, "HEAD", "/v3/projects/" + pid + "/users/" + uid + "/roles/member").first, 204);
  EXPECT_EQ(Call(admin_, "HEAD", "/v3/projects/" + pid + "/users/" + uid + "/roles/admin").first, 404);

  // A reader reads its project and changes nothing.
  auto [rpid, ruid] = ProjectAndUser("tempest-3", "reader");
  std::string reader = Token("tempest-3-user", "pw-tempest-3", "tempest-3");
  ASSERT_FALSE(reader.empty());
  EXPECT_EQ(Call(reader, "GET", "/v2.0/networks").first, 200);
  EXPECT_EQ(Call(reader, "POST", "/v2.0/networks", {{"network", {{"name", "r"}, {"availability_zone_hints", {"c1"}}}}}).first,
            403);

  // An admin made so is an admin on the Neutron API.
  auto [apid, auid] = ProjectAndUser("tempest-2", "admin");
  std::string admin2 = Token("tempest-2-user", "pw-tempest-2", "tempest-2");
  ASSERT_FALSE(admin2.empty());
  EXPECT_EQ(Call(admin2, "GET", "/v2.0/quotas").first, 200);
}

TEST_F(KeystoneAdminTest, OnlyAdminsManageIdentityWithKeystonesErrorBody) {
  auto [code, body] = Call(demo_, "POST", "/v3/projects", {{"project", {{"name", "mine"}}}});
  EXPECT_EQ(code, 403);
  EXPECT_EQ(body["error"]["code"], 403) << body.dump();
  EXPECT_EQ(body["error"]["title"], "Forbidden");
  EXPECT_EQ(Call(demo_, "GET", "/v3/users").first, 403);
  EXPECT_EQ(Call(demo_, "POST", "/v3/users", {{"user", {{"name", "x"}, {"password", "y"}}}}).first, 403);
  EXPECT_EQ(Call(demo_, "GET", "/v3/role_assignments").first, 403);
  EXPECT_EQ(Call("", "GET", "/v3/projects").first, 401);
  auto [lc, projects] = Call(admin_, "GET", "/v3/projects");
  ASSERT_EQ(lc, 200);
  EXPECT_EQ(projects["projects"].size(), 2u);  // nothing was made
}

TEST_F(KeystoneAdminTest, BadInputIsRefusedAndChangesNothing) {
  EXPECT_EQ(Call(admin_, "POST", "/v3/projects", {{"project", {{"description", "no name"}}}}).first, 400);
  EXPECT_EQ(Call(admin_, "POST", "/v3/projects", {{"project", {{"name", 7}}}}).first, 400);
  EXPECT_EQ(Call(admin_, "POST", "/v3/projects", {{"project", {{"name", "x"}, {"domain_id", "other"}}}}).first, 400);
  EXPECT_EQ(Call(admin_, "POST", "/v3/projects", {{"project", {{"name", "demo"}}}}).first, 409);  // the file's
  EXPECT_EQ(Call(admin_, "POST", "/v3/users", {{"user", {{"name", "nopw"}}}}).first, 400);
  EXPECT_EQ(Call(admin_, "POST", "/v3/users", {{"user", {{"name", "admin"}, {"password", "p"}}}}).first, 409);
  auto [pid, uid] = ProjectAndUser("p1", "member");
  EXPECT_EQ(Call(admin_, "POST", "/v3/projects", {{"project", {{"name", "p1"}}}}).first, 409);
  EXPECT_EQ(Call(admin_, "PUT", "/v3/projects/" + pid + "/users/" + uid + "/roles/owner").first, 404);
  EXPECT_EQ(Call(admin_, "PUT", "/v3/projects/nope/users/" + uid + "/roles/member").first, 404);
  EXPECT_EQ(Call(admin_, "PUT", "/v3/projects/" + pid + "/users/nope/roles/member").first, 404);
  EXPECT_EQ(Call(admin_, "DELETE", "/v3/users/demo").first, 403);  // the identity file's
  EXPECT_EQ(Call(admin_, "DELETE", "/v3/projects/demo").first, 403);
  EXPECT_EQ(Call(admin_, "GET", "/v3/projects/nope").first, 404);
  EXPECT_EQ(Call(admin_, "GET", "/v3/domains/other").first, 404);
  EXPECT_EQ(Call(admin_, "POST", "/v3/roles", {{"role", {{"name", "member"}}}}).first, 409);
  EXPECT_EQ(Call(admin_, "GET", "/v3/projects").second["projects"].size(), 3u);
  EXPECT_EQ(Call(admin_, "GET", "/v3/users").second["users"].size(), 3u);
  EXPECT_EQ(Call(admin_, "GET", "/v3/role_assignments").second["role_assignments"].size(), 3u);
}

TEST_F(KeystoneAdminTest, DeletingAProjectOrAUserOrItsLastRoleRevokesItsTokens) {
  auto [p1, u1] = ProjectAndUser("p1", "member");
  auto [p2, u2] = ProjectAndUser("p2", "member");
  auto [p3, u3] = ProjectAndUser("p3", "member");
  std::string t1 = Token("p1-user", "pw-p1", "p1"), t2 = Token("p2-user", "pw-p2", "p2"),
              t3 = Token("p3-user", "pw-p3", "p3");
  ASSERT_EQ(Call(t1, "GET", "/v2.0/networks").first, 200);
  ASSERT_EQ(Call(t2, "GET", "/v2.0/networks").first, 200);
  ASSERT_EQ(Call(t3, "GET", "/v2.0/networks").first, 200);
  EXPECT_EQ(Call(admin_, "DELETE", "/v3/projects/" + p1).first, 204);
  EXPECT_EQ(Call(t1, "GET", "/v2.0/networks").first, 401);
  EXPECT_EQ(Call(admin_, "DELETE", "/v3/users/" + u2).first, 204);
  EXPECT_EQ(Call(t2, "GET", "/v2.0/networks").first, 401);
  EXPECT_EQ(Token("p2-user", "pw-p2", "p2"), "");
  EXPECT_EQ(Call(admin_, "DELETE", "/v3/projects/" + p3 + "/users/" + u3 + "/roles/member").first, 204);
  EXPECT_EQ(Call(t3, "GET", "/v2.0/networks").first, 401);
  EXPECT_EQ(Token("p3-user", "pw-p3", "p3"), "");  // no role on it
  EXPECT_EQ(Call(admin_, "DELETE", "/v3/projects/" + p1).first, 404);
  EXPECT_EQ(Call(t3, "GET", "/v2.0/networks").first, 401);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/networks").first, 200);  // the others' tokens stay
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks").first, 200);
}

TEST_F(KeystoneAdminTest, AUserChangesItsOwnPasswordAndItsOldTokensEnd) {
  auto [pid, uid] = ProjectAndUser("p1", "member");
  std::string t = Token("p1-user", "pw-p1", "p1");
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(Call(t, "POST", "/v3/users/" + uid + "/password",
                 {{"user", {{"password", "new"}, {"original_password", "wrong"}}}}).first, 401);
  EXPECT_EQ(Call(demo_, "POST", "/v3/users/" + uid + "/password",
                 {{"user", {{"password", "new"}, {"original_password", "pw-p1"}}}}).first, 403);
  EXPECT_EQ(Call(t, "POST", "/v3/users/" + uid + "/password",
                 {{"user", {{"password", "new"}, {"original_password", "pw-p1"}}}}).first, 204);
  EXPECT_EQ(Call(t, "GET", "/v2.0/networks").first, 401);
  EXPECT_EQ(Token("p1-user", "pw-p1", "p1"), "");
  EXPECT_FALSE(Token("p1-user", "new", "p1").empty());
  auto [code, user] = Call(admin_, "PATCH", "/v3/users/" + uid, {{"user", {{"enabled", false}, {"email", "a@b"}}}});
  ASSERT_EQ(code, 200) << user.dump();
  EXPECT_EQ(user["user"]["enabled"], false);
  EXPECT_EQ(user["user"]["email"], "a@b");
  EXPECT_EQ(Token("p1-user", "new", "p1"), "");  // disabled
}

TEST_F(KeystoneAdminTest, WhatTheAdminApiMadeOutlivesARestart) {
  auto [pid, uid] = ProjectAndUser("p1", "member");
  std::string t = Token("p1-user", "pw-p1", "p1");
  ASSERT_FALSE(t.empty());
  auto again = StartIdentity(db_.location());  // central restarted on the same DB
  auto c = again->Validate(t);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->project_id, pid);
  EXPECT_EQ(c->user_id, uid);
  EXPECT_EQ(c->roles, std::vector<std::string>{"member"});
  auto issued = again->IssueToken(Auth("p1-user", "pw-p1", "p1"), "http://central");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->body["token"]["project"]["id"], pid);
  ASSERT_TRUE(again->DeleteUser(uid).ok());
  auto third = StartIdentity(db_.location());
  EXPECT_EQ(third->Validate(t).status().code(), Code::kUnauthorized);
  EXPECT_FALSE(third->User(uid).ok());
  EXPECT_TRUE(third->Project(pid).ok());
}

// c1's endpoint (port 1) answers nothing: once a push to it failed, its zone is unavailable.
TEST_F(KeystoneAdminTest, AvailabilityZonesAreTheCloudsWithTheirReachability) {
  auto zones = [&] { return Call(demo_, "GET", "/v2.0/availability_zones"); };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (zones().second["availability_zones"][0]["state"] != "unavailable" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto [code, body] = zones();
  ASSERT_EQ(code, 200) << body.dump();
  EXPECT_EQ(body["availability_zones"], json::parse(R"([
    {"name": "c1", "resource": "network", "state": "unavailable"},
    {"name": "c1", "resource": "router", "state": "unavailable"}])"));
  auto [fc, routers] = Call(demo_, "GET", "/v2.0/availability_zones?resource=router&fields=name");
  ASSERT_EQ(fc, 200);
  EXPECT_EQ(routers["availability_zones"], json::parse(R"([{"name": "c1"}])"));
}

TEST(AvailabilityZones, ACloudCentralCannotReachIsUnavailable) {
  model::Cloud a, b;
  a.name = "cloud1";
  b.name = "cloud2";
  auto zones = AvailabilityZones({a, b}, {"cloud2"});
  ASSERT_EQ(zones.size(), 4u);
  EXPECT_EQ(zones[0], json::parse(R"({"name": "cloud1", "resource": "network", "state": "available"})"));
  EXPECT_EQ(zones[3], json::parse(R"({"name": "cloud2", "resource": "router", "state": "unavailable"})"));
}

// Replicas of central on one PostgreSQL (docs/architecture.md, "Replicas"):
// what one replica's admin API makes is usable through another at once, and a
// deletion through one is refused by the others within a second.
TEST(KeystoneReplicas, ReplicasOnPostgresShareTheDirectory) {
  TestDb db("keystonereplicas");
  if (!db.postgres()) GTEST_SKIP() << "on SQLite one central owns the file";
  auto a = StartIdentity(db.location()), b = StartIdentity(db.location());
  auto p = a->CreateProject({"", "p1", "", true, false});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto u = a->CreateUser({"", "u1", "", "", json::object(), true, false}, "pw");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_TRUE(a->Assign({p->id, u->id, "member"}).ok());
  EXPECT_EQ(b->CreateProject({"", "p1", "", true, false}).status().code(), Code::kConflict);
  auto issued = b->IssueToken(Auth("u1", "pw", "p1"), "");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  ASSERT_TRUE(a->Validate(issued->token).ok());
  ASSERT_TRUE(a->DeleteProject(p->id).ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (b->Validate(issued->token).ok() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(b->Validate(issued->token).status().code(), Code::kUnauthorized);
}

}  // namespace
}  // namespace isthmus::central
