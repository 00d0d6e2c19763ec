// Neutron's behaviour where its own API tests (tempest, neutron-tempest-plugin)
// found central different (issue 11, docs/conformance.md): each test names the
// behaviour, over a real HTTP server with authentication on.
#include <gtest/gtest.h>
#include <httplib.h>

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
    ReportComputeHostH1();
    if (HasFatalFailure()) return;
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

// Subnet updates Neutron allows: gateway_ip, host_routes, enable_dhcp (the
// DHCP port gets or loses its address on the subnet); an overlapping subnet is 400.
TEST_F(NeutronApiTest, SubnetUpdatesNeutronAllows) {
  std::string net = Network(demo_, "n");
  json routes = {{{"destination", "10.20.0.0/32"}, {"nexthop", "10.100.0.1"}}};
  auto [cs, sub] = Call(demo_, "POST", "/v2.0/subnets",
                        {{"subnet", {{"network_id", net}, {"cidr", "10.100.0.0/28"}, {"gateway_ip", "10.100.0.1"},
                                     {"allocation_pools", {{{"start", "10.100.0.3"}, {"end", "10.100.0.7"}}}},
                                     {"host_routes", routes}}}});
  ASSERT_EQ(cs, 201) << sub.dump();
  EXPECT_EQ(sub["subnet"]["host_routes"], routes);
  std::string id = sub["subnet"]["id"];
  auto dhcp_ips = [&] {
    size_t n = 0;
    json ports = Call(admin_, "GET", "/v2.0/ports?device_owner=network%3Adhcp").second["ports"];
    for (const auto& p : ports)
      for (const auto& f : p["fixed_ips"]) n += f["subnet_id"] == id;
    return n;
  };
  EXPECT_EQ(dhcp_ips(), 1u);
  json new_routes = {{{"destination", "10.20.0.0/24"}, {"nexthop", "10.100.0.9"}}};
  auto [cu, u] = Call(demo_, "PUT", "/v2.0/subnets/" + id,
                      {{"subnet", {{"name", "New_subnet"}, {"gateway_ip", "10.100.0.2"}, {"enable_dhcp", true},
                                   {"host_routes", new_routes}, {"dns_nameservers", {"1.2.3.4"}}}}});
  ASSERT_EQ(cu, 200) << u.dump();
  EXPECT_EQ(u["subnet"]["gateway_ip"], "10.100.0.2");
  EXPECT_EQ(u["subnet"]["host_routes"], new_routes);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/subnets/" + id).second["subnet"]["gateway_ip"], "10.100.0.2");
  // A gateway inside the pools, or off the subnet, is refused and changes nothing.
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/subnets/" + id, {{"subnet", {{"gateway_ip", "10.100.0.4"}}}}).first, 409);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/subnets/" + id, {{"subnet", {{"gateway_ip", "10.1.0.4"}}}}).first, 400);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/subnets/" + id,
                 {{"subnet", {{"host_routes", {{{"destination", "x"}, {"nexthop", "10.100.0.9"}}}}}}}).first,
            400);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/subnets/" + id).second["subnet"]["host_routes"], new_routes);
  ASSERT_EQ(Call(demo_, "PUT", "/v2.0/subnets/" + id, {{"subnet", {{"enable_dhcp", false}}}}).first, 200);
  EXPECT_EQ(dhcp_ips(), 0u);
  EXPECT_FALSE(Call(demo_, "GET", "/v2.0/subnets/" + id).second["subnet"]["enable_dhcp"]);
  ASSERT_EQ(Call(demo_, "PUT", "/v2.0/subnets/" + id, {{"subnet", {{"enable_dhcp", true}}}}).first, 200);
  EXPECT_EQ(dhcp_ips(), 1u);
  auto [co, overlap] = Call(demo_, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", net}, {"cidr", "10.100.0.0/29"}}}});
  EXPECT_EQ(co, 400) << overlap.dump();
}

// Port updates Neutron allows: fixed_ips (matched with the old ones),
// mac_address (admins, unbound ports), admin_state_up (DOWN when false).
TEST_F(NeutronApiTest, PortUpdatesNeutronAllows) {
  std::string net = Network(demo_, "n");
  std::string sub = Subnet(demo_, net, "10.100.0.0/28");
  auto [cp, port] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}}}});
  ASSERT_EQ(cp, 201) << port.dump();
  std::string id = port["port"]["id"];
  json first = port["port"]["fixed_ips"][0];
  auto [c2, two] = Call(demo_, "PUT", "/v2.0/ports/" + id,
                        {{"port", {{"fixed_ips", {first, {{"subnet_id", sub}, {"ip_address", "10.100.0.9"}}}}}}});
  ASSERT_EQ(c2, 200) << two.dump();
  ASSERT_EQ(two["port"]["fixed_ips"].size(), 2u);
  EXPECT_EQ(two["port"]["fixed_ips"][0], first);
  EXPECT_EQ(two["port"]["fixed_ips"][1]["ip_address"], "10.100.0.9");
  // The released address is free again; an address held elsewhere is 409 and changes nothing.
  auto [c1, one] = Call(demo_, "PUT", "/v2.0/ports/" + id,
                        {{"port", {{"fixed_ips", {{{"subnet_id", sub}, {"ip_address", "10.100.0.9"}}}}}}});
  ASSERT_EQ(c1, 200) << one.dump();
  ASSERT_EQ(one["port"]["fixed_ips"].size(), 1u);
  auto [co, other] = Call(demo_, "POST", "/v2.0/ports",
                          {{"port", {{"network_id", net}, {"fixed_ips", {first}}}}});
  EXPECT_EQ(co, 201) << other.dump();
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/ports/" + id, {{"port", {{"fixed_ips", {first}}}}}).first, 409);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/ports/" + id).second["port"]["fixed_ips"], one["port"]["fixed_ips"]);
  // mac_address: admins only, and not while bound.
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/ports/" + id, {{"port", {{"mac_address", "fa:16:3e:00:00:09"}}}}).first, 403);
  auto [cm, mac] = Call(admin_, "PUT", "/v2.0/ports/" + id, {{"port", {{"mac_address", "fa:16:3e:00:00:09"}}}});
  EXPECT_EQ(cm, 200) << mac.dump();
  EXPECT_EQ(mac["port"]["mac_address"], "fa:16:3e:00:00:09");
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/ports/" + other["port"]["id"].get<std::string>(),
                 {{"port", {{"mac_address", "fa:16:3e:00:00:09"}}}}).first,
            409);  // in use
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/ports/" + id, {{"port", {{"binding:host_id", "h1"}}}}).first, 200);
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/ports/" + id, {{"port", {{"mac_address", "fa:16:3e:00:00:0a"}}}}).first, 409);
  auto [cb, bound] = Call(admin_, "GET", "/v2.0/ports/" + id);
  EXPECT_EQ(bound["port"]["binding:vif_type"], "ovs");
  // admin_state_up false: DOWN.
  auto [cd, down] = Call(demo_, "PUT", "/v2.0/ports/" + id, {{"port", {{"admin_state_up", false}}}});
  ASSERT_EQ(cd, 200) << down.dump();
  EXPECT_FALSE(down["port"]["admin_state_up"]);
  EXPECT_EQ(down["port"]["status"], "DOWN");
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/ports?admin_state_up=False").second["ports"].size(), 1u);
}

// Routers take admin_state_up on create and update; networks refuse mtu
// (net-mtu: read-only here) instead of ignoring it.
TEST_F(NeutronApiTest, RouterAdminStateAndNetworkMtu) {
  auto [cr, r] = Call(demo_, "POST", "/v2.0/routers", {{"router", {{"name", "r"}, {"admin_state_up", false}}}});
  ASSERT_EQ(cr, 201) << r.dump();
  EXPECT_FALSE(r["router"]["admin_state_up"]);
  std::string id = r["router"]["id"];
  auto [cu, u] = Call(demo_, "PUT", "/v2.0/routers/" + id, {{"router", {{"admin_state_up", true}}}});
  ASSERT_EQ(cu, 200) << u.dump();
  EXPECT_TRUE(u["router"]["admin_state_up"]);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/routers/" + id, {{"router", {{"distributed", false}}}}).first, 400);
  std::string net = Network(demo_, "n");
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/networks/" + net, {{"network", {{"mtu", 1280}}}}).first, 400);
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/networks", {{"network", {{"name", "m"}, {"mtu", 1280}}}}).first, 400);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks/" + net).second["network"]["mtu"], 1450);
}

// standard-attr-timestamp, -revisions and -description: every Neutron kind
// has created_at/updated_at, a revision_number that grows on each change
// (not on an update that changes nothing) and a description kept as given.
TEST_F(NeutronApiTest, StandardAttributes) {
  auto [cn, n] = Call(demo_, "POST", "/v2.0/networks", {{"network", {{"name", "n"}, {"description", "d1"}}}});
  ASSERT_EQ(cn, 201) << n.dump();
  const json& made = n["network"];
  EXPECT_EQ(made["description"], "d1");
  EXPECT_TRUE(made["created_at"].is_string());
  EXPECT_EQ(made["updated_at"], made["created_at"]);
  EXPECT_EQ(made["revision_number"], 1);
  std::string id = made["id"];
  auto [cu, u] = Call(demo_, "PUT", "/v2.0/networks/" + id, {{"network", {{"description", "d2"}}}});
  ASSERT_EQ(cu, 200) << u.dump();
  EXPECT_EQ(u["network"]["description"], "d2");
  EXPECT_EQ(u["network"]["revision_number"], 2);
  EXPECT_EQ(u["network"]["created_at"], made["created_at"]);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/networks/" + id, {{"network", {{"description", "d2"}}}})
                .second["network"]["revision_number"],
            2);
  auto shown = Call(demo_, "GET", "/v2.0/networks/" + id).second["network"];
  EXPECT_EQ(shown["revision_number"], 2);
  EXPECT_EQ(shown["updated_at"], u["network"]["updated_at"]);
  std::string sub = Subnet(demo_, id, "10.100.0.0/28");
  auto s = Call(demo_, "GET", "/v2.0/subnets/" + sub).second["subnet"];
  EXPECT_EQ(s["revision_number"], 1);
  EXPECT_TRUE(s["created_at"].is_string());
  auto [cp, p] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", id}, {"description", "pd"}}}});
  ASSERT_EQ(cp, 201);
  EXPECT_EQ(p["port"]["description"], "pd");
  EXPECT_EQ(p["port"]["revision_number"], 1);
  auto [cr, r] = Call(demo_, "POST", "/v2.0/routers", {{"router", {{"description", "rd"}}}});
  ASSERT_EQ(cr, 201);
  EXPECT_EQ(r["router"]["description"], "rd");
  EXPECT_TRUE(r["router"]["created_at"].is_string());
  auto [cf, f] = Call(demo_, "POST", "/v2.0/floatingips", {{"floatingip", {{"floating_network_id", ext_}, {"description", "fd"}}}});
  ASSERT_EQ(cf, 201) << f.dump();
  EXPECT_EQ(f["floatingip"]["description"], "fd");
  EXPECT_EQ(f["floatingip"]["revision_number"], 1);
  auto [cfu, fu] = Call(demo_, "PUT", "/v2.0/floatingips/" + f["floatingip"]["id"].get<std::string>(),
                        {{"floatingip", {{"description", "fd2"}}}});
  EXPECT_EQ(fu["floatingip"]["description"], "fd2");
  EXPECT_EQ(fu["floatingip"]["revision_number"], 2);
}

// Bulk create ({"networks": [...]}, subnets, ports): all made, in order, or
// none (one bad item: 400 and nothing is left of the others).
TEST_F(NeutronApiTest, BulkCreateIsAllOrNothing) {
  auto [cn, nets] = Call(demo_, "POST", "/v2.0/networks", {{"networks", {{{"name", "a"}}, {{"name", "b"}}}}});
  ASSERT_EQ(cn, 201) << nets.dump();
  ASSERT_EQ(nets["networks"].size(), 2u);
  EXPECT_EQ(nets["networks"][1]["name"], "b");
  EXPECT_EQ(nets["networks"][0]["project_id"], "demo");
  std::string a = nets["networks"][0]["id"], b = nets["networks"][1]["id"];
  auto [cs, subs] = Call(demo_, "POST", "/v2.0/subnets",
                         {{"subnets", {{{"network_id", a}, {"cidr", "10.1.0.0/24"}}, {{"network_id", b}, {"cidr", "10.2.0.0/24"}}}}});
  ASSERT_EQ(cs, 201) << subs.dump();
  EXPECT_EQ(subs["subnets"].size(), 2u);
  auto [cp, ports] = Call(demo_, "POST", "/v2.0/ports", {{"ports", {{{"network_id", a}}, {{"network_id", b}}}}});
  ASSERT_EQ(cp, 201) << ports.dump();
  EXPECT_EQ(ports["ports"].size(), 2u);
  size_t before = Call(demo_, "GET", "/v2.0/ports").second["ports"].size();
  // The second fails after the first was made: the first goes again.
  json good = {{"network_id", a}};
  json bad = {{"network_id", a}, {"fixed_ips", json::array({{{"ip_address", "10.9.0.5"}}})}};
  auto [cf, failed] = Call(demo_, "POST", "/v2.0/ports", {{"ports", json::array({good, bad})}});
  EXPECT_EQ(cf, 400) << failed.dump();
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/ports").second["ports"].size(), before);
  // Refused for the caller before anything is made.
  std::string theirs = Network(other_, "theirs");
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/ports", {{"ports", {{{"network_id", a}}, {{"network_id", theirs}}}}}).first, 404);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/ports").second["ports"].size(), before);
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/networks", {{"networks", json::array()}}).first, 400);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks").second["networks"].size(), 3u);  // a, b and the external network
}

// A floating IP updated with {} is disassociated (Neutron); a description
// update keeps the association.
TEST_F(NeutronApiTest, ABlankFloatingIpUpdateDisassociates) {
  std::string net = Network(demo_, "n");
  std::string sub = Subnet(demo_, net, "10.100.0.0/28");
  auto [cr, r] = Call(demo_, "POST", "/v2.0/routers", {{"router", {{"external_gateway_info", {{"network_id", ext_}}}}}});
  ASSERT_EQ(cr, 201) << r.dump();
  ASSERT_EQ(Call(demo_, "PUT", "/v2.0/routers/" + r["router"]["id"].get<std::string>() + "/add_router_interface",
                 {{"subnet_id", sub}}).first,
            200);
  auto [cp, p] = Call(admin_, "POST", "/v2.0/ports",
                      {{"port", {{"network_id", net}, {"binding:host_id", "h1"}, {"project_id", "demo"}}}});
  ASSERT_EQ(cp, 201) << p.dump();
  std::string port = p["port"]["id"];
  auto [cf, f] = Call(demo_, "POST", "/v2.0/floatingips", {{"floatingip", {{"floating_network_id", ext_}, {"port_id", port}}}});
  ASSERT_EQ(cf, 201) << f.dump();
  std::string fip = "/v2.0/floatingips/" + f["floatingip"]["id"].get<std::string>();
  EXPECT_EQ(Call(demo_, "PUT", fip, {{"floatingip", {{"description", "d"}}}}).second["floatingip"]["port_id"], port);
  auto [cu, u] = Call(demo_, "PUT", fip, {{"floatingip", json::object()}});
  ASSERT_EQ(cu, 200) << u.dump();
  EXPECT_TRUE(u["floatingip"]["port_id"].is_null());
  EXPECT_TRUE(Call(demo_, "GET", fip).second["floatingip"]["port_id"].is_null());
}

// Revisions grow with related changes (a network's subnets, a router's
// interfaces), and If-Match: revision_number=N on another revision is 412.
TEST_F(NeutronApiTest, RevisionsFollowRelatedChangesAndIfMatch) {
  std::string net = Network(demo_, "n");
  auto rev = [&](const std::string& path, const std::string& kind) {
    return Call(demo_, "GET", path).second[kind]["revision_number"].get<int64_t>();
  };
  int64_t r1 = rev("/v2.0/networks/" + net, "network");
  std::string sub = Subnet(demo_, net, "10.100.0.0/28");
  int64_t r2 = rev("/v2.0/networks/" + net, "network");
  EXPECT_GT(r2, r1);
  auto [cr, r] = Call(demo_, "POST", "/v2.0/routers", {{"router", {{"name", "r"}}}});
  ASSERT_EQ(cr, 201);
  std::string router = r["router"]["id"];
  int64_t rr1 = r["router"]["revision_number"];
  ASSERT_EQ(Call(demo_, "PUT", "/v2.0/routers/" + router + "/add_router_interface", {{"subnet_id", sub}}).first, 200);
  int64_t rr2 = rev("/v2.0/routers/" + router, "router");
  EXPECT_GT(rr2, rr1);
  ASSERT_EQ(Call(demo_, "PUT", "/v2.0/routers/" + router + "/remove_router_interface", {{"subnet_id", sub}}).first,
            200);
  EXPECT_GT(rev("/v2.0/routers/" + router, "router"), rr2);
  ASSERT_EQ(Call(demo_, "DELETE", "/v2.0/subnets/" + sub).first, 204);
  EXPECT_GT(rev("/v2.0/networks/" + net, "network"), r2);
  // If-Match.
  httplib::Client client("127.0.0.1", port_);
  int64_t now = rev("/v2.0/networks/" + net, "network");
  auto put = [&](int64_t match) {
    auto res = client.Put("/v2.0/networks/" + net,
                          {{"X-Auth-Token", demo_}, {"If-Match", "revision_number=" + std::to_string(match)}},
                          json{{"network", {{"name", "m"}}}}.dump(), "application/json");
    return res ? res->status : 0;
  };
  EXPECT_EQ(put(now - 1), 412);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks/" + net).second["network"]["name"], "n");
  EXPECT_EQ(put(now), 200);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks/" + net).second["network"]["name"], "m");
}

// A member does not see the subnets of an external network (Neutron: only a
// shared network's are visible); a router's interfaces may not overlap (400);
// differing project_id and tenant_id get Neutron's message.
TEST_F(NeutronApiTest, ExternalSubnetsHiddenOverlappingInterfacesAndProjectMismatch) {
  auto [cl, list] = Call(demo_, "GET", "/v2.0/subnets?network_id=" + ext_);
  ASSERT_EQ(cl, 200);
  EXPECT_EQ(list["subnets"].size(), 0u);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/subnets/" + ext_subnet_).first, 404);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/subnets?network_id=" + ext_).second["subnets"].size(), 1u);
  std::string a = Subnet(demo_, Network(demo_, "a"), "10.1.0.0/24");
  std::string b = Subnet(demo_, Network(demo_, "b"), "10.1.0.0/25");
  auto [cr, r] = Call(demo_, "POST", "/v2.0/routers", {{"router", {{"name", "r"}}}});
  ASSERT_EQ(cr, 201);
  std::string add = "/v2.0/routers/" + r["router"]["id"].get<std::string>() + "/add_router_interface";
  ASSERT_EQ(Call(demo_, "PUT", add, {{"subnet_id", a}}).first, 200);
  auto [co, overlap] = Call(demo_, "PUT", add, {{"subnet_id", b}});
  EXPECT_EQ(co, 400) << overlap.dump();
  auto [cm, mismatch] = Call(admin_, "POST", "/v2.0/networks",
                             {{"network", {{"name", "x"}, {"project_id", "demo"}, {"tenant_id", "other"}}}});
  EXPECT_EQ(cm, 400);
  EXPECT_EQ(mismatch["NeutronError"]["message"], "'project_id' and 'tenant_id' do not match");
}

// add_router_interface with a port: the port (unused, one fixed IP) becomes
// the router's interface with its own address; removing it by port deletes it.
TEST_F(NeutronApiTest, AnInterfaceFromAPort) {
  std::string net = Network(demo_, "n");
  std::string sub = Subnet(demo_, net, "10.100.0.0/28");
  auto [cp, port] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}}}});
  ASSERT_EQ(cp, 201);
  std::string id = port["port"]["id"];
  auto [cr, r] = Call(demo_, "POST", "/v2.0/routers", {{"router", {{"name", "r"}}}});
  ASSERT_EQ(cr, 201);
  std::string router = r["router"]["id"];
  auto [ca, added] = Call(demo_, "PUT", "/v2.0/routers/" + router + "/add_router_interface", {{"port_id", id}});
  ASSERT_EQ(ca, 200) << added.dump();
  EXPECT_EQ(added["port_id"], id);
  EXPECT_EQ(added["subnet_id"], sub);
  auto shown = Call(demo_, "GET", "/v2.0/ports/" + id).second["port"];
  EXPECT_EQ(shown["device_id"], router);
  EXPECT_EQ(shown["device_owner"], "network:router_interface_distributed");
  EXPECT_EQ(shown["fixed_ips"], port["port"]["fixed_ips"]);
  // In use now; the subnet has this router's interface already.
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/routers/" + router + "/add_router_interface", {{"port_id", id}}).first, 409);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/routers/" + router + "/add_router_interface", {{"subnet_id", sub}}).first, 409);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/routers/" + router + "/add_router_interface", {{"port_id", "nope"}}).first, 400);  // not a UUID
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/routers/" + router + "/add_router_interface",
                 {{"port_id", "00000000-0000-4000-8000-000000000000"}}).first,
            404);
  ASSERT_EQ(Call(demo_, "PUT", "/v2.0/routers/" + router + "/remove_router_interface", {{"port_id", id}}).first, 200);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/ports/" + id).first, 404);
}

// Only an admin chooses a router's mode (Neutron's policy): a member asking for
// distributed is 403; without it, the member's router takes the default.
TEST_F(NeutronApiTest, OnlyAnAdminSetsDistributed) {
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/routers", {{"router", {{"distributed", true}}}}).first, 403);
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/routers", {{"router", {{"distributed", false}}}}).first, 403);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/routers").second["routers"].size(), 0u);
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/routers", {{"router", {{"name", "r"}}}}).second["router"]["distributed"], true);
  EXPECT_EQ(Call(admin_, "POST", "/v2.0/routers", {{"router", {{"distributed", false}}}}).first, 201);
}

// A plain router:external network, as tempest's ExternalNetworksTestJSON and
// RoutersAdminTest make them: flat on its cloud's br-ex, its physical network
// its own id; made and changed by admins only; a gateway with a fixed IP on it;
// deleting it takes its unused floating IPs along.
TEST_F(NeutronApiTest, PlainExternalNetworks) {
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/networks", {{"network", {{"router:external", true}}}}).first, 403);
  auto [ce, e] = Call(admin_, "POST", "/v2.0/networks", {{"network", {{"name", "ext2"}, {"router:external", true}}}});
  ASSERT_EQ(ce, 201) << e.dump();
  const std::string ext = e["network"]["id"];
  EXPECT_EQ(e["network"]["router:external"], true);
  EXPECT_EQ(e["network"]["provider:network_type"], "flat");
  EXPECT_EQ(e["network"]["provider:physical_network"], ext);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks/" + ext).second["network"]["router:external"], true);
  auto [cs, sub] = Call(admin_, "POST", "/v2.0/subnets",
                        {{"subnet", {{"network_id", ext}, {"cidr", "172.25.0.0/24"}, {"enable_dhcp", false},
                                     {"ip_version", "4"}}}});  // Neutron takes the version as text too
  ASSERT_EQ(cs, 201) << sub.dump();
  auto [cg, r] = Call(admin_, "POST", "/v2.0/routers",
                      {{"router", {{"external_gateway_info",
                                    {{"network_id", ext},
                                     {"external_fixed_ips", {{{"subnet_id", sub["subnet"]["id"]},
                                                              {"ip_address", "172.25.0.7"}}}}}}}}});
  ASSERT_EQ(cg, 201) << r.dump();
  EXPECT_EQ(r["router"]["external_gateway_info"]["external_fixed_ips"][0]["ip_address"], "172.25.0.7");
  // In use by a gateway: neither deleted nor made internal.
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/networks/" + ext, {{"network", {{"router:external", false}}}}).first, 409);
  EXPECT_EQ(Call(admin_, "DELETE", "/v2.0/networks/" + ext).first, 409);
  ASSERT_EQ(Call(admin_, "DELETE", "/v2.0/routers/" + r["router"]["id"].get<std::string>()).first, 204);
  auto [cf, fip] = Call(admin_, "POST", "/v2.0/floatingips", {{"floatingip", {{"floating_network_id", ext}}}});
  ASSERT_EQ(cf, 201) << fip.dump();
  EXPECT_TRUE(fip["floatingip"]["port_details"].is_null());
  ASSERT_EQ(Call(admin_, "DELETE", "/v2.0/networks/" + ext).first, 204);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/floatingips/" + fip["floatingip"]["id"].get<std::string>()).first, 404);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/subnets/" + sub["subnet"]["id"].get<std::string>()).first, 404);
}

// router:external on an update (admins): a network without ports becomes
// external and back (a new VNI, its DHCP port again); 409 while a port is on it.
TEST_F(NeutronApiTest, RouterExternalUpdates) {
  const std::string net = Network(admin_, "n");
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/networks/" + net, {{"network", {{"router:external", true}}}}).first, 404);
  const std::string mine = Network(demo_, "mine");
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/networks/" + mine, {{"network", {{"router:external", true}}}}).first, 403);
  auto [cu, u] = Call(admin_, "PUT", "/v2.0/networks/" + net, {{"network", {{"router:external", true}}}});
  ASSERT_EQ(cu, 200) << u.dump();
  EXPECT_EQ(u["network"]["router:external"], true);
  EXPECT_EQ(u["network"]["provider:network_type"], "flat");
  EXPECT_TRUE(u["network"]["provider:segmentation_id"].is_null());
  const std::string sub = Subnet(admin_, net, "10.50.0.0/24");  // DHCP on, but an external network has none
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/ports?network_id=" + net).second["ports"].size(), 0u);
  auto [cb, back] = Call(admin_, "PUT", "/v2.0/networks/" + net, {{"network", {{"router:external", false}}}});
  ASSERT_EQ(cb, 200) << back.dump();
  EXPECT_EQ(back["network"]["provider:network_type"], "vxlan");
  EXPECT_TRUE(back["network"]["provider:segmentation_id"].is_number());
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/ports?device_owner=network%3Adhcp&network_id=" + net).second["ports"].size(), 1u);
  ASSERT_EQ(Call(admin_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}}}}).first, 201);
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/networks/" + net, {{"network", {{"router:external", true}}}}).first, 409);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/networks/" + net).second["network"]["router:external"], false);
}

// A router interface's port takes its fixed_ips back as they are (tempest),
// not another address; a floating IP shows its port's details; another
// project's port is 400 to a member, as Neutron answers.
TEST_F(NeutronApiTest, InterfacePortsAndFloatingIpPorts) {
  const std::string net = Network(demo_, "n");
  const std::string sub = Subnet(demo_, net, "10.60.0.0/24");
  auto [cr, r] = Call(demo_, "POST", "/v2.0/routers", {{"router", {{"external_gateway_info", {{"network_id", ext_}}}}}});
  ASSERT_EQ(cr, 201);
  auto [ci, i] = Call(demo_, "PUT", "/v2.0/routers/" + r["router"]["id"].get<std::string>() + "/add_router_interface",
                      {{"subnet_id", sub}});
  ASSERT_EQ(ci, 200) << i.dump();
  const std::string leg = "/v2.0/ports/" + i["port_id"].get<std::string>();
  auto [cu, u] = Call(demo_, "PUT", leg, {{"port", {{"fixed_ips", {{{"subnet_id", sub}}}}}}});
  ASSERT_EQ(cu, 200) << u.dump();
  EXPECT_EQ(u["port"]["fixed_ips"][0]["ip_address"], "10.60.0.1");
  EXPECT_EQ(Call(demo_, "PUT", leg, {{"port", {{"fixed_ips", {{{"subnet_id", sub}, {"ip_address", "10.60.0.9"}}}}}}}).first,
            409);
  EXPECT_EQ(Call(demo_, "PUT", leg, {{"port", {{"admin_state_up", false}}}}).first, 409);
  EXPECT_EQ(Call(demo_, "GET", leg).second["port"]["fixed_ips"][0]["ip_address"], "10.60.0.1");
  auto [cp, port] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"name", "vm"}}}});
  ASSERT_EQ(cp, 201);
  auto [cf, fip] = Call(demo_, "POST", "/v2.0/floatingips",
                        {{"floatingip", {{"floating_network_id", ext_}, {"port_id", port["port"]["id"]}}}});
  ASSERT_EQ(cf, 201) << fip.dump();
  const json& details = fip["floatingip"]["port_details"];
  EXPECT_EQ(details["name"], "vm");
  EXPECT_EQ(details["mac_address"], port["port"]["mac_address"]);
  EXPECT_EQ(details["network_id"], net);
  EXPECT_EQ(details["status"], port["port"]["status"]);
  auto [co, other_fip] = Call(other_, "POST", "/v2.0/floatingips", {{"floatingip", {{"floating_network_id", ext_}}}});
  ASSERT_EQ(co, 201) << other_fip.dump();
  auto [ca, a] = Call(other_, "PUT", "/v2.0/floatingips/" + other_fip["floatingip"]["id"].get<std::string>(),
                      {{"floatingip", {{"port_id", port["port"]["id"]}}}});
  EXPECT_EQ(ca, 400) << a.dump();
  EXPECT_EQ(Call(other_, "PUT", "/v2.0/floatingips/" + other_fip["floatingip"]["id"].get<std::string>(),
                 {{"floatingip", {{"port_id", "00000000-0000-4000-8000-000000000000"}}}}).first,
            404);
}

}  // namespace
}  // namespace isthmus::central
