#include "lab/routes.h"

#include <gtest/gtest.h>

#include <set>

#include "lab/topology_file.h"

namespace isthmus::lab {
namespace {

Routes Shipped(const std::string& name) {
  auto t = LoadTopology(name);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return Routes(t.ok() ? *t : Topology{});
}

// The ordered pairs without a route, as "from>to".
std::set<std::string> NoRoute(const Routes& r) {
  std::set<std::string> out;
  for (const auto& a : r.topology().instances)
    for (const auto& b : r.topology().instances)
      if (a.name != b.name && !r.Routable(a.name, b.name)) out.insert(a.name + ">" + b.name);
  return out;
}

TEST(Routes, S2EveryPairIsRoutable) {
  Routes r = Shipped("s2");
  EXPECT_EQ(r.topology().instances.size(), 4u);
  EXPECT_TRUE(NoRoute(r).empty());
  EXPECT_EQ(r.GatewayRouter("net3", "cloud2")->name, "R2");
  EXPECT_EQ(r.ExpectedExternal("instance1"), "ext-net1");
  EXPECT_EQ(r.ExpectedExternal("instance4"), "ext-net2");
}

TEST(Routes, ThreeCloudsCloud2AndNetCHaveNoRouteBetweenThem) {
  Routes r = Shipped("three-clouds");
  std::set<std::string> want;
  for (std::string x : {"a2", "b2"})
    for (std::string y : {"c1", "c3"}) want.insert({x + ">" + y, y + ">" + x});
  EXPECT_EQ(NoRoute(r), want);  // 8 of 42 ordered pairs
  // cloud3 has no router on net-a: the first cloud's (R1) serves it.
  EXPECT_EQ(r.GatewayRouter("net-a", "cloud3")->name, "R1");
  EXPECT_EQ(r.GatewayRouter("net-a", "cloud2")->name, "R2");
  EXPECT_EQ(r.GatewayRouter("net-c", "cloud3")->name, "R1");
  EXPECT_TRUE(r.Routable("a3", "c3"));
  EXPECT_TRUE(r.Routable("c3", "b1"));
  EXPECT_TRUE(r.Routable("a2", "b1"));  // R2 routes net-a and net-b; R1 the reply
  EXPECT_EQ(r.ExpectedExternal("a3"), "ext-net1");  // out through R1, cloud1
  EXPECT_EQ(r.ExpectedExternal("c3"), "ext-net1");
  EXPECT_EQ(r.ExpectedExternal("a2"), "ext-net2");
}

TEST(Routes, PartialRoutingFollowsTheFirstCloudInFileOrder) {
  Routes r = Shipped("s2-partial");  // cloud2 has no router: R1 serves it
  EXPECT_EQ(r.GatewayRouter("net3", "cloud2")->name, "R1");
  EXPECT_EQ(r.GatewayRouter("net4", "cloud2")->name, "R1");
  EXPECT_TRUE(NoRoute(r).empty());
  EXPECT_EQ(r.ExpectedExternal("instance2"), "ext-net1");
  EXPECT_EQ(r.ExpectedExternal("instance4"), "ext-net1");
  Routes four = Shipped("four-clouds");
  // net-w and net-y are routed in cloud1 (R1) and cloud4 (R4), not in cloud3:
  // cloud3 takes cloud1's, the first in file order.
  EXPECT_EQ(four.GatewayRouter("net-w", "cloud3")->name, "R1");
  EXPECT_EQ(four.GatewayRouter("net-y", "cloud3")->name, "R1");
  EXPECT_EQ(four.GatewayRouter("net-y", "cloud4")->name, "R4");
  EXPECT_EQ(four.GatewayRouter("net-w", "cloud2")->name, "R2");
  EXPECT_EQ(four.GatewayRouter("net-x", "cloud3"), nullptr);  // does not span cloud3
  EXPECT_EQ(four.ExpectedExternal("y3"), "ext-net1");
  EXPECT_EQ(four.ExpectedExternal("w3"), "ext-net1");
  EXPECT_EQ(four.ExpectedExternal("w4"), "ext-net4");
}

TEST(Routes, FourCloudsHas22PairsWithoutARoute) {
  Routes r = Shipped("four-clouds");
  std::set<std::string> want = {"w2>y3", "w2>y4", "w4>x1", "w4>x2", "x1>w4", "x1>y4", "x1>z4", "x2>w4",
                                "x2>y3", "x2>y4", "x2>z4", "y3>w2", "y3>x2", "y3>z2", "y4>w2", "y4>x1",
                                "y4>x2", "y4>z2", "z2>y3", "z2>y4", "z4>x1", "z4>x2"};
  EXPECT_EQ(NoRoute(r), want);  // of 90 ordered pairs
  EXPECT_TRUE(r.Routable("x1", "y3"));  // R1 has a leg on net-y and serves y3 in cloud3
  EXPECT_FALSE(r.Routable("x1", "y4"));  // y4's gateway R4 has no leg on net-x
}

TEST(Routes, SharedNetworksNeedNoRouter) {
  Routes r = Shipped("s1");  // instance1, instance2 ping each other on net3 (unrouted)
  EXPECT_TRUE(NoRoute(r).empty());
  const LabInstance& i1 = r.topology().instances[0];
  EXPECT_EQ(r.DefaultNic(i1), 0);  // net1 has the gateway, net3 none
  EXPECT_EQ(r.DefaultRouter(i1)->name, "R1");
}

TEST(Routes, NoGatewayNoRouteAndNoWayOut) {
  auto t = LoadTopology("s1");
  ASSERT_TRUE(t.ok());
  // instance1 on net3 only (no gateway): it reaches instance2 on net3 but has
  // no way out; instance2 pinging instance1's net1 address has no route back.
  t->instances[0].nics = {{"net3", "10.0.3.11"}};
  t->instances[0].matrix_nic = 0;
  t->instances[1].matrix_nic = 0;  // instance2's net2 address
  Routes r(*t);
  EXPECT_EQ(r.DefaultNic(r.topology().instances[0]), -1);
  EXPECT_FALSE(r.Routable("instance1", "instance2"));  // net2 is behind R2, instance1 has no gateway
  EXPECT_EQ(r.ExpectedExternal("instance1"), "");
  t->routers[1].external_gateway = false;
  Routes r2(*t);
  EXPECT_EQ(r2.ExpectedExternal("instance2"), "");  // R2 has no gateway
}

TEST(Routes, UnknownInstancesAreMeasured) {
  Routes r = Shipped("s2");
  EXPECT_FALSE(r.Knows("vm9"));
  EXPECT_TRUE(r.Routable("instance1", "vm9"));
  EXPECT_TRUE(r.Routable("vm9", "instance1"));
  Routes none{Topology{}};
  EXPECT_TRUE(none.Routable("a", "b"));
}

}  // namespace
}  // namespace isthmus::lab
