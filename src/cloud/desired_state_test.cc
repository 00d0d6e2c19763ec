#include "cloud/desired_state.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "cloud/s2_view_test_util.h"
#include "cloud/subnet_serving.h"

namespace isthmus::cloud {
namespace {

using testing::S2;

std::map<std::string, int> Lvids(const FederationView& v, const std::string& host) {
  std::map<std::string, int> out;
  int next = 1;
  for (const auto& n : HostNetworks(v, host)) out[n] = next++;
  return out;
}

state::HostState Compute(const FederationView& v, const std::string& host, bool federation = true) {
  return ComputeHostState(v, host, Lvids(v, host), {federation});
}

TEST(DesiredState, DvrHostHasBothNetworksThroughItsRouter) {
  auto v = S2("cloud1");
  EXPECT_EQ(HostNetworks(v, "c1-h1"), (std::set<std::string>{"net3", "net4"}));
  auto s = Compute(v, "c1-h1");
  ASSERT_EQ(s.networks.size(), 2u);
  EXPECT_EQ(s.networks[0].vni, 1003);
  EXPECT_EQ(s.networks[0].flood_vteps, std::vector<std::string>{"10.255.0.21"});
  EXPECT_EQ(s.networks[1].flood_vteps, (std::vector<std::string>{"10.255.0.12", "10.255.0.22"}));
  EXPECT_EQ(s.tunnels, (std::vector<std::string>{"10.255.0.12", "10.255.0.21", "10.255.0.22"}));
  ASSERT_EQ(s.ports.size(), 1u);
  EXPECT_EQ(s.ports[0].id, "i1");
  EXPECT_EQ(s.remote_ports.size(), 3u);
}

// Neutron's admin_state_up false on an instance port: its host does not wire it.
TEST(DesiredState, AnAdministrativelyDownPortIsNotWired) {
  auto v = S2("cloud1");
  v.ports["i1"].admin_state_up = false;
  v.Reindex();
  EXPECT_TRUE(Compute(v, "c1-h1").ports.empty());
  v.ports["i1"].admin_state_up = true;
  v.Reindex();
  EXPECT_EQ(Compute(v, "c1-h1").ports.size(), 1u);
}

TEST(DesiredState, RouterLegsAndPermanentArpForEveryCloudsPorts) {
  auto s = Compute(S2("cloud1"), "c1-h1");
  ASSERT_EQ(s.routers.size(), 1u);
  const auto& r = s.routers[0];
  EXPECT_EQ(r.id, "r1");
  ASSERT_EQ(r.interfaces.size(), 2u);
  EXPECT_EQ(r.interfaces[0].mac, "fa:16:3e:01:00:03");
  EXPECT_EQ(r.interfaces[0].prefix_len, 24);
  std::vector<state::Neighbor> want = {{"10.0.3.11", "fa:16:3e:00:00:01"}, {"10.0.3.12", "fa:16:3e:00:00:02"},
                                       {"10.0.4.13", "fa:16:3e:00:00:03"}, {"10.0.4.14", "fa:16:3e:00:00:04"}};
  EXPECT_EQ(r.neighbors, want);
}

TEST(DesiredState, OwnGatewaysLocalForeignGatewaysKnown) {
  auto s = Compute(S2("cloud1"), "c1-h1");
  ASSERT_EQ(s.gateways.size(), 2u);
  EXPECT_EQ(s.gateways[0].mac, "fa:16:3e:01:00:03");
  EXPECT_TRUE(s.gateways[0].local);
  ASSERT_EQ(s.foreign_gateways.size(), 2u);
  EXPECT_EQ(s.foreign_gateways[0].mac, "fa:16:3e:02:00:03");
  EXPECT_EQ(s.foreign_gateways[0].cloud, "cloud2");
  ASSERT_EQ(s.gateway_arp_drop.size(), 2u);
  EXPECT_EQ(s.gateway_arp_drop[0].ip, "10.0.3.1");
  // DVR: gateway ARP is answered by the local router, never by the responder.
  for (const auto& e : s.arp_responder) EXPECT_NE(e.ip, "10.0.3.1");
}

TEST(DesiredState, TrustsEveryCloudsDvrMacsOnlyWithFederation) {
  auto v = S2("cloud1");
  auto on = Compute(v, "c1-h1", true);
  EXPECT_EQ(on.trusted_dvr_macs,
            (std::vector<std::string>{"fa:16:3f:01:00:02", "fa:16:3f:02:00:01", "fa:16:3f:02:00:02"}));
  auto off = Compute(v, "c1-h1", false);
  EXPECT_EQ(off.trusted_dvr_macs, std::vector<std::string>{"fa:16:3f:01:00:02"});
  EXPECT_EQ(on.dvr_mac, "fa:16:3f:01:00:01");
}

TEST(DesiredState, LegacyRoutersLiveOnTheNetworkNode) {
  auto v = S2("cloud1", false);
  auto compute = Compute(v, "c1-h1");
  EXPECT_TRUE(compute.routers.empty());
  // The gateway is reached on the network node and its ARP answered locally.
  bool fdb = false, arp = false, tunnel_to_foreign_nn = false;
  for (const auto& rp : compute.remote_ports) fdb |= rp.mac == "fa:16:3e:01:00:03" && rp.vtep == "10.255.0.19";
  for (const auto& e : compute.arp_responder) arp |= e.ip == "10.0.3.1" && e.mac == "fa:16:3e:01:00:03";
  for (const auto& t : compute.tunnels) tunnel_to_foreign_nn |= t == "10.255.0.29";
  EXPECT_TRUE(fdb);
  EXPECT_TRUE(arp);
  EXPECT_TRUE(tunnel_to_foreign_nn);
  auto nn = Compute(v, "c1-net");
  ASSERT_EQ(nn.routers.size(), 1u);
  EXPECT_FALSE(nn.routers[0].distributed);
  EXPECT_EQ(nn.remote_ports.size(), 4u);
}

TEST(DesiredState, EqualInputsGiveByteEqualJson) {
  auto v = S2("cloud2");
  EXPECT_EQ(nlohmann::json(Compute(v, "c2-h2")).dump(), nlohmann::json(Compute(v, "c2-h2")).dump());
}

TEST(DesiredState, RemovingAPortTouchesOnlyHostsThatSeeIt) {
  auto v = S2("cloud1");
  auto before_h1 = Compute(v, "c1-h1"), before_h2 = Compute(v, "c1-h2");
  v.ports.erase("i2");  // instance2 (net3, cloud2) leaves
  EXPECT_NE(Compute(v, "c1-h1"), before_h1);  // c1-h1 has net3
  auto after_h2 = Compute(v, "c1-h2");        // c1-h2 has net3 through R1 and the ARP entry
  EXPECT_NE(after_h2, before_h2);
}

}  // namespace
}  // namespace isthmus::cloud

namespace isthmus::cloud {
namespace {

TEST(DesiredState, IndexedAndUnindexedViewsAgree) {
  for (const char* cloud : {"cloud1", "cloud2"}) {
    auto stale = testing::S2(cloud);
    auto indexed = stale;
    indexed.Reindex();
    for (const char* host : {"c1-h1", "c1-h2", "c2-h1", "c2-h2"})
      EXPECT_EQ(Compute(indexed, host), Compute(stale, host)) << cloud << " " << host;
  }
}

}  // namespace
}  // namespace isthmus::cloud

namespace isthmus::cloud {
namespace {

TEST(DesiredState, PerCloudGatewaysUseEachCloudsOwnAddress) {
  auto v = testing::S2("cloud2");
  v.ports["r2-3"].fixed_ips[0].ip_address = "10.0.3.2";  // cloud2's own gateway IP on net3
  v.subnets["sub3"].gateway_mode = "per-cloud";
  auto s = Compute(v, "c2-h1");
  ASSERT_FALSE(s.gateways.empty());
  EXPECT_EQ(s.gateways[0].ip, "10.0.3.2");
  EXPECT_EQ(s.routers[0].interfaces[0].ip, "10.0.3.2");
  std::set<std::string> drops;
  for (const auto& d : s.gateway_arp_drop) drops.insert(d.ip);
  EXPECT_TRUE(drops.count("10.0.3.1") && drops.count("10.0.3.2") && drops.count("10.0.4.1"));
}

// S2 with network nodes and without R2 (cloud2 has no router: requirement 7),
// as `cloud` sees it.
FederationView PartiallyRouted(const std::string& cloud) {
  auto v = S2(cloud);
  v.hosts["c1-net"] = {"c1-net", "cloud1", "network", "10.255.1.1", "fa:16:3f:01:00:09"};
  v.hosts["c2-net"] = {"c2-net", "cloud2", "network", "10.255.2.1", "fa:16:3f:02:00:09"};
  v.ports.erase("r2-3");
  v.ports.erase("r2-4");
  v.routers.erase("r2");
  v.Reindex();
  return v;
}

TEST(DesiredState, ACloudWithoutARouterOnASubnetIsServedByTheFirstCloudWithOne) {
  auto v = PartiallyRouted("cloud2");
  SubnetServing serving(v);
  ASSERT_NE(serving.GatewayLeg("sub3", "cloud2"), nullptr);
  EXPECT_EQ(serving.GatewayLeg("sub3", "cloud2")->id, "r1-3");
  auto s = Compute(v, "c2-h1");
  // instance2's gateway is R1's leg: answered here, switched to cloud1's
  // network node only, and its routed frames get that MAC as source.
  ASSERT_EQ(s.gateways.size(), 1u);
  EXPECT_EQ(s.gateways[0].mac, "fa:16:3e:01:00:03");
  EXPECT_FALSE(s.gateways[0].local);
  EXPECT_NE(std::find(s.arp_responder.begin(), s.arp_responder.end(),
                      state::ArpEntry{"net3", "10.0.3.1", "fa:16:3e:01:00:03"}),
            s.arp_responder.end());
  EXPECT_NE(std::find(s.remote_ports.begin(), s.remote_ports.end(),
                      state::RemotePort{"net3", "fa:16:3e:01:00:03", "10.255.1.1"}),
            s.remote_ports.end());
  EXPECT_NE(std::find(s.tunnels.begin(), s.tunnels.end(), "10.255.1.1"), s.tunnels.end());
  // cloud1's network node routes for it: trusted.
  EXPECT_NE(std::find(s.trusted_dvr_macs.begin(), s.trusted_dvr_macs.end(), "fa:16:3f:01:00:09"),
            s.trusted_dvr_macs.end());
  // Nor every host of cloud1: R1 routes toward instance2 from any of them,
  // also from subnets local to cloud1 that cloud2 never sees.
  v.hosts["c1-h3"] = {"c1-h3", "cloud1", "compute", "10.255.1.4", "fa:16:3f:01:00:04"};
  s = Compute(v, "c2-h1");
  EXPECT_NE(std::find(s.trusted_dvr_macs.begin(), s.trusted_dvr_macs.end(), "fa:16:3f:01:00:04"),
            s.trusted_dvr_macs.end());
  EXPECT_NE(std::find(s.tunnels.begin(), s.tunnels.end(), "10.255.1.4"), s.tunnels.end());
  // Not with the federation off: requirement 6 holds.
  auto off = Compute(v, "c2-h1", false);
  EXPECT_EQ(std::find(off.trusted_dvr_macs.begin(), off.trusted_dvr_macs.end(), "fa:16:3f:01:00:09"),
            off.trusted_dvr_macs.end());
}

TEST(DesiredState, TheServingCloudsNetworkNodeHoldsItsDvrRouterForTheOthers) {
  auto v = PartiallyRouted("cloud1");
  auto s = Compute(v, "c1-net");
  const state::RouterInstance* r1 = nullptr;
  for (const auto& r : s.routers)
    if (r.kind == "dvr" && r.id == "r1") r1 = &r;
  ASSERT_NE(r1, nullptr) << "R1 must be instantiated on cloud1's network node";
  ASSERT_EQ(r1->interfaces.size(), 2u);
  for (const auto& i : r1->interfaces) EXPECT_TRUE(i.serves_other_clouds) << i.port_id;
  // Other hosts of R1 never route a frame sent to its gateway MAC.
  for (const auto& r : Compute(v, "c1-h1").routers)
    for (const auto& i : r.interfaces) EXPECT_FALSE(i.serves_other_clouds) << i.port_id;
  // With R2 on the subnets, nobody is served: R1 stays off the network node.
  auto full = S2("cloud1");
  full.hosts["c1-net"] = {"c1-net", "cloud1", "network", "10.255.1.1", "fa:16:3f:01:00:09"};
  full.Reindex();
  for (const auto& r : Compute(full, "c1-net").routers) EXPECT_NE(r.kind, "dvr");
}

TEST(DesiredState, HostsReceivingFramesRoutedByAnotherCloudTunnelToTheRouter) {
  // Mixed modes: R1 distributed (cloud1), R2 legacy (cloud2). c2-h2 has only
  // net4; c1-h1 (instance1, net3) routes to instance4 with its DVR MAC.
  auto v = S2("cloud2", true);
  v.hosts["c2-net"] = {"c2-net", "cloud2", "network", "10.255.2.1", "fa:16:3f:02:00:09"};
  v.routers["r2"].distributed = false;
  for (const char* id : {"r2-3", "r2-4"}) v.ports[id].device_owner = model::kOwnerRouterInterface;
  v.Reindex();
  auto s = Compute(v, "c2-h2");
  EXPECT_NE(std::find(s.trusted_dvr_macs.begin(), s.trusted_dvr_macs.end(), "fa:16:3f:01:00:01"),
            s.trusted_dvr_macs.end());
  EXPECT_NE(std::find(s.tunnels.begin(), s.tunnels.end(), "10.255.0.11"), s.tunnels.end())
      << "no tunnel to c1-h1: its routed frames would be dropped by the VXLAN port lookup";
}

}  // namespace
}  // namespace isthmus::cloud
