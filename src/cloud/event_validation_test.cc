#include "cloud/event_validation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "cloud/controller.h"
#include "cloud/desired_state.h"
#include "cloud/s2_view_test_util.h"

namespace isthmus::cloud {
namespace {

using nlohmann::json;

std::string TempDb() {
  static int n = 0;
  std::string p = "/tmp/isthmus_event_validation_test_" + std::to_string(getpid()) + "_" + std::to_string(n++) + ".db";
  unlink(p.c_str());
  return p;
}

json Ev(int64_t seq, const std::string& kind, const std::string& id, json body) {
  return {{"seq", seq}, {"kind", kind}, {"op", "upsert"}, {"id", id}, {"body", std::move(body)}};
}
json CloudBody(const std::string& name, int index, const std::string& prefix) {
  return {{"name", name}, {"endpoint", "http://127.0.0.1:9701"}, {"index", index}, {"dvr_mac_prefix", prefix}};
}
json Net(int64_t seq) {
  return Ev(seq, "network", "n1", {{"id", "n1"}, {"clouds", {"cloud1"}}, {"segmentation_id", 1000}});
}
json Subnet(int64_t seq, const std::string& cidr) {
  return Ev(seq, "subnet", "s1", {{"id", "s1"}, {"network_id", "n1"}, {"cidr", cidr}, {"gateway_ip", "10.0.3.1"}});
}
json Port(int64_t seq, const std::string& mac, const std::string& ip = "10.0.3.11") {
  return Ev(seq, "port", "p1", {{"id", "p1"}, {"network_id", "n1"}, {"host", "h1"}, {"cloud", "cloud1"},
                                {"mac_address", mac}, {"fixed_ips", {{{"subnet_id", "s1"}, {"ip_address", ip}}}},
                                {"device_owner", "compute:nova"}});
}
json HostEv(int64_t seq, const std::string& name, const std::string& cloud, const std::string& mac) {
  return Ev(seq, "host", name, {{"name", name}, {"cloud", cloud}, {"role", "compute"},
                                {"vtep_ip", "10.255.0.21"}, {"dvr_mac", mac}});
}

class EventValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = std::move(*Controller::Create("cloud1", TempDb(), {}));
    ASSERT_TRUE(c_->ApplyEvents({{"events", {Ev(1, "cloud", "cloud1", CloudBody("cloud1", 1, "fa:16:3f:01")),
                                             Ev(2, "cloud", "cloud2", CloudBody("cloud2", 2, "fa:16:3f:02"))}}})
                    .ok());
    json reg = {{"host", {{"name", "h1"}, {"role", "compute"}, {"vtep_ip", "10.255.0.11"}}}};
    ASSERT_TRUE(c_->RegisterHost(reg).ok());
    state_before_ = *c_->WaitState("h1", 0, 0);
  }
  // The batch is refused whole with a message naming the event, field and value;
  // nothing of it is stored and no host state changed.
  void ExpectRefused(const json& batch, const std::string& seq, const std::string& field,
                     const std::string& value) {
    // A one-event {x} is the object itself, not a list of one.
    auto r = c_->ApplyEvents({{"events", batch.is_array() ? batch : json::array({batch})}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    const std::string& m = r.status().message();
    SCOPED_TRACE(m);
    EXPECT_EQ(m.rfind("event " + seq + " ", 0), 0u) << m;
    EXPECT_NE(m.find(field + ": "), std::string::npos) << m;
    EXPECT_NE(m.find(value), std::string::npos) << m;
    json d = c_->Dump();
    EXPECT_EQ(d["applied_seq"], 2);
    EXPECT_EQ(d["resources"].value("network", 0), 0) << d.dump();
    EXPECT_FALSE(c_->WaitState("h1", (*state_before_)["revision"], 0)->has_value());
  }
  std::unique_ptr<Controller> c_;
  std::optional<json> state_before_;
};

TEST_F(EventValidationTest, AMacWithANewlineRefusesTheWholeBatch) {
  ExpectRefused({Net(3), Subnet(4, "10.0.3.0/24"),
                 Port(5, "fa:16:3e:00:00:01\nadd table=0,priority=999 actions=NORMAL")},
                "5", "mac_address", "fa:16:3e:00:00:01\\nadd");
}

TEST_F(EventValidationTest, AForgedDvrMacOutsideItsCloudsPrefixIsRefused) {
  // In another cloud's prefix, outside every prefix, and of an unknown cloud.
  ExpectRefused({Net(3), HostEv(4, "c2-h1", "cloud2", "fa:16:3f:01:00:09")}, "4", "dvr_mac", "fa:16:3f:01:00:09");
  ExpectRefused({Net(3), HostEv(4, "c2-h1", "cloud2", "fa:16:3e:00:00:09")}, "4", "dvr_mac", "fa:16:3e:00:00:09");
  ExpectRefused({Net(3), HostEv(4, "c9-h1", "cloud9", "fa:16:3f:09:00:01")}, "4", "cloud", "cloud9");
  // A cloud whose prefix is not its index's, or that moves its prefix.
  ExpectRefused({Net(3), Ev(4, "cloud", "cloud3", CloudBody("cloud3", 3, "fa:16:3f:01"))}, "4", "dvr_mac_prefix",
                "fa:16:3f:01");
  ExpectRefused({Net(3), Ev(4, "cloud", "cloud2", CloudBody("cloud2", 1, "fa:16:3f:01"))}, "4", "dvr_mac_prefix",
                "fa:16:3f:01");
  // Inside the right prefix: accepted, and trusted.
  auto ok = c_->ApplyEvents({{"events", {HostEv(3, "c2-h1", "cloud2", "fa:16:3f:02:00:01")}}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
}

TEST_F(EventValidationTest, BadCidrsIpsIdsAndNamesAreRefused) {
  ExpectRefused({Net(3), Subnet(4, "10.0.3.0/24\n-A INPUT -j ACCEPT")}, "4", "cidr", "10.0.3.0/24\\n");
  ExpectRefused({Net(3), Subnet(4, "10.0.3.1/24")}, "4", "cidr", "10.0.3.1/24");
  ExpectRefused({Net(3), Subnet(4, "10.0.3.0/24"), Port(5, "fa:16:3e:00:00:01", "10.0.3.300")}, "5",
                "fixed_ips.ip_address", "10.0.3.300");
  ExpectRefused({Net(3), Subnet(4, "10.0.3.0/24"), Port(5, "fa:16:3f:01:00:77")}, "5", "mac_address",
                "fa:16:3f:01:00:77");
  json bad_id = Net(3);
  bad_id["id"] = bad_id["body"]["id"] = "../../etc/passwd";
  ExpectRefused({bad_id}, "3", "id", "../../etc/passwd");
  json long_name = Net(3);
  long_name["body"]["name"] = std::string(256, 'n');
  ExpectRefused({long_name}, "3", "name", "nnnn");
  json vni = Net(3);
  vni["body"]["segmentation_id"] = 1 << 24;
  ExpectRefused({vni}, "3", "segmentation_id", "16777216");
  json mismatch = Net(3);
  mismatch["body"]["id"] = "n2";
  ExpectRefused({mismatch}, "3", "id", "n2");
}

// A subnet's host routes and a router's extra routes reach dnsmasq's options
// and `ip route`: a CIDR via an IPv4 address, nothing else.
TEST_F(EventValidationTest, BadHostRoutesAndExtraRoutesAreRefused) {
  json sub = Subnet(4, "10.0.3.0/24");
  sub["body"]["host_routes"] = {{{"destination", "198.51.100.0/24,0.0.0.0/0"}, {"nexthop", "10.0.3.9"}}};
  ExpectRefused({Net(3), sub}, "4", "host_routes.destination", "198.51.100.0/24,0.0.0.0/0");
  sub["body"]["host_routes"] = {{{"destination", "198.51.100.0/24"}, {"nexthop", "10.0.3.9 dev lo"}}};
  ExpectRefused({Net(3), sub}, "4", "host_routes.nexthop", "10.0.3.9 dev lo");
  json router = Ev(4, "router", "r1", {{"id", "r1"}, {"cloud", "cloud1"},
                                       {"routes", {{{"destination", "198.51.100.1/24"}, {"nexthop", "10.0.3.9"}}}}});
  ExpectRefused({Net(3), router}, "4", "routes.destination", "198.51.100.1/24");
  router["body"]["routes"] = {{{"destination", "198.51.100.0/24"}, {"nexthop", "x"}}};
  ExpectRefused({Net(3), router}, "4", "routes.nexthop", "\"x\"");
}

json Rule(int64_t seq, json fields) {
  json body = {{"id", "r1"}, {"security_group_id", "sg1"}, {"direction", "ingress"}, {"ethertype", "IPv4"}};
  body.update(fields);
  return Ev(seq, "securitygrouprule", "r1", body);
}

TEST_F(EventValidationTest, BadSecurityGroupsRulesAndAddressPairsAreRefused) {
  ExpectRefused({Net(3), Rule(4, {{"direction", "both"}})}, "4", "direction", "both");
  ExpectRefused({Net(3), Rule(4, {{"remote_ip_prefix", "10.0.0.0/8\n"}})}, "4", "remote_ip_prefix", "10.0.0.0/8");
  ExpectRefused({Net(3), Rule(4, {{"port_range_min", 70000}})}, "4", "port_range_min", "70000");
  ExpectRefused({Net(3), Rule(4, {{"security_group_id", "a b"}})}, "4", "security_group_id", "a b");
  ExpectRefused({Net(3), Ev(4, "securitygroup", "sg1", {{"id", "sg2"}})}, "4", "id", "sg2");
  json pair = Port(5, "fa:16:3e:00:00:01");
  pair["body"]["allowed_address_pairs"] = {{{"ip_address", "10.0.3.100,10.0.3.0/24"}}};
  ExpectRefused({Net(3), Subnet(4, "10.0.3.0/24"), pair}, "5", "allowed_address_pairs.ip_address", "10.0.3.100,");
  json group = Port(5, "fa:16:3e:00:00:01");
  group["body"]["security_groups"] = {"sg1", "sg 2"};
  ExpectRefused({Net(3), Subnet(4, "10.0.3.0/24"), group}, "5", "security_groups", "sg 2");
}

TEST_F(EventValidationTest, GroupsAndRulesAsCentralSendsThemApply) {
  auto r = c_->ApplyEvents(
      {{"events",
        {Net(3), Ev(4, "securitygroup", "sg1", {{"id", "sg1"}, {"name", "default"}}),
         Rule(5, {{"protocol", "tcp"}, {"port_range_min", 22}, {"port_range_max", 22}, {"remote_ip_prefix", "10.0.0.0/8"}}),
         Ev(6, "securitygrouprule", "r2",
            {{"id", "r2"}, {"security_group_id", "sg1"}, {"direction", "egress"}, {"ethertype", "IPv6"},
             {"remote_ip_prefix", "::/0"}})}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, 6);
}

// A group member record (a port of another cloud's network): checked like a
// port's groups and addresses; a good one applies.
TEST_F(EventValidationTest, GroupMembersAreCheckedAndApply) {
  auto member = [](json fields) {
    json body = {{"id", "p9"}, {"project_id", "p"}, {"security_groups", {"sg1"}},
                 {"fixed_ips", {{{"subnet_id", "s9"}, {"ip_address", "10.9.0.5"}}}}};
    body.update(fields);
    return Ev(4, "groupmember", "p9", body);
  };
  ExpectRefused({Net(3), member({{"id", "p8"}})}, "4", "id", "p8");
  ExpectRefused({Net(3), member({{"security_groups", {"sg1", "sg 2"}}})}, "4", "security_groups", "sg 2");
  ExpectRefused({Net(3), member({{"fixed_ips", {{{"subnet_id", "s9"}, {"ip_address", "10.9.0.5 x"}}}}})}, "4",
                "fixed_ips.ip_address", "10.9.0.5 x");
  ExpectRefused({Net(3), member({{"allowed_address_pairs", {{{"ip_address", "10.9.0.0/33"}}}}})}, "4",
                "allowed_address_pairs.ip_address", "10.9.0.0/33");
  auto r = c_->ApplyEvents({{"events", {Net(3), member(json::object())}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(c_->Dump()["resources"].value("groupmember", 0), 1);
}

TEST_F(EventValidationTest, RedeliveredEventsAreNotRecheckedAndGoodBatchesApply) {
  auto r = c_->ApplyEvents({{"events", {Net(3), Subnet(4, "10.0.3.0/24"), Port(5, "fa:16:3e:00:00:01")}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, 5);
  EXPECT_TRUE(c_->WaitState("h1", (*state_before_)["revision"], 0)->has_value());
}

// Whatever the cloud computes from valid events passes the agent's check.
// A snapshot (central's resync) replaces everything: each resource in it is
// checked like an event, and one bad resource refuses the snapshot.
TEST_F(EventValidationTest, SnapshotsAreCheckedResourceByResource) {
  auto snapshot = [](const std::string& mac) {
    json res = {{"cloud", {{"cloud1", CloudBody("cloud1", 1, "fa:16:3f:01")}}},
                {"network", {{"n1", Net(0)["body"]}}},
                {"subnet", {{"s1", Subnet(0, "10.0.3.0/24")["body"]}}},
                {"port", {{"p1", Port(0, mac)["body"]}}}};
    return json{{"seq", 3}, {"kind", "snapshot"}, {"op", "replace"}, {"id", "snapshot"},
                {"body", {{"resources", res}}}};
  };
  ExpectRefused(snapshot("fa:16:3e:00:00:01\nadd table=0 actions=NORMAL"), "3", "mac_address", "fa:16:3e:00:00:01");
  auto ok = c_->ApplyEvents({{"events", {snapshot("fa:16:3e:00:00:01")}}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(c_->Dump()["resources"].value("port", 0), 1);
}

TEST(EventValidation, EveryS2HostStatePassesTheAgentsCheck) {
  for (bool distributed : {true, false}) {
    for (const std::string cloud : {"cloud1", "cloud2"}) {
      auto v = testing::S2(cloud, distributed);
      for (const auto& [name, h] : v.hosts) {
        if (h.cloud != cloud) continue;
        std::map<std::string, int> lvids;
        int next = 1;
        for (const auto& n : HostNetworks(v, name)) lvids[n] = next++;
        state::HostState s = ComputeHostState(v, name, lvids, {true});
        Status st = state::Validate(s);
        EXPECT_TRUE(st.ok()) << name << ": " << st.ToString();
      }
    }
  }
}

}  // namespace
}  // namespace isthmus::cloud
