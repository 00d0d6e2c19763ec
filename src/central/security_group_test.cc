// Security groups, their rules and the ports' port security in central's API,
// as Neutron answers them (issue 11), over a real HTTP server with
// authentication on: the default group, rule checks, access, quotas, and the
// events that carry groups and rules to every cloud.
#include <gtest/gtest.h>
#include <httplib.h>

#include <set>

#include "central/api_test_fixture.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class SecurityGroupApiTest : public CentralApiTest {
 protected:
  SecurityGroupApiTest() : CentralApiTest("security_group") {}

  // A group made by token's caller; its id ("" on failure).
  std::string Group(const std::string& token, const std::string& name) {
    auto [code, g] = Call(token, "POST", "/v2.0/security-groups", {{"security_group", {{"name", name}}}});
    EXPECT_EQ(code, 201) << g.dump();
    return code == 201 ? g["security_group"]["id"].get<std::string>() : "";
  }
  std::pair<int, json> Rule(const std::string& token, const std::string& group, json rule) {
    rule["security_group_id"] = group;
    return Call(token, "POST", "/v2.0/security-group-rules", {{"security_group_rule", rule}});
  }
  // A subnet on a new network of token's caller; the network's id.
  std::string NetworkWithSubnet(const std::string& token) {
    std::string net = Network(token);
    auto [code, s] = Call(token, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", net}, {"cidr", "10.0.0.0/24"}}}});
    EXPECT_EQ(code, 201) << s.dump();
    return net;
  }
  // A second cloud c2; a network with a subnet of demo's in c1 (here) and one
  // in c2 only (far, 10.9.0.0/24): their ids ("" on failure).
  std::pair<std::string, std::string> NetworksHereAndFar() {
    EXPECT_EQ(Call(admin_, "POST", "/v2.0/clouds", {{"cloud", {{"name", "c2"}, {"endpoint", "http://127.0.0.1:2"}}}}).first,
              201);
    std::string here = NetworkWithSubnet(demo_);
    auto [cn, n2] = Call(demo_, "POST", "/v2.0/networks", {{"network", {{"name", "far"}, {"availability_zone_hints", {"c2"}}}}});
    EXPECT_EQ(cn, 201) << n2.dump();
    if (cn != 201) return {here, ""};
    std::string far = n2["network"]["id"];
    EXPECT_EQ(Call(demo_, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", far}, {"cidr", "10.9.0.0/24"}}}}).first, 201);
    return {here, far};
  }
  // The caller's groups named `name`.
  json GroupsNamed(const std::string& token, const std::string& name) {
    auto [code, l] = Call(token, "GET", "/v2.0/security-groups?name=" + name);
    EXPECT_EQ(code, 200) << l.dump();
    return l["security_groups"];
  }
  // The events pending for cloud c1 of `kind` with `op`.
  std::vector<OutboxEvent> Pending(const std::string& kind, const std::string& op) {
    std::vector<OutboxEvent> out;
    auto pending = s_->PendingEvents("c1", 100000);  // held: the loop reads into it
    EXPECT_TRUE(pending.ok());
    for (const auto& e : *pending)
      if (e.kind == kind && e.op == op) out.push_back(e);
    return out;
  }
};

// A project's first list makes its default group, once, with Neutron's four
// rules: ingress from members of the group itself, egress to anywhere (IPv4 and IPv6 each).
TEST_F(SecurityGroupApiTest, AProjectsFirstListMakesItsDefaultGroupWithNeutronsRules) {
  auto [code, l] = Call(demo_, "GET", "/v2.0/security-groups");
  ASSERT_EQ(code, 200) << l.dump();
  ASSERT_EQ(l["security_groups"].size(), 1u) << l.dump();
  const json g = l["security_groups"][0];
  EXPECT_EQ(g["name"], "default");
  EXPECT_EQ(g["project_id"], "demo");
  std::set<std::string> rules;
  for (const auto& r : g["security_group_rules"])
    rules.insert(r["direction"].get<std::string>() + " " + r["ethertype"].get<std::string>() + " " +
                 (r["remote_group_id"].is_null() ? "any" : r["remote_group_id"] == g["id"] ? "self" : "other") +
                 (r["protocol"].is_null() && r["remote_ip_prefix"].is_null() ? "" : " +"));
  EXPECT_EQ(rules, (std::set<std::string>{"ingress IPv4 self", "ingress IPv6 self", "egress IPv4 any",
                                          "egress IPv6 any"}));
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/security-groups").second["security_groups"].size(), 1u) << "made once";
  // The rules are listed on their own too, and reach the cloud.
  auto [cr, rl] = Call(demo_, "GET", "/v2.0/security-group-rules");
  ASSERT_EQ(cr, 200) << rl.dump();
  EXPECT_EQ(rl["security_group_rules"].size(), 4u);
  EXPECT_EQ(Pending("securitygroup", "upsert").size(), 1u);
  EXPECT_EQ(Pending("securitygrouprule", "upsert").size(), 4u);
  // Another project does not see it, and gets its own.
  auto [co, ol] = Call(other_, "GET", "/v2.0/security-groups");
  ASSERT_EQ(ol["security_groups"].size(), 1u);
  EXPECT_NE(ol["security_groups"][0]["id"], g["id"]);
  EXPECT_EQ(Call(other_, "GET", "/v2.0/security-groups/" + g["id"].get<std::string>()).first, 404);
}

// A network's create makes its project's default group; an instance port goes
// into it unless told otherwise; network:* ports and ports without port security have none.
TEST_F(SecurityGroupApiTest, PortsAreInTheirProjectsDefaultGroupUnlessToldOtherwise) {
  std::string net = NetworkWithSubnet(demo_);
  json defaults = GroupsNamed(demo_, "default");
  ASSERT_EQ(defaults.size(), 1u);
  const std::string def = defaults[0]["id"];
  auto [c1, p1] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}}}});
  ASSERT_EQ(c1, 201) << p1.dump();
  EXPECT_EQ(p1["port"]["security_groups"], json::array({def}));
  EXPECT_EQ(p1["port"]["port_security_enabled"], true);
  EXPECT_EQ(p1["port"]["allowed_address_pairs"], json::array());
  auto [c2, p2] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"security_groups", json::array()}}}});
  ASSERT_EQ(c2, 201) << p2.dump();
  EXPECT_EQ(p2["port"]["security_groups"], json::array());
  auto [c3, p3] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"port_security_enabled", false}}}});
  ASSERT_EQ(c3, 201) << p3.dump();
  EXPECT_EQ(p3["port"]["security_groups"], json::array());
  EXPECT_EQ(p3["port"]["port_security_enabled"], false);
  // The DHCP port central made is trusted: no groups.
  auto [cd, dl] = Call(admin_, "GET", "/v2.0/ports?device_owner=network:dhcp&network_id=" + net);
  ASSERT_EQ(dl["ports"].size(), 1u) << dl.dump();
  EXPECT_EQ(dl["ports"][0]["security_groups"], json::array());
  // Groups with port security off: 400 on create; an unknown group: 404.
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/ports",
                 {{"port", {{"network_id", net}, {"port_security_enabled", false}, {"security_groups", {def}}}}})
                .first,
            400);
  auto [cu, u] = Call(demo_, "POST", "/v2.0/ports",
                      {{"port", {{"network_id", net}, {"security_groups", {"00000000-0000-4000-8000-000000000000"}}}}});
  EXPECT_EQ(cu, 404) << u.dump();
  // A group of another project, as a member: 404.
  std::string theirs = Group(other_, "theirs");
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"security_groups", {theirs}}}}}).first,
            404);
  // The port's events carry its groups to the cloud.
  bool carried = false;
  for (const auto& e : Pending("port", "upsert"))
    if (e.id == p1["port"]["id"] && e.body["security_groups"] == json::array({def})) carried = true;
  EXPECT_TRUE(carried);
}

// Create, show, update (name, description), list and delete of groups; the
// name "default" is the default group's alone (409), which a member cannot
// rename or delete (409); an admin may delete it.
TEST_F(SecurityGroupApiTest, GroupsAsNeutronAnswersThem) {
  auto [cc, g] = Call(demo_, "POST", "/v2.0/security-groups",
                      {{"security_group", {{"name", "web"}, {"description", "the web tier"}}}});
  ASSERT_EQ(cc, 201) << g.dump();
  const std::string id = g["security_group"]["id"];
  EXPECT_EQ(g["security_group"]["description"], "the web tier");
  EXPECT_EQ(g["security_group"]["security_group_rules"].size(), 2u) << "a new group lets everything out";
  for (const auto& r : g["security_group"]["security_group_rules"]) EXPECT_EQ(r["direction"], "egress");
  auto [cu, u] = Call(demo_, "PUT", "/v2.0/security-groups/" + id, {{"security_group", {{"name", "www"}}}});
  ASSERT_EQ(cu, 200) << u.dump();
  EXPECT_EQ(u["security_group"]["name"], "www");
  EXPECT_EQ(u["security_group"]["revision_number"], 2);
  EXPECT_EQ(GroupsNamed(demo_, "www").size(), 1u);
  EXPECT_EQ(GroupsNamed(demo_, "default").size(), 1u) << "made with the project's first group";
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/security-groups", {{"security_group", {{"name", "default"}}}}).first, 409);
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/security-groups", {{"security_group", {{"name", "Default"}}}}).first, 409);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/security-groups/" + id, {{"security_group", {{"name", "default"}}}}).first, 409);
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/security-groups", {{"security_group", {{"name", "x"}, {"bogus", 1}}}}).first, 400);
  const std::string def = GroupsNamed(demo_, "default")[0]["id"];
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/security-groups/" + def, {{"security_group", {{"name", "mine"}}}}).first, 409);
  EXPECT_EQ(Call(demo_, "DELETE", "/v2.0/security-groups/" + def).first, 409);
  EXPECT_EQ(Call(other_, "DELETE", "/v2.0/security-groups/" + id).first, 404);
  EXPECT_EQ(Call(demo_, "DELETE", "/v2.0/security-groups/" + id).first, 204);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/security-groups/" + id).first, 404);
  EXPECT_EQ(Call(admin_, "DELETE", "/v2.0/security-groups/" + def).first, 204);
  // Paginated lists carry Neutron's collection key.
  Group(demo_, "a");
  Group(demo_, "b");
  auto [cl, page] = Call(demo_, "GET", "/v2.0/security-groups?limit=1");
  ASSERT_EQ(cl, 200) << page.dump();
  EXPECT_EQ(page["security_groups"].size(), 1u);
  EXPECT_TRUE(page.contains("security_groups_links")) << page.dump();
}

// A group in use by a port cannot be deleted (409); deleting a group deletes
// its rules and the rules naming it as their remote group, and the deletes reach the cloud.
TEST_F(SecurityGroupApiTest, DeletingAGroupDeletesItsRulesAndRefusesWhileInUse) {
  std::string net = NetworkWithSubnet(demo_);
  std::string web = Group(demo_, "web"), db = Group(demo_, "db");
  auto [cr, r] = Rule(demo_, db, {{"direction", "ingress"}, {"protocol", "tcp"}, {"port_range_min", 5432},
                                  {"port_range_max", 5432}, {"remote_group_id", web}});
  ASSERT_EQ(cr, 201) << r.dump();
  auto [cp, p] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"security_groups", {web}}}}});
  ASSERT_EQ(cp, 201) << p.dump();
  const std::string port = p["port"]["id"];
  auto [cd, d] = Call(demo_, "DELETE", "/v2.0/security-groups/" + web);
  EXPECT_EQ(cd, 409) << d.dump();
  ASSERT_EQ(Call(demo_, "PUT", "/v2.0/ports/" + port, {{"port", {{"security_groups", json::array()}}}}).first, 200);
  std::vector<std::string> rules_of_web;
  auto [cl, listed] = Call(demo_, "GET", "/v2.0/security-group-rules?security_group_id=" + web);
  ASSERT_EQ(cl, 200) << listed.dump();
  for (const auto& x : listed["security_group_rules"]) rules_of_web.push_back(x["id"]);
  ASSERT_EQ(rules_of_web.size(), 2u) << listed.dump();
  ASSERT_EQ(Call(demo_, "DELETE", "/v2.0/security-groups/" + web).first, 204);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/security-group-rules/" + r["security_group_rule"]["id"].get<std::string>()).first,
            404)
      << "a rule naming the deleted group as its remote group goes with it";
  std::set<std::string> deleted;
  for (const auto& e : Pending("securitygrouprule", "delete")) deleted.insert(e.id);
  for (const auto& id : rules_of_web) EXPECT_TRUE(deleted.count(id)) << id;
  EXPECT_TRUE(deleted.count(r["security_group_rule"]["id"]));
  EXPECT_EQ(Pending("securitygroup", "delete").size(), 1u);
  // db lost a rule: its revision went up.
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/security-groups/" + db).second["security_group"]["security_group_rules"].size(),
            2u);
}

// Neutron's rule checks, each refusal a 400 that changes nothing.
TEST_F(SecurityGroupApiTest, RulesAreCheckedAsNeutronChecksThem) {
  std::string g = Group(demo_, "g");
  const std::vector<json> bad = {
      {{"direction", "sideways"}},
      {{"ethertype", "IPv5"}, {"direction", "ingress"}},
      {{"direction", "ingress"}, {"protocol", "bogus"}},
      {{"direction", "ingress"}, {"protocol", 256}},
      {{"direction", "ingress"}, {"protocol", "tcp"}, {"port_range_min", 80}, {"port_range_max", 22}},
      {{"direction", "ingress"}, {"protocol", "tcp"}, {"port_range_min", 0}, {"port_range_max", 22}},
      {{"direction", "ingress"}, {"protocol", "tcp"}, {"port_range_min", 1}, {"port_range_max", 65536}},
      {{"direction", "ingress"}, {"protocol", "tcp"}, {"port_range_min", 22}},
      {{"direction", "ingress"}, {"port_range_min", 22}, {"port_range_max", 22}},
      {{"direction", "ingress"}, {"protocol", "gre"}, {"port_range_min", 22}, {"port_range_max", 22}},
      {{"direction", "ingress"}, {"protocol", "icmp"}, {"port_range_min", 256}},
      {{"direction", "ingress"}, {"protocol", "icmp"}, {"port_range_max", 0}},
      {{"direction", "ingress"}, {"protocol", "icmpv6"}, {"ethertype", "IPv4"}},
      {{"direction", "ingress"}, {"protocol", "44"}, {"ethertype", "IPv4"}},
      {{"direction", "ingress"}, {"remote_ip_prefix", "fd00::/64"}},
      {{"direction", "ingress"}, {"remote_ip_prefix", "10.0.0.0/33"}},
      {{"direction", "ingress"}, {"remote_ip_prefix", "not-an-ip"}},
      {{"direction", "ingress"}, {"remote_ip_prefix", "10.0.0.0/8"}, {"remote_group_id", g}},
      {{"direction", "ingress"}, {"bogus", true}},
  };
  for (const auto& b : bad) {
    auto [code, e] = Rule(demo_, g, b);
    EXPECT_EQ(code, 400) << b.dump() << " -> " << e.dump();
  }
  EXPECT_EQ(Rule(demo_, g, {{"direction", "ingress"}, {"remote_group_id", "00000000-0000-4000-8000-000000000000"}}).first,
            404);
  EXPECT_EQ(Rule(demo_, "00000000-0000-4000-8000-000000000000", {{"direction", "ingress"}}).first, 404);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/security-groups/" + g).second["security_group"]["security_group_rules"].size(), 2u)
      << "nothing was made";
  // Normalised as Neutron stores them.
  auto [c1, r1] = Rule(demo_, g, {{"direction", "ingress"}, {"ethertype", "ipv4"}, {"protocol", "TCP"},
                                  {"port_range_min", "22"}, {"port_range_max", 22},
                                  {"remote_ip_prefix", "10.1.2.3/16"}});
  ASSERT_EQ(c1, 201) << r1.dump();
  EXPECT_EQ(r1["security_group_rule"]["ethertype"], "IPv4");
  EXPECT_EQ(r1["security_group_rule"]["protocol"], "tcp");
  EXPECT_EQ(r1["security_group_rule"]["port_range_min"], 22);
  EXPECT_EQ(r1["security_group_rule"]["remote_ip_prefix"], "10.1.0.0/16");
  auto [c2, r2] = Rule(demo_, g, {{"direction", "ingress"}, {"ethertype", "IPv6"}, {"protocol", "58"},
                                  {"port_range_min", 128}, {"port_range_max", 0}, {"remote_ip_prefix", "fd00::1/64"}});
  ASSERT_EQ(c2, 201) << r2.dump();
  EXPECT_EQ(r2["security_group_rule"]["remote_ip_prefix"], "fd00::/64");
  auto [c6, r6] = Rule(demo_, g, {{"direction", "egress"}, {"ethertype", "IPv6"}, {"protocol", "icmpv6"}});
  ASSERT_EQ(c6, 201) << r6.dump();
  EXPECT_EQ(r6["security_group_rule"]["protocol"], "ipv6-icmp") << "IPv6's ICMP has one name";
  // The same rule again (a protocol's number is its name): 409 naming the rule.
  auto [c3, dup] = Rule(demo_, g, {{"direction", "ingress"}, {"protocol", 6}, {"port_range_min", 22},
                                   {"port_range_max", 22}, {"remote_ip_prefix", "10.1.0.0/16"}});
  EXPECT_EQ(c3, 409) << dup.dump();
  EXPECT_NE(dup.dump().find(r1["security_group_rule"]["id"].get<std::string>()), std::string::npos) << dup.dump();
  // No updates of rules; members use only their own groups.
  const std::string rid = r1["security_group_rule"]["id"];
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/security-group-rules/" + rid, {{"security_group_rule", {{"description", "x"}}}}).first,
            400);
  EXPECT_EQ(Rule(other_, g, {{"direction", "ingress"}}).first, 404);
  EXPECT_EQ(Call(other_, "DELETE", "/v2.0/security-group-rules/" + rid).first, 404);
  EXPECT_EQ(Rule(admin_, g, {{"direction", "egress"}, {"protocol", "udp"}, {"port_range_min", 53},
                             {"port_range_max", 53}}).first,
            201);
  // A rule change is its group's revision; its delete reaches the cloud.
  const int64_t rev = Call(demo_, "GET", "/v2.0/security-groups/" + g).second["security_group"]["revision_number"];
  ASSERT_EQ(Call(demo_, "DELETE", "/v2.0/security-group-rules/" + rid).first, 204);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/security-groups/" + g).second["security_group"]["revision_number"], rev + 1);
  ASSERT_EQ(Pending("securitygrouprule", "delete").size(), 1u);
  EXPECT_EQ(Pending("securitygrouprule", "delete")[0].id, rid);
}

// port_security_enabled, security_groups and allowed_address_pairs on updates, as Neutron.
TEST_F(SecurityGroupApiTest, PortSecurityAndAllowedAddressPairsOnUpdates) {
  std::string net = NetworkWithSubnet(demo_);
  std::string web = Group(demo_, "web");
  auto [cp, p] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}}}});
  ASSERT_EQ(cp, 201) << p.dump();
  const std::string port = "/v2.0/ports/" + p["port"]["id"].get<std::string>();
  const std::string mac = p["port"]["mac_address"];
  auto [c1, u1] = Call(demo_, "PUT", port, {{"port", {{"security_groups", {web}}}}});
  ASSERT_EQ(c1, 200) << u1.dump();
  EXPECT_EQ(u1["port"]["security_groups"], json::array({web}));
  EXPECT_EQ(Call(demo_, "PUT", port, {{"port", {{"security_groups", {"00000000-0000-4000-8000-000000000000"}}}}}).first,
            404);
  EXPECT_EQ(Call(demo_, "PUT", port, {{"port", {{"security_groups", {web, web}}}}}).first, 400) << "a group twice";
  // Pairs: the MAC defaults to the port's; duplicates, bad addresses and too many are 400.
  auto [c2, u2] = Call(demo_, "PUT", port,
                       {{"port", {{"allowed_address_pairs", {{{"ip_address", "10.0.0.100"}},
                                                             {{"ip_address", "10.0.0.96/28"},
                                                              {"mac_address", "fa:16:3e:00:00:99"}}}}}}});
  ASSERT_EQ(c2, 200) << u2.dump();
  EXPECT_EQ(u2["port"]["allowed_address_pairs"],
            json::parse(R"([{"ip_address":"10.0.0.100","mac_address":")" + mac +
                        R"("},{"ip_address":"10.0.0.96/28","mac_address":"fa:16:3e:00:00:99"}])"));
  for (const json& pairs :
       {json::parse(R"([{"ip_address":"10.0.0.7"},{"ip_address":"10.0.0.7"}])"),
        json::parse(R"([{"ip_address":"10.0.0.300"}])"), json::parse(R"([{"mac_address":"fa:16:3e:00:00:01"}])"),
        json::parse(R"([{"ip_address":"10.0.0.7","mac_address":"nope"}])"),
        json::parse(R"([{"ip_address":"10.0.0.7","vlan":1}])")}) {
    auto [code, e] = Call(demo_, "PUT", port, {{"port", {{"allowed_address_pairs", pairs}}}});
    EXPECT_EQ(code, 400) << pairs.dump() << " -> " << e.dump();
  }
  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back({{"ip_address", "10.0.1." + std::to_string(i + 1)}});
  EXPECT_EQ(Call(demo_, "PUT", port, {{"port", {{"allowed_address_pairs", eleven}}}}).first, 400);
  // Port security off with groups or pairs left: 409; with both cleared in the same request: 200.
  EXPECT_EQ(Call(demo_, "PUT", port, {{"port", {{"port_security_enabled", false}}}}).first, 409);
  EXPECT_EQ(Call(demo_, "PUT", port, {{"port", {{"port_security_enabled", false}, {"security_groups", json::array()}}}})
                .first,
            409)
      << "its allowed address pairs need port security";
  auto [c3, u3] = Call(demo_, "PUT", port,
                       {{"port", {{"port_security_enabled", false}, {"security_groups", json::array()},
                                  {"allowed_address_pairs", json::array()}}}});
  ASSERT_EQ(c3, 200) << u3.dump();
  EXPECT_EQ(u3["port"]["port_security_enabled"], false);
  EXPECT_EQ(u3["port"]["security_groups"], json::array());
  EXPECT_EQ(Call(demo_, "PUT", port, {{"port", {{"security_groups", {web}}}}}).first, 409);
  EXPECT_EQ(Call(demo_, "PUT", port, {{"port", {{"allowed_address_pairs", {{{"ip_address", "10.0.0.9"}}}}}}}).first, 409);
  auto [c4, u4] = Call(demo_, "PUT", port, {{"port", {{"port_security_enabled", true}, {"security_groups", {web}}}}});
  ASSERT_EQ(c4, 200) << u4.dump();
  EXPECT_EQ(u4["port"]["security_groups"], json::array({web}));
}

// Quotas of groups and rules (Neutron's defaults, 10 and 100), and the extensions listed.
TEST_F(SecurityGroupApiTest, QuotasAndExtensions) {
  auto [cq, q] = Call(demo_, "GET", "/v2.0/quotas/demo");
  ASSERT_EQ(cq, 200) << q.dump();
  EXPECT_EQ(q["quota"]["security_group"], 10);
  EXPECT_EQ(q["quota"]["security_group_rule"], 100);
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/quotas/demo", {{"quota", {{"security_group", 2}, {"security_group_rule", 7}}}}).first,
            200);
  std::string g = Group(demo_, "one");  // with the default group: 2 groups, 4 + 2 rules
  auto [cg, over] = Call(demo_, "POST", "/v2.0/security-groups", {{"security_group", {{"name", "two"}}}});
  EXPECT_EQ(cg, 409) << over.dump();
  EXPECT_EQ(over["NeutronError"]["type"], "OverQuota");
  EXPECT_EQ(Rule(demo_, g, {{"direction", "ingress"}, {"protocol", "tcp"}, {"port_range_min", 1},
                            {"port_range_max", 2}}).first,
            201);
  EXPECT_EQ(Rule(demo_, g, {{"direction", "ingress"}, {"protocol", "tcp"}, {"port_range_min", 3},
                            {"port_range_max", 4}}).first,
            409);
  // A new group's two egress rules need room in the rule quota; limits are 32-bit.
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/quotas/demo", {{"quota", {{"security_group", 5}}}}).first, 200);
  auto [cr, no_room] = Call(demo_, "POST", "/v2.0/security-groups", {{"security_group", {{"name", "three"}}}});
  EXPECT_EQ(cr, 409) << no_room.dump();
  EXPECT_EQ(Call(admin_, "PUT", "/v2.0/quotas/demo", {{"quota", {{"security_group", 2147483648}}}}).first, 400);
  // Bulk create takes items wrapped in their body key too, as Neutron.
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/quotas/demo", {{"quota", {{"security_group_rule", -1}}}}).first, 200);
  auto [cb, bulk] = Call(demo_, "POST", "/v2.0/security-groups",
                         {{"security_groups", {{{"security_group", {{"name", "b1"}}}}, {{"name", "b2"}}}}});
  ASSERT_EQ(cb, 201) << bulk.dump();
  EXPECT_EQ(bulk["security_groups"][0]["name"], "b1");
  EXPECT_EQ(bulk["security_groups"][1]["name"], "b2");
  auto [ce, e] = Call(demo_, "GET", "/v2.0/extensions");
  std::set<std::string> aliases;
  for (const auto& x : e["extensions"]) aliases.insert(x["alias"]);
  for (const char* a : {"security-group", "port-security", "allowed-address-pairs"}) EXPECT_TRUE(aliases.count(a)) << a;
}

// A network's port_security_enabled is kept, shown and updatable (a new
// revision), and is the default of its new ports' own: false makes ports
// without port security and without groups, unless a port says otherwise.
TEST_F(SecurityGroupApiTest, NetworksPortSecurityIsTheirPortsDefault) {
  auto [c1, n1] = Call(demo_, "POST", "/v2.0/networks",
                       {{"network", {{"availability_zone_hints", {"c1"}}, {"port_security_enabled", false}}}});
  ASSERT_EQ(c1, 201) << n1.dump();
  EXPECT_EQ(n1["network"]["port_security_enabled"], false);
  const std::string net = n1["network"]["id"];
  ASSERT_EQ(Call(demo_, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", net}, {"cidr", "10.3.0.0/24"}}}}).first, 201);
  auto [cp, p] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}}}});
  ASSERT_EQ(cp, 201) << p.dump();
  EXPECT_EQ(p["port"]["port_security_enabled"], false);
  EXPECT_EQ(p["port"]["security_groups"], json::array());
  auto [co, on] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"port_security_enabled", true}}}});
  ASSERT_EQ(co, 201) << on.dump();
  EXPECT_EQ(on["port"]["security_groups"].size(), 1u);  // the default group
  const int64_t rev = Call(demo_, "GET", "/v2.0/networks/" + net).second["network"]["revision_number"];
  auto [cu, u] = Call(demo_, "PUT", "/v2.0/networks/" + net, {{"network", {{"port_security_enabled", true}}}});
  ASSERT_EQ(cu, 200) << u.dump();
  EXPECT_EQ(u["network"]["port_security_enabled"], true);
  EXPECT_GT(u["network"]["revision_number"].get<int64_t>(), rev);
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/ports/" + p["port"]["id"].get<std::string>()).second["port"]["port_security_enabled"],
            false);  // the ports it has keep theirs
  auto [c2, p2] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}}}});
  ASSERT_EQ(c2, 201);
  EXPECT_EQ(p2["port"]["port_security_enabled"], true);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/networks/" + net, {{"network", {{"port_security_enabled", "no"}}}}).first, 400);
}

// A cloud's snapshot holds every group and rule (they go to every cloud).
TEST_F(SecurityGroupApiTest, SnapshotsHoldGroupsAndRules) {
  std::string g = Group(demo_, "g");
  ASSERT_TRUE(s_->QueueSnapshot("c1", 0).ok());
  auto pending = *s_->PendingEvents("c1", 100000);
  ASSERT_FALSE(pending.empty());
  const json& resources = pending.front().body["resources"];
  EXPECT_TRUE(resources["securitygroup"].contains(g)) << resources.dump();
  EXPECT_EQ(resources["securitygrouprule"].size(), 6u) << "the default group's 4 and g's 2";
}

// A member of a remote group on a network another cloud does not have
// reaches that cloud as a group member record (issue 11): c1 gets the record
// of the default group's member on the c2-only network, and not c2's port;
// changes of its addresses are pushed again; leaving the group deletes it.
TEST_F(SecurityGroupApiTest, RemoteGroupMembersOnOtherCloudsNetworksReachTheCloudsWithRulesNamingThem) {
  auto [here, far] = NetworksHereAndFar();
  ASSERT_FALSE(far.empty());
  const std::string def = GroupsNamed(demo_, "default")[0]["id"];
  std::string web = Group(demo_, "web");  // no rule names it as remote
  auto port = [&](const std::string& net, json groups) {
    auto [code, p] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"security_groups", groups}}}});
    EXPECT_EQ(code, 201) << p.dump();
    return p["port"];
  };
  auto records = [&](const std::string& cloud, const std::string& op) {
    std::map<std::string, json> out;
    auto pending = s_->PendingEvents(cloud, 100000);  // held: the loop reads into it
    for (const auto& e : *pending)
      if (e.kind == "groupmember" && e.op == op) out[e.id] = e.body;
    return out;
  };
  json local = port(here, {def});
  json remote = port(far, {def});
  json outsider = port(far, {web});
  auto c1 = records("c1", "upsert");
  ASSERT_EQ(c1.size(), 1u) << json(c1).dump();
  EXPECT_EQ(c1.begin()->first, remote["id"]);
  EXPECT_EQ(c1.begin()->second["security_groups"], json::array({def}));
  EXPECT_EQ(c1.begin()->second["fixed_ips"][0]["ip_address"], remote["fixed_ips"][0]["ip_address"]);
  auto c2 = records("c2", "upsert");  // and the other way round
  ASSERT_EQ(c2.size(), 1u) << json(c2).dump();
  EXPECT_EQ(c2.begin()->first, local["id"]);
  // A snapshot of c1 holds the record.
  ASSERT_TRUE(s_->QueueSnapshot("c1", 0).ok());
  json snapshot = s_->PendingEvents("c1", 100000)->back().body["resources"];
  EXPECT_EQ(snapshot["groupmember"].size(), 1u) << snapshot.dump();
  EXPECT_TRUE(snapshot["groupmember"].contains(remote["id"].get<std::string>()));
  // New address pairs: pushed again; out of the default group: deleted.
  const std::string path = "/v2.0/ports/" + remote["id"].get<std::string>();
  ASSERT_EQ(Call(demo_, "PUT", path, {{"port", {{"allowed_address_pairs", {{{"ip_address", "10.9.0.200"}}}}}}}).first, 200);
  size_t upserts = 0;
  auto pending = s_->PendingEvents("c1", 100000);
  for (const auto& e : *pending)
    if (e.kind == "groupmember" && e.op == "upsert" && e.id == remote["id"]) ++upserts, c1[e.id] = e.body;
  EXPECT_EQ(upserts, 1u) << "pending from the snapshot on: the snapshot, then the new record";
  EXPECT_EQ(c1[remote["id"]]["allowed_address_pairs"][0]["ip_address"], "10.9.0.200");
  EXPECT_TRUE(records("c1", "delete").empty());
  ASSERT_EQ(Call(demo_, "PUT", path, {{"port", {{"security_groups", {web}}}}}).first, 200);
  auto deleted = records("c1", "delete");
  EXPECT_EQ(deleted.size(), 1u);
  EXPECT_TRUE(deleted.count(remote["id"]));
  EXPECT_FALSE(records("c1", "upsert").count(outsider["id"]));
}

// A rule naming a remote group, added after its members exist, sends their
// records to the clouds of the rule's group's members (and only those that do
// not have the members' network); deleting the rule deletes them again. The
// store's group index follows (issue 10: no scan of every port per change).
TEST_F(SecurityGroupApiTest, ARuleNamingARemoteGroupSendsItsMembersAndItsDeleteWithdrawsThem) {
  auto [here, far] = NetworksHereAndFar();
  ASSERT_FALSE(far.empty());
  std::string web = Group(demo_, "web"), app = Group(demo_, "app");
  auto port = [&](const std::string& net, const std::string& group) {
    auto [code, p] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"security_groups", {group}}}}});
    EXPECT_EQ(code, 201) << p.dump();
    return p["port"]["id"].get<std::string>();
  };
  const std::string web_far = port(far, web), app_here = port(here, app);
  auto count = [&](const std::string& op, const std::string& id) {
    size_t n = 0;
    for (const auto& e : Pending("groupmember", op)) n += e.id == id;
    return n;
  };
  EXPECT_EQ(count("upsert", web_far), 0u) << "no rule names web yet";
  auto [cr, rule] = Rule(demo_, app, {{"direction", "ingress"}, {"remote_group_id", web}});
  ASSERT_EQ(cr, 201) << rule.dump();
  EXPECT_EQ(count("upsert", web_far), 1u) << "app's member is in c1: c1 needs web's members";
  EXPECT_EQ(count("upsert", app_here), 0u) << "nobody names app";
  // A second member of app in c1 changes nothing for c1.
  port(here, app);
  EXPECT_EQ(count("upsert", web_far), 1u);
  const std::string rule_id = rule["security_group_rule"]["id"];
  ASSERT_EQ(Call(demo_, "DELETE", "/v2.0/security-group-rules/" + rule_id).first, 204);
  EXPECT_EQ(count("delete", web_far), 1u) << "no rule names web any more";
  ASSERT_TRUE(s_->QueueSnapshot("c1", 0).ok());
  json snapshot = s_->PendingEvents("c1", 100000)->back().body["resources"];
  EXPECT_TRUE(snapshot["groupmember"].empty()) << snapshot.dump();
}

}  // namespace
}  // namespace isthmus::central
