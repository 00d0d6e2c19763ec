// Central's limits and quotas over its real HTTP API with authentication on:
// port MACs in the DVR range, Neutron's 255-character attributes, and
// Neutron's quota API and its enforcement for a member.
#include <gtest/gtest.h>
#include <httplib.h>

#include "central/api_test_fixture.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class ValidationTest : public CentralApiTest {
 protected:
  ValidationTest() : CentralApiTest("validation") {}
  std::string Create(const std::string& token, const std::string& plural, const std::string& singular, json attrs) {
    auto [code, v] = Call(token, "POST", "/v2.0/" + plural, {{singular, attrs}});
    EXPECT_EQ(code, 201) << v.dump();
    return code == 201 ? v[singular]["id"].get<std::string>() : "";
  }
  static std::string Message(const json& error) { return error["NeutronError"]["message"].get<std::string>(); }
};

TEST_F(ValidationTest, PortMacsInTheDvrRangeAre400OnCreateAndUpdate) {
  std::string net = Network(demo_);
  for (const char* mac : {"fa:16:3f:01:00:09", "FA:16:3F:00:00:00", "fa:16:3f:ff:ff:ff"}) {
    auto [code, e] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"mac_address", mac}}}});
    EXPECT_EQ(code, 400) << mac;
    EXPECT_NE(Message(e).find("inside the DVR MAC range fa:16:3f:00:00:00/24"), std::string::npos) << e.dump();
  }
  std::string port = Create(demo_, "ports", "port", {{"network_id", net}, {"mac_address", "fa:16:3e:00:00:09"}});
  auto [code, e] = Call(admin_, "PUT", "/v2.0/ports/" + port, {{"port", {{"mac_address", "fa:16:3f:02:00:01"}}}});
  EXPECT_EQ(code, 400);
  EXPECT_NE(Message(e).find("DVR MAC range"), std::string::npos) << e.dump();
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/ports/" + port).second["port"]["mac_address"], "fa:16:3e:00:00:09");
}

TEST_F(ValidationTest, NamesAndDescriptionsOver255CharactersAre400OnCreateAndUpdate) {
  std::string n255(255, 'n'), n256(256, 'n');
  // 255 is fine (and counted in characters: 255 two-byte characters too).
  std::string wide;
  for (int i = 0; i < 255; ++i) wide += "\xc3\xa9";
  std::string net = Network(demo_, n255);
  Network(demo_, wide);
  std::string subnet = Create(demo_, "subnets", "subnet", {{"network_id", net}, {"cidr", "10.0.3.0/24"}});
  std::string port = Create(demo_, "ports", "port", {{"network_id", net}});
  std::string router = Create(demo_, "routers", "router", {{"name", "r"}, {"availability_zone_hints", {"c1"}}});
  const std::string expected = "Invalid input for name. Reason: '" + std::string(64, 'n') +
                               "...' exceeds maximum length of 255.";
  struct Case {
    std::string method, path, singular;
    json attrs;
  };
  std::vector<Case> cases = {
      {"POST", "/v2.0/networks", "network", {{"availability_zone_hints", {"c1"}}}},
      {"POST", "/v2.0/subnets", "subnet", {{"network_id", net}, {"cidr", "10.0.4.0/24"}}},
      {"POST", "/v2.0/ports", "port", {{"network_id", net}}},
      {"POST", "/v2.0/routers", "router", {{"availability_zone_hints", {"c1"}}}},
      {"PUT", "/v2.0/networks/" + net, "network", json::object()},
      {"PUT", "/v2.0/subnets/" + subnet, "subnet", json::object()},
      {"PUT", "/v2.0/ports/" + port, "port", json::object()},
      {"PUT", "/v2.0/routers/" + router, "router", json::object()},
  };
  for (const auto& c : cases) {
    for (const char* attr : {"name", "description"}) {
      json attrs = c.attrs;
      attrs[attr] = n256;
      auto [code, e] = Call(demo_, c.method, c.path, {{c.singular, attrs}});
      EXPECT_EQ(code, 400) << c.method << " " << c.path << " " << attr;
      std::string want = expected;
      if (std::string(attr) == "description") want.replace(want.find("name"), 4, "description");
      EXPECT_EQ(Message(e), want) << c.method << " " << c.path;
      EXPECT_EQ(e["NeutronError"]["type"], "BadRequest") << e.dump();
    }
  }
  // Nothing changed, nothing was made; a 200,000-character name is refused with a short message.
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks/" + net).second["network"]["name"], n255);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks").second["networks"].size(), 2u);
  auto [code, e] = Call(demo_, "POST", "/v2.0/networks",
                        {{"network", {{"name", std::string(200000, 'x')}, {"availability_zone_hints", {"c1"}}}}});
  EXPECT_EQ(code, 400);
  EXPECT_LT(e.dump().size(), 400u);
  // Floating IPs take a description.
  auto [fcode, f] = Call(admin_, "POST", "/v2.0/floatingips",
                         {{"floatingip", {{"floating_network_id", net}, {"description", n256}}}});
  EXPECT_EQ(fcode, 400);
  EXPECT_NE(Message(f).find("Invalid input for description."), std::string::npos) << f.dump();
}

TEST_F(ValidationTest, QuotaApiReadsSetsListsAndResets) {
  json defaults = {{"network", 100}, {"subnet", 100}, {"port", 500}, {"router", 10}, {"floatingip", 50},
                   {"security_group", 10}, {"security_group_rule", 100}};
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/quotas/demo").second, json({{"quota", defaults}}));
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/quotas/demo/default").second, json({{"quota", defaults}}));
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/quotas/other").first, 403);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/quotas").first, 403);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/quotas/demo", {{"quota", {{"network", 1000}}}}).first, 403);
  EXPECT_EQ(Call(demo_, "DELETE", "/v2.0/quotas/demo").first, 403);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/quotas").second, json({{"quotas", json::array()}}));

  auto [code, q] = Call(admin_, "PUT", "/v2.0/quotas/demo", {{"quota", {{"network", 2}, {"port", "-1"}}}});
  ASSERT_EQ(code, 200) << q.dump();
  json want = defaults;
  want["network"] = 2;
  want["port"] = -1;
  EXPECT_EQ(q, json({{"quota", want}}));
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/quotas/demo").second["quota"], want);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/quotas/demo/default").second["quota"], defaults);
  json listed = Call(admin_, "GET", "/v2.0/quotas").second["quotas"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["project_id"], "demo");
  EXPECT_EQ(listed[0]["network"], 2);

  for (const json& bad : {json{{"quota", {{"network", -2}}}}, json{{"quota", {{"pony", 1}}}},
                          json{{"quota", {{"network", "many"}}}}, json{{"quota", {{"network", "-"}}}},
                          json{{"quota", {{"network", "1e3"}}}}, json{{"quota", {{"network", 2.5}}}}, json{{"quota", 5}}, json{{"network", 5}}}) {
    auto [c, e] = Call(admin_, "PUT", "/v2.0/quotas/demo", bad);
    EXPECT_EQ(c, 400) << bad.dump() << " " << e.dump();
  }
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/quotas/demo").second["quota"], want);  // unchanged

  // Persisted: a central started on the same DB has them, and a DELETE removes them.
  {
    auto again = std::move(*Service::Create(db_.location(), {1000, 1999}));
    EXPECT_EQ(QuotaView(again->QuotaOf("demo")), want);
    EXPECT_EQ(again->ListQuotas().size(), 1u);
  }
  EXPECT_EQ(Call(admin_, "DELETE", "/v2.0/quotas/demo").first, 204);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/quotas/demo").second["quota"], defaults);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/quotas").second["quotas"], json::array());
  auto third = std::move(*Service::Create(db_.location(), {1000, 1999}));
  EXPECT_TRUE(third->ListQuotas().empty());
  EXPECT_EQ(QuotaView(third->QuotaOf("demo")), defaults);
}

TEST_F(ValidationTest, QuotasAreEnforcedOnCreateForAMember) {
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/quotas/demo",
                 {{"quota", {{"network", 1}, {"subnet", 1}, {"port", 1}, {"router", 1}, {"floatingip", 0}}}})
                .first,
            200);
  std::string net = Network(demo_);
  auto [code, e] = Call(demo_, "POST", "/v2.0/networks", {{"network", {{"name", "n2"}, {"availability_zone_hints", {"c1"}}}}});
  EXPECT_EQ(code, 409);
  EXPECT_EQ(e, json({{"NeutronError", {{"type", "OverQuota"},
                                       {"message", "Quota exceeded for resources: ['network']."},
                                       {"detail", ""}}}}));
  // The subnet makes a DHCP port (central's own): it does not count against the port quota.
  Create(demo_, "subnets", "subnet", {{"network_id", net}, {"cidr", "10.0.3.0/24"}});
  EXPECT_EQ(Message(Call(demo_, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", net}, {"cidr", "10.0.4.0/24"}}}}).second),
            "Quota exceeded for resources: ['subnet'].");
  std::string port = Create(demo_, "ports", "port", {{"network_id", net}});
  EXPECT_EQ(Message(Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}}}}).second),
            "Quota exceeded for resources: ['port'].");
  // Counted from the project's index entries: a delete gives the room back.
  EXPECT_EQ(Call(demo_, "DELETE", "/v2.0/ports/" + port).first, 204);
  Create(demo_, "ports", "port", {{"network_id", net}});
  std::string router = Create(demo_, "routers", "router", {{"name", "r"}, {"availability_zone_hints", {"c1"}}});
  EXPECT_EQ(Message(Call(demo_, "POST", "/v2.0/routers", {{"router", {{"availability_zone_hints", {"c1"}}}}}).second),
            "Quota exceeded for resources: ['router'].");
  // Router interfaces are central's ports too.
  auto [icode, i] = Call(demo_, "PUT", "/v2.0/routers/" + router + "/add_router_interface",
                         {{"subnet_id", Call(demo_, "GET", "/v2.0/subnets").second["subnets"][0]["id"]}});
  EXPECT_EQ(icode, 200) << i.dump();
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/floatingips", {{"floatingip", {{"floating_network_id", net}}}}).first, 409);
  // Other projects are not limited by demo's quotas; -1 is unlimited; DELETE goes back to the defaults.
  Network(admin_);
  Network(admin_);
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/quotas/demo", {{"quota", {{"network", -1}}}}).first, 200);
  Network(demo_, "n2");
  Network(demo_, "n3");
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/quotas/demo", {{"quota", {{"network", 1}}}}).first, 200);
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/networks", {{"network", {{"availability_zone_hints", {"c1"}}}}}).first, 409);
  EXPECT_EQ(Call(admin_, "DELETE", "/v2.0/quotas/demo").first, 204);
  Network(demo_, "n4");
}

TEST_F(ValidationTest, QuotasIsAnExtensionAndCloudNamesAreChecked) {
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/extensions/quotas").first, 200);
  for (const char* name : {"c 2", "c/2", "c\n2", ""}) {
    auto [code, e] = Call(admin_, "POST", "/v2.0/clouds", {{"cloud", {{"name", name}, {"endpoint", "http://127.0.0.1:2"}}}});
    EXPECT_EQ(code, 400) << name << " " << e.dump();
  }
  EXPECT_EQ(Call(admin_, "POST", "/v2.0/clouds", {{"cloud", {{"name", "c2"}, {"endpoint", "http://a b:2"}}}}).first, 400);
}

}  // namespace
}  // namespace isthmus::central
