// Neutron's behaviour where its own API tests (tempest, neutron-tempest-plugin)
// found central different (issue 11, docs/conformance.md): each test names the
// behaviour, over a real HTTP server with authentication on.
#include <gtest/gtest.h>

#include "central/api_test_fixture.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class NeutronApiTest : public CentralApiTest {
 protected:
  NeutronApiTest() : CentralApiTest("neutron") {}
  void SetUp() override {
    CentralApiTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(Call(admin_, "PUT", "/v2.0/clouds/c1/hosts/h1",
                   {{"host", {{"role", "compute"}, {"vtep_ip", "10.255.0.11"}, {"dvr_mac", "fa:16:3f:01:00:01"}}}})
                  .first,
              200);
    auto [cn, ext] = Call(admin_, "POST", "/v2.0/networks",
                          {{"network", {{"name", "public"}, {"router:external", true},
                                        {"provider:physical_network", "external"},
                                        {"availability_zone_hints", {"c1"}}}}});
    ASSERT_EQ(cn, 201) << ext.dump();
    ext_ = ext["network"]["id"];
    auto [cs, sub] = Call(admin_, "POST", "/v2.0/subnets",
                          {{"subnet", {{"network_id", ext_}, {"cidr", "172.24.0.0/24"}, {"enable_dhcp", false}}}});
    ASSERT_EQ(cs, 201) << sub.dump();
    ext_subnet_ = sub["subnet"]["id"];
  }
  // A subnet of `network` made by token's caller; its id ("" on failure).
  std::string Subnet(const std::string& token, const std::string& network, const std::string& cidr) {
    auto [code, s] = Call(token, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", network}, {"cidr", cidr}}}});
    EXPECT_EQ(code, 201) << s.dump();
    return code == 201 ? s["subnet"]["id"].get<std::string>() : "";
  }

  std::string ext_, ext_subnet_;
};

// external_gateway_info {} (or null) on create or update means no gateway,
// as tempest's routers are made: 201 without a gateway, not 404.
TEST_F(NeutronApiTest, AnEmptyExternalGatewayInfoMeansNoGateway) {
  for (const std::string& token : {demo_, admin_}) {
    auto [code, r] = Call(token, "POST", "/v2.0/routers",
                          {{"router", {{"name", "r"}, {"external_gateway_info", json::object()}}}});
    ASSERT_EQ(code, 201) << r.dump();
    EXPECT_TRUE(r["router"]["external_gateway_info"].is_null());
    std::string id = r["router"]["id"];
    auto [cu, u] = Call(token, "PUT", "/v2.0/routers/" + id, {{"router", {{"external_gateway_info", json::object()}}}});
    EXPECT_EQ(cu, 200) << u.dump();
    auto [cn, n] = Call(token, "POST", "/v2.0/routers", {{"router", {{"external_gateway_info", nullptr}}}});
    EXPECT_EQ(cn, 201) << n.dump();
  }
  // A gateway the member may use (an external network) still works, and one it cannot see is 404.
  auto [cg, g] = Call(demo_, "POST", "/v2.0/routers",
                      {{"router", {{"external_gateway_info", {{"network_id", ext_}}}}}});
  EXPECT_EQ(cg, 201) << g.dump();
  std::string theirs = Network(other_, "theirs");
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/routers", {{"router", {{"external_gateway_info", {{"network_id", theirs}}}}}})
                .first,
            404);
}

// remove_router_interface on a subnet the router has no interface on is 404
// (tempest's cleanup ignores it), also for a subnet of another project the
// caller sees (the external network's, where the router's gateway is).
TEST_F(NeutronApiTest, RemovingAnInterfaceTheRouterDoesNotHaveIs404) {
  auto [cr, r] = Call(demo_, "POST", "/v2.0/routers",
                      {{"router", {{"name", "r"}, {"external_gateway_info", {{"network_id", ext_}}}}}});
  ASSERT_EQ(cr, 201) << r.dump();
  std::string router = r["router"]["id"];
  std::string remove = "/v2.0/routers/" + router + "/remove_router_interface";
  auto [c1, e1] = Call(demo_, "PUT", remove, {{"subnet_id", ext_subnet_}});
  EXPECT_EQ(c1, 404) << e1.dump();
  // Another project's subnet the member cannot see: 404 too.
  std::string hidden = Subnet(other_, Network(other_, "theirs"), "10.9.0.0/24");
  EXPECT_EQ(Call(demo_, "PUT", remove, {{"subnet_id", hidden}}).first, 404);
  // Its own interface goes, once.
  std::string mine = Subnet(demo_, Network(demo_, "mine"), "10.8.0.0/24");
  ASSERT_EQ(Call(demo_, "PUT", "/v2.0/routers/" + router + "/add_router_interface", {{"subnet_id", mine}}).first, 200);
  EXPECT_EQ(Call(demo_, "PUT", remove, {{"subnet_id", mine}}).first, 200);
  EXPECT_EQ(Call(demo_, "PUT", remove, {{"subnet_id", mine}}).first, 404);
}

// Boolean filters take Neutron's spellings: True, true, TRUE, 1 and their opposites.
TEST_F(NeutronApiTest, BooleanFiltersIgnoreCase) {
  Network(demo_, "private");
  for (const std::string q : {"True", "true", "TRUE", "1"}) {
    auto [code, list] = Call(demo_, "GET", "/v2.0/networks?router%3Aexternal=" + q);
    ASSERT_EQ(code, 200);
    ASSERT_EQ(list["networks"].size(), 1u) << q;
    EXPECT_EQ(list["networks"][0]["id"], ext_);
  }
  for (const std::string q : {"False", "false", "0"}) {
    auto [code, list] = Call(demo_, "GET", "/v2.0/networks?router:external=" + q);
    ASSERT_EQ(list["networks"].size(), 1u) << q;
    EXPECT_EQ(list["networks"][0]["name"], "private");
  }
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks?router:external=maybe").second["networks"].size(), 0u);
}

// GET /v2.0/ (with or without its slash) lists the resources, as Neutron's
// version document does; /v2.0/agents lists the hosts as agents to an admin,
// nothing to a member.
TEST_F(NeutronApiTest, VersionResourcesAndAgents) {
  for (const std::string path : {"/v2.0/", "/v2.0"}) {
    auto [code, v] = Call(demo_, "GET", path);
    ASSERT_EQ(code, 200) << path;
    std::set<std::string> names;
    for (const auto& r : v["resources"]) names.insert(r["name"].get<std::string>());
    for (const char* kind : {"network", "subnet", "port", "router", "floatingip"})
      EXPECT_TRUE(names.count(kind)) << path << " " << kind;
  }
  auto [cm, member] = Call(demo_, "GET", "/v2.0/agents");
  EXPECT_EQ(cm, 200);
  EXPECT_EQ(member["agents"], json::array());
  auto [ca, agents] = Call(admin_, "GET", "/v2.0/agents");
  ASSERT_EQ(ca, 200);
  ASSERT_EQ(agents["agents"].size(), 1u) << agents.dump();
  const json& a = agents["agents"][0];
  EXPECT_EQ(a["host"], "h1");
  EXPECT_EQ(a["availability_zone"], "c1");
  EXPECT_EQ(a["agent_type"], "Open vSwitch agent");
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/agents/" + a["id"].get<std::string>()).second["agent"]["host"], "h1");
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/agents/nope").first, 404);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/agents/" + a["id"].get<std::string>()).first, 404);
}

}  // namespace
}  // namespace isthmus::central
