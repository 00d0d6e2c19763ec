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

}  // namespace
}  // namespace isthmus::lab
