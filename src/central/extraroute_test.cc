// Extra routes (Neutron's extraroute and extraroute-atomic) through the API:
// the router view's routes, PUT replacing them, add_extraroutes and
// remove_extraroutes, and Neutron's checks.
#include <gtest/gtest.h>

#include "central/api_test_fixture.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class ExtraRouteTest : public CentralApiTest {
 protected:
  ExtraRouteTest() : CentralApiTest("extraroute") {}
  void SetUp() override {
    CentralApiTest::SetUp();
    if (HasFatalFailure()) return;
    auto [cr, r] = Call(demo_, "POST", "/v2.0/routers", {{"router", {{"name", "r"}}}});
    ASSERT_EQ(cr, 201) << r.dump();
    router_ = r["router"]["id"];
    EXPECT_EQ(r["router"]["routes"], json::array());
    net_ = Network(demo_, "n");
    auto [cs, s] = Call(demo_, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", net_}, {"cidr", "10.0.3.0/24"}}}});
    ASSERT_EQ(cs, 201) << s.dump();
    subnet_ = s["subnet"]["id"];
    ASSERT_EQ(Call(demo_, "PUT", Path("add_router_interface"), {{"subnet_id", subnet_}}).first, 200);
  }
  std::string Path(const std::string& action = "") const {
    return "/v2.0/routers/" + router_ + (action.empty() ? "" : "/" + action);
  }
  static json Route(const std::string& destination, const std::string& nexthop) {
    return {{"destination", destination}, {"nexthop", nexthop}};
  }
  static json Body(json routes) { return {{"router", {{"routes", std::move(routes)}}}}; }
  json Routes() { return Call(demo_, "GET", Path()).second["router"]["routes"]; }

  std::string router_, net_, subnet_;
};

TEST_F(ExtraRouteTest, PutReplacesTheRoutesAndTheViewShowsThem) {
  json routes = {Route("198.51.100.0/24", "10.0.3.20"), Route("203.0.113.0/25", "10.0.3.21")};
  auto [cu, u] = Call(demo_, "PUT", Path(), Body(routes));
  ASSERT_EQ(cu, 200) << u.dump();
  EXPECT_EQ(u["router"]["routes"], routes);
  EXPECT_EQ(Routes(), routes);
  EXPECT_EQ(Call(demo_, "PUT", Path(), Body({Route("192.0.2.0/24", "10.0.3.22")})).first, 200);
  EXPECT_EQ(Routes(), json::array({Route("192.0.2.0/24", "10.0.3.22")}));
  EXPECT_EQ(Call(demo_, "PUT", Path(), Body(nullptr)).first, 200);
  EXPECT_EQ(Routes(), json::array());
  // Not on create (Neutron's routes are update-only).
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/routers", Body(routes)).first, 400);
}

TEST_F(ExtraRouteTest, AddAndRemoveAreAtomicAndIdempotent) {
  auto [ca, a] = Call(demo_, "PUT", Path("add_extraroutes"),
                      Body({Route("198.51.100.0/24", "10.0.3.20"), Route("203.0.113.0/25", "10.0.3.21")}));
  ASSERT_EQ(ca, 200) << a.dump();
  EXPECT_EQ(a["router"]["id"], router_);
  EXPECT_EQ(a["router"]["routes"].size(), 2u);
  // Adding one already there changes nothing; a new one is appended.
  auto [cb, b] = Call(demo_, "PUT", Path("add_extraroutes"),
                      Body({Route("198.51.100.0/24", "10.0.3.20"), Route("192.0.2.0/24", "10.0.3.22")}));
  ASSERT_EQ(cb, 200) << b.dump();
  EXPECT_EQ(b["router"]["routes"], json::array({Route("198.51.100.0/24", "10.0.3.20"),
                                                Route("203.0.113.0/25", "10.0.3.21"),
                                                Route("192.0.2.0/24", "10.0.3.22")}));
  // Removing one that is not there is no error.
  auto [cr, r] = Call(demo_, "PUT", Path("remove_extraroutes"),
                      Body({Route("203.0.113.0/25", "10.0.3.21"), Route("10.9.0.0/16", "10.0.3.30")}));
  ASSERT_EQ(cr, 200) << r.dump();
  EXPECT_EQ(r["router"]["routes"], json::array({Route("198.51.100.0/24", "10.0.3.20"),
                                                Route("192.0.2.0/24", "10.0.3.22")}));
  // One bad route refuses the whole addition.
  EXPECT_EQ(Call(demo_, "PUT", Path("add_extraroutes"),
                 Body({Route("10.8.0.0/16", "10.0.3.23"), Route("10.7.0.0/16", "10.9.9.9")}))
                .first,
            400);
  EXPECT_EQ(Routes().size(), 2u);
  EXPECT_EQ(Call(demo_, "PUT", Path("add_extraroutes"), {{"router", json::object()}}).first, 400);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/routers/nope/add_extraroutes", Body(json::array())).first, 404);
  // Another project's router: not visible.
  EXPECT_EQ(Call(other_, "PUT", Path("add_extraroutes"), Body({Route("10.8.0.0/16", "10.0.3.23")})).first, 404);
}

TEST_F(ExtraRouteTest, NeutronsChecks) {
  auto put = [&](json routes) { return Call(demo_, "PUT", Path(), Body(std::move(routes))); };
  auto [c1, e1] = put({Route("198.51.100.0/24", "10.0.4.20")});
  EXPECT_EQ(c1, 400);
  EXPECT_NE(e1.dump().find("the nexthop is not connected with router"), std::string::npos) << e1.dump();
  auto [c2, e2] = put({Route("198.51.100.0/24", "10.0.3.1")});  // the router's own interface
  EXPECT_EQ(c2, 400);
  EXPECT_NE(e2.dump().find("the nexthop is used by router"), std::string::npos) << e2.dump();
  EXPECT_EQ(put({Route("198.51.100.1/24", "10.0.3.20")}).first, 400);  // not a CIDR
  EXPECT_EQ(put({Route("198.51.100.0/24", "10.0.3")}).first, 400);
  EXPECT_EQ(put({Route("198.51.100.0/24", "10.0.3.20"), Route("198.51.100.0/24", "10.0.3.20")}).first, 400);
  EXPECT_EQ(put({{{"destination", "198.51.100.0/24"}}}).first, 400);
  EXPECT_EQ(put("198.51.100.0/24").first, 400);
  json thirty = json::array(), thirty_one;
  for (int i = 0; i < 30; ++i) thirty.push_back(Route("192.0.2." + std::to_string(i * 8) + "/29", "10.0.3.20"));
  EXPECT_EQ(put(thirty).first, 200);
  thirty_one = thirty;
  thirty_one.push_back(Route("198.51.100.0/24", "10.0.3.20"));
  EXPECT_EQ(put(thirty_one).first, 400);
  EXPECT_EQ(Routes(), thirty);  // a refused update changed nothing
}

TEST_F(ExtraRouteTest, AnInterfaceARouteNeedsCannotBeRemoved) {
  ASSERT_EQ(Call(demo_, "PUT", Path(), Body({Route("198.51.100.0/24", "10.0.3.20")})).first, 200);
  auto [c, e] = Call(demo_, "PUT", Path("remove_router_interface"), {{"subnet_id", subnet_}});
  EXPECT_EQ(c, 409) << e.dump();
  EXPECT_NE(e.dump().find("required by one or more routes"), std::string::npos) << e.dump();
  ASSERT_EQ(Call(demo_, "PUT", Path("remove_extraroutes"), Body({Route("198.51.100.0/24", "10.0.3.20")})).first, 200);
  EXPECT_EQ(Call(demo_, "PUT", Path("remove_router_interface"), {{"subnet_id", subnet_}}).first, 200);
}

TEST_F(ExtraRouteTest, BothExtensionsAreListed) {
  for (const char* alias : {"extraroute", "extraroute-atomic"}) {
    auto [c, e] = Call(demo_, "GET", std::string("/v2.0/extensions/") + alias);
    EXPECT_EQ(c, 200) << alias;
    EXPECT_EQ(e["extension"]["alias"], alias);
  }
}

}  // namespace
}  // namespace isthmus::central
