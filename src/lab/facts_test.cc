#include "lab/facts.h"

#include <gtest/gtest.h>

#include "lab/topology.h"

namespace isthmus::lab {
namespace {

nlohmann::json Sample() {
  return nlohmann::json::parse(R"({
    "instances": {"instance1": {"ip": "10.0.3.11"}, "instance4": {"ip": "10.0.4.14"}},
    "routers": {"R2": {"id": "r2", "legs": {"net4": {"mac": "fa:16:3e:aa:bb:cc"}}}},
    "hosts": {"c1-h1": {"vtep_ip": "10.255.0.11"}, "c2-h2": {}},
    "networks": {"net4": {"vni": 1001}}})");
}

TEST(GetFact, FollowsAliasesAndRouterLegs) {
  auto f = Sample();
  EXPECT_EQ(*GetFact(f, "instance.instance1.ip"), "10.0.3.11");
  EXPECT_EQ(*GetFact(f, "router.R2.net4.mac"), "fa:16:3e:aa:bb:cc");
  EXPECT_EQ(*GetFact(f, "host.c1-h1.vtep_ip"), "10.255.0.11");
  EXPECT_EQ(*GetFact(f, "hosts"), "c1-h1 c2-h2");
  EXPECT_EQ(*GetFact(f, "network.net4.vni"), "1001");
}

TEST(GetFact, UnknownPathsAreNamed) {
  auto r = GetFact(Sample(), "instance.instance9.ip");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "no fact instance.instance9.ip");
}

TEST(Topology, S2HasTheSeedsShape) {
  auto t = MakeTopology("s2", {});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->clouds.size(), 2u);
  // A network node and two compute hosts per cloud, in DVR and legacy mode.
  EXPECT_EQ(t->hosts.size(), 6u);
  EXPECT_EQ(t->instances.size(), 4u);
  EXPECT_EQ(t->FindHost("c1-h1")->cloud, "cloud1");
  EXPECT_EQ(t->FindHost("c2-net")->role, "network");
  // instance1 -> R1 -> ext-net1, instance2 -> R2 -> ext-net2 (floating IPs).
  EXPECT_TRUE(t->instances[0].floating_ip && t->instances[1].floating_ip);
  EXPECT_EQ(t->clouds[1].external_network, "ext-net2");
  EXPECT_EQ(MakeTopology("s2", {.legacy = true})->hosts.size(), 6u);
  EXPECT_FALSE(MakeTopology("s9", {}).has_value());
}

TEST(Topology, S1HasTwoNicInstancesOnLocalAndStretchedNetworks) {
  auto t = MakeTopology("s1", {});
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->instances.size(), 2u);
  for (const auto& i : t->instances) {
    ASSERT_EQ(i.nics.size(), 2u);
    EXPECT_EQ(i.nics[1].network, "net3");
    EXPECT_EQ(i.matrix_nic, 1);
  }
  EXPECT_EQ(t->FindNetwork("net1")->clouds, std::vector<std::string>{"cloud1"});
  EXPECT_EQ(t->FindNetwork("net3")->clouds.size(), 2u);
  EXPECT_TRUE(t->FindNetwork("net3")->gateway_ip.empty());
}

}  // namespace
}  // namespace isthmus::lab
