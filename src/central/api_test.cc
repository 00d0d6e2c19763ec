// Central's HTTP API with authentication on: tokens, projects, Neutron's list
// conventions and updates, over a real HTTP server on loopback.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <thread>

#include "central/api_test_fixture.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class ApiTest : public CentralApiTest {
 protected:
  ApiTest() : CentralApiTest("api") {}
  void SetUp() override {
    CentralApiTest::SetUp();
    if (HasFatalFailure()) return;
    ReportComputeHostH1();
    if (HasFatalFailure()) return;
  }
};

TEST_F(ApiTest, TokensAndTheCatalog) {
  EXPECT_FALSE(admin_.empty());
  EXPECT_EQ(Token("admin", "wrong"), "");
  EXPECT_EQ(Token("nobody", "a"), "");
  EXPECT_EQ(Token("demo", "d", "admin"), "");  // no role in another project
  EXPECT_FALSE(Token("demo", "d", "demo").empty());
  httplib::Client c("127.0.0.1", port_);
  json auth = {{"auth", {{"identity", {{"methods", {"password"}},
                                       {"password", {{"user", {{"name", "demo"}, {"password", "d"}}}}}}}}}};
  auto r = c.Post("/v3/auth/tokens", auth.dump(), "application/json");
  ASSERT_TRUE(r);
  json body = json::parse(r->body);
  EXPECT_EQ(body["token"]["project"]["name"], "demo");
  EXPECT_EQ(body["token"]["roles"][0]["name"], "member");
  bool network = false;
  for (const auto& s : body["token"]["catalog"])
    if (s["type"] == "network") network = s["endpoints"][0]["url"] == "http://127.0.0.1";
  EXPECT_TRUE(network);
}

// Keystone's revocation: DELETE /v3/auth/tokens names the token in
// X-Subject-Token; 204, then the token is refused on every API.
TEST_F(ApiTest, ARevokedTokenIsRefusedEverywhere) {
  std::string victim = Token("demo", "d");
  ASSERT_FALSE(victim.empty());
  EXPECT_EQ(Call(victim, "GET", "/v2.0/networks").first, 200);
  httplib::Client c("127.0.0.1", port_);
  auto revoke = [&](const std::string& by, const std::string& subject) {
    auto r = c.Delete("/v3/auth/tokens", {{"X-Auth-Token", by}, {"X-Subject-Token", subject}});
    return r ? r->status : 0;
  };
  EXPECT_EQ(revoke(other_, victim), 403);  // another member's token
  EXPECT_EQ(revoke("", victim), 401);
  EXPECT_EQ(revoke(admin_, victim), 204);
  EXPECT_EQ(Call(victim, "GET", "/v2.0/networks").first, 401);
  EXPECT_EQ(Call(victim, "POST", "/v2.0/networks", {{"network", {{"name", "x"}, {"availability_zone_hints", {"c1"}}}}}).first, 401);
  auto check = c.Get("/v3/auth/tokens", {{"X-Auth-Token", admin_}, {"X-Subject-Token", victim}});
  ASSERT_TRUE(check);
  EXPECT_EQ(check->status, 404);
  EXPECT_EQ(revoke(admin_, victim), 404);
  EXPECT_EQ(revoke(demo_, demo_), 204);  // one's own token
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks").first, 401);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/networks").first, 200);
}

TEST_F(ApiTest, EveryCallButTokenIssueNeedsAToken) {
  EXPECT_EQ(Call("", "GET", "/v2.0/networks").first, 401);
  EXPECT_EQ(Call("bogus", "GET", "/v2.0/networks").first, 401);
  EXPECT_EQ(Call("", "POST", "/v2.0/networks", {{"network", {{"name", "x"}}}}).first, 401);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/networks").first, 200);
  EXPECT_EQ(Call("", "GET", "/").first, 200);  // version discovery
  EXPECT_EQ(Call("", "GET", "/v3").first, 200);
  // Admin-only calls.
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/hosts").first, 403);
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/clouds", {{"cloud", {{"name", "c9"}, {"endpoint", "http://x:1"}}}}).first, 403);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/nothing-here").second["NeutronError"]["type"], "NotFound");
}

TEST_F(ApiTest, MembersSeeAndUseOnlyTheirOwnProject) {
  std::string mine = Network(demo_, "mine");
  std::string theirs = Network(other_, "theirs");
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/networks/" + mine).second["network"]["project_id"], "demo");
  auto [code, list] = Call(demo_, "GET", "/v2.0/networks");
  ASSERT_EQ(code, 200);
  ASSERT_EQ(list["networks"].size(), 1u);
  EXPECT_EQ(list["networks"][0]["id"], mine);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/networks").second["networks"].size(), 2u);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks/" + theirs).first, 404);
  EXPECT_EQ(Call(demo_, "DELETE", "/v2.0/networks/" + theirs).first, 404);
  // Attaching another project's network: refused, and nothing is made.
  auto [c2, e2] = Call(demo_, "POST", "/v2.0/subnets",
                       {{"subnet", {{"network_id", theirs}, {"cidr", "10.1.0.0/24"}}}});
  EXPECT_EQ(c2, 404) << e2.dump();
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/subnets").second["subnets"].size(), 0u);
  // Creating for another project, or binding a port: admins only.
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/networks", {{"network", {{"name", "x"}, {"project_id", "other"},
                                                                 {"availability_zone_hints", {"c1"}}}}}).first,
            400);  // Neutron's answer to a member naming another project
  ASSERT_EQ(Call(demo_, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", mine}, {"cidr", "10.2.0.0/24"},
                                                               {"enable_dhcp", false}}}}).first,
            201);
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", mine}, {"binding:host_id", "h1"}}}}).first,
            403);
  EXPECT_EQ(Call(admin_, "POST", "/v2.0/ports", {{"port", {{"network_id", mine}, {"binding:host_id", "h1"},
                                                            {"project_id", "demo"}}}}).first,
            201);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/ports").second["ports"].size(), 1u);
  EXPECT_EQ(Call(other_, "GET", "/v2.0/ports").second["ports"].size(), 0u);
}

TEST_F(ApiTest, HostNamesCentralCannotCarryAreRefused) {
  json host = {{"host", {{"role", "compute"}, {"vtep_ip", "10.255.0.12"}, {"dvr_mac", "fa:16:3f:01:00:02"}}}};
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/clouds/c1/hosts/fz-x-%ff%fe", host).first, 400);
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/clouds/c1/hosts/a%20b", host).first, 400);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/hosts").second["hosts"].size(), 1u);
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/clouds/c1/hosts/h2", host).first, 200);
}

TEST_F(ApiTest, FieldsAndPagination) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Network(admin_, "n" + std::to_string(i)));
  std::sort(ids.begin(), ids.end());
  auto [code, page1] = Call(admin_, "GET", "/v2.0/networks?limit=2&fields=id&fields=name");
  ASSERT_EQ(code, 200);
  ASSERT_EQ(page1["networks"].size(), 2u);
  EXPECT_EQ(page1["networks"][0].size(), 2u);  // id and name only
  EXPECT_EQ(page1["networks"][0]["id"], ids[0]);
  EXPECT_EQ(page1["networks"][1]["id"], ids[1]);
  ASSERT_EQ(page1["networks_links"].size(), 2u);  // a full page: next and (Neutron's) previous
  EXPECT_EQ(page1["networks_links"][0]["rel"], "next");
  auto [c2, page2] = Call(admin_, "GET", "/v2.0/networks?limit=2&marker=" + ids[1]);
  EXPECT_EQ(page2["networks"][0]["id"], ids[2]);
  EXPECT_EQ(page2["networks_links"].size(), 2u);  // next and previous
  auto [c3, back] = Call(admin_, "GET", "/v2.0/networks?limit=2&page_reverse=True&marker=" + ids[4]);
  ASSERT_EQ(back["networks"].size(), 2u);
  EXPECT_EQ(back["networks"][0]["id"], ids[2]);
  EXPECT_EQ(back["networks"][1]["id"], ids[3]);
  auto [c4, last] = Call(admin_, "GET", "/v2.0/networks?limit=2&marker=" + ids[3]);
  EXPECT_EQ(last["networks"].size(), 1u);
  for (const auto& l : last["networks_links"]) EXPECT_NE(l["rel"], "next");
  auto [c5, desc] = Call(admin_, "GET", "/v2.0/networks?sort_key=name&sort_dir=desc&fields=name");
  EXPECT_EQ(desc["networks"][0]["name"], "n4");
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/networks?limit=-1").first, 400);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/networks?limit=x").first, 400);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/networks?marker=nope").first, 404);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/networks/" + ids[0] + "?fields=name").second["network"].size(), 1u);
}

TEST_F(ApiTest, UpdatesChangeWhatMayChangeAndRefuseTheRest) {
  std::string net = Network(admin_, "before");
  auto [code, n] = Call(admin_, "PUT", "/v2.0/networks/" + net, {{"network", {{"name", "after"}}}});
  EXPECT_EQ(code, 200);
  EXPECT_EQ(n["network"]["name"], "after");
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/networks/" + net, {{"network", {{"mtu", 1400}}}}).first, 400);
  auto [cs, sub] = Call(admin_, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", net}, {"cidr", "10.3.0.0/24"}}}});
  ASSERT_EQ(cs, 201);
  std::string sid = sub["subnet"]["id"];
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/subnets/" + sid, {{"subnet", {{"dns_nameservers", {"9.9.9.9"}}}}})
                .second["subnet"]["dns_nameservers"],
            json({"9.9.9.9"}));
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/subnets/" + sid, {{"subnet", {{"gateway_mode", "per-cloud"}}}}).first, 400);
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/subnets/" + sid, {{"subnet", {{"dns_nameservers", {"9.9.9"}}}}}).first, 400);
  // Nova's flow: create unbound, then bind.
  auto [cp, port] = Call(admin_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}}}});
  ASSERT_EQ(cp, 201);
  std::string pid = port["port"]["id"];
  EXPECT_EQ(port["port"]["binding:host_id"], "");
  auto [cb, bound] = Call(admin_, "PUT", "/v2.0/ports/" + pid, {{"port", {{"binding:host_id", "h1"}}}});
  EXPECT_EQ(cb, 200) << bound.dump();
  EXPECT_EQ(bound["port"]["binding:host_id"], "h1");
  EXPECT_EQ(bound["port"]["isthmus:cloud"], "c1");
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/ports/" + pid, {{"port", {{"binding:host_id", "h9"}}}}).first, 400);
  // A bound port keeps its MAC (Neutron: 409 while bound).
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/ports/" + pid, {{"port", {{"mac_address", "fa:16:3e:00:00:09"}}}}).first, 409);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/ports/" + pid).second["port"]["binding:host_id"], "h1");
}

}  // namespace
}  // namespace isthmus::central
