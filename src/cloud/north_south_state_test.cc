// Desired state for north-south (issue 3): DHCP servers per cloud, SNAT on the
// network node, floating IPs on the instance's own host, DHCP kept in its cloud.
#include <gtest/gtest.h>

#include "cloud/desired_state.h"
#include "cloud/s2_view_test_util.h"

namespace isthmus::cloud {
namespace {

using testing::S2;

model::Port Owned(const std::string& id, const char* owner, const std::string& device,
                  const std::string& net, const std::string& subnet, const std::string& ip,
                  const std::string& mac, const std::string& cloud, const std::string& host = "") {
  model::Port p;
  p.id = id;
  p.device_owner = owner;
  p.device_id = device;
  p.network_id = net;
  p.fixed_ips = {{subnet, ip}};
  p.mac_address = mac;
  p.cloud = cloud;
  p.host = host;
  return p;
}

// S2 (cloud1's view) with network nodes, ext-net1, R1's gateway on it, SNAT
// legs, DHCP ports of both clouds, and a floating IP for instance1.
FederationView NorthSouth(bool distributed = true) {
  FederationView v = S2("cloud1", distributed);
  v.hosts["c1-net"] = {"c1-net", "cloud1", "network", "10.255.0.19", "fa:16:3f:01:00:03"};
  v.hosts["c2-net"] = {"c2-net", "cloud2", "network", "10.255.0.29", "fa:16:3f:02:00:03"};
  model::Network ext{"ext1", "ext-net1", "p", {"cloud1"}, "flat", 0, true, "external"};
  v.networks["ext1"] = ext;
  v.subnets["extsub"] = {"extsub", "", "p", "ext1", "172.24.1.0/24", "172.24.1.1", "anycast",
                         {{"172.24.1.2", "172.24.1.254"}}, false, {}};
  v.subnets["sub3"].dns_nameservers = {"198.51.100.53"};
  v.routers["r1"].gateway_network_id = "ext1";
  for (const auto& p :
       {Owned("gw1", model::kOwnerRouterGateway, "r1", "ext1", "extsub", "172.24.1.10", "fa:16:3e:0e:00:01", "cloud1"),
        Owned("sg13", model::kOwnerRouterSnat, "r1", "net3", "sub3", "10.0.3.5", "fa:16:3e:05:00:03", "cloud1"),
        Owned("sg14", model::kOwnerRouterSnat, "r1", "net4", "sub4", "10.0.4.5", "fa:16:3e:05:00:04", "cloud1"),
        Owned("dhcp13", model::kOwnerDhcp, "dhcp-cloud1", "net3", "sub3", "10.0.3.2", "fa:16:3e:0d:01:03", "cloud1"),
        Owned("dhcp23", model::kOwnerDhcp, "dhcp-cloud2", "net3", "sub3", "10.0.3.3", "fa:16:3e:0d:02:03", "cloud2"),
        Owned("fipport", model::kOwnerFloatingIp, "fip1", "ext1", "extsub", "172.24.1.20", "fa:16:3e:0f:00:01", "cloud1"),
        Owned("fg-h1", model::kOwnerFipAgentGateway, "c1-h1", "ext1", "extsub", "172.24.1.11", "fa:16:3e:0f:0f:01", "cloud1", "c1-h1")})
    v.ports[p.id] = p;
  v.floatingips["fip1"] = {"fip1", "p", "ext1", "172.24.1.20", "fipport", "i1", "10.0.3.11", "r1", "cloud1"};
  v.Reindex();
  return v;
}

state::HostState Compute(const FederationView& v, const std::string& host) {
  std::map<std::string, int> lvids;
  int next = 1;
  for (const auto& n : HostNetworks(v, host)) lvids[n] = next++;
  return ComputeHostState(v, host, lvids, {true});
}

const state::RouterInstance* Find(const state::HostState& s, const std::string& kind) {
  for (const auto& r : s.routers)
    if (r.kind == kind) return &r;
  return nullptr;
}

TEST(NorthSouthState, NetworkNodeRunsOwnDhcpServerForOwnInstancesOnly) {
  auto s = Compute(NorthSouth(), "c1-net");
  ASSERT_EQ(s.dhcp_servers.size(), 1u);
  const auto& d = s.dhcp_servers[0];
  EXPECT_EQ(d.port_id, "dhcp13");
  EXPECT_EQ(d.ip_cidrs, std::vector<std::string>{"10.0.3.2/24"});
  ASSERT_EQ(d.hosts.size(), 1u);  // instance1 only: instance2 is cloud2's
  EXPECT_EQ(d.hosts[0].ip, "10.0.3.11");
  EXPECT_EQ(d.hosts[0].hostname, "host-10-0-3-11");
  ASSERT_EQ(d.subnets.size(), 1u);
  EXPECT_EQ(d.subnets[0].router, "10.0.3.1");
  EXPECT_EQ(d.subnets[0].dns, std::vector<std::string>{"198.51.100.53"});
  // The DHCP port is a local port without port security.
  bool found = false;
  for (const auto& p : s.ports)
    if (p.id == "dhcp13") found = !p.port_security;
  EXPECT_TRUE(found);
}

TEST(NorthSouthState, DhcpBroadcastsFloodOnlyToOwnCloud) {
  auto s = Compute(NorthSouth(), "c1-h1");
  for (const auto& n : s.networks) {
    if (n.id != "net3") continue;
    // Flooding reaches c2-h1 (instance2) and both network nodes; DHCP only cloud1's.
    EXPECT_EQ(n.flood_vteps, (std::vector<std::string>{"10.255.0.19", "10.255.0.21", "10.255.0.29"}));
    EXPECT_EQ(n.cloud_flood_vteps, std::vector<std::string>{"10.255.0.19"});
  }
  EXPECT_TRUE(s.dhcp_servers.empty());
}

TEST(NorthSouthState, PerCloudGatewayIsWhatDhcpHandsOut) {
  auto v = NorthSouth();
  v.ports["r1-3"].fixed_ips[0].ip_address = "10.0.3.4";  // cloud1's own gateway address
  v.Reindex();
  auto s = Compute(v, "c1-net");
  ASSERT_EQ(s.dhcp_servers.size(), 1u);
  EXPECT_EQ(s.dhcp_servers[0].subnets[0].router, "10.0.3.4");
}

TEST(NorthSouthState, SnatInstanceOnNetworkNodeAndPolicyRoutesOnCompute) {
  auto nn = Compute(NorthSouth(), "c1-net");
  const auto* snat = Find(nn, "snat");
  ASSERT_NE(snat, nullptr);
  EXPECT_EQ(snat->gateway.ip, "172.24.1.10");
  EXPECT_EQ(snat->gateway.gateway_ip, "172.24.1.1");
  EXPECT_EQ(snat->gateway.prefix_len, 24);
  ASSERT_EQ(snat->interfaces.size(), 2u);
  EXPECT_EQ(snat->interfaces[0].port_id, "sg13");
  for (const auto& n : snat->neighbors) EXPECT_NE(n.ip, "10.0.3.5");  // not its own leg
  EXPECT_EQ(Find(nn, "dvr"), nullptr);  // no instance there

  auto h2 = Compute(NorthSouth(), "c1-h2");
  const auto* dvr = Find(h2, "dvr");
  ASSERT_NE(dvr, nullptr);
  ASSERT_EQ(dvr->snat_routes.size(), 2u);
  EXPECT_EQ(dvr->snat_routes[0].cidr, "10.0.3.0/24");
  EXPECT_EQ(dvr->snat_routes[0].via, "10.0.3.5");
  EXPECT_EQ(dvr->snat_routes[0].port_id, "r1-3");
  EXPECT_TRUE(dvr->floating_ips.empty());  // instance1's is served on c1-h1
  EXPECT_TRUE(h2.fip_gateways.empty());
  // The SNAT legs are remote ports on the network node.
  bool sg_remote = false;
  for (const auto& rp : h2.remote_ports) sg_remote |= rp.mac == "fa:16:3e:05:00:04" && rp.vtep == "10.255.0.19";
  EXPECT_TRUE(sg_remote);
}

TEST(NorthSouthState, FloatingIpServedOnTheInstancesHost) {
  auto s = Compute(NorthSouth(), "c1-h1");
  const auto* dvr = Find(s, "dvr");
  ASSERT_NE(dvr, nullptr);
  ASSERT_EQ(dvr->floating_ips.size(), 1u);
  EXPECT_EQ(dvr->floating_ips[0].floating_ip, "172.24.1.20");
  EXPECT_EQ(dvr->floating_ips[0].fixed_ip, "10.0.3.11");
  EXPECT_EQ(dvr->fip_link.network_id, "ext1");
  EXPECT_TRUE(dvr->fip_link.router_side.rfind("169.254.", 0) == 0);
  ASSERT_EQ(s.fip_gateways.size(), 1u);
  EXPECT_EQ(s.fip_gateways[0].port_id, "fg-h1");
  EXPECT_EQ(s.fip_gateways[0].gateway_ip, "172.24.1.1");
  // External networks never become br-int networks.
  for (const auto& n : s.networks) EXPECT_NE(n.id, "ext1");
}

TEST(NorthSouthState, DisabledSnatRemovesRoutesButKeepsFloatingIps) {
  auto v = NorthSouth();
  v.routers["r1"].enable_snat = false;
  auto s = Compute(v, "c1-h1");
  const auto* dvr = Find(s, "dvr");
  ASSERT_NE(dvr, nullptr);
  EXPECT_TRUE(dvr->snat_routes.empty());
  EXPECT_EQ(dvr->floating_ips.size(), 1u);
}

TEST(NorthSouthState, LegacyRouterDoesItAllOnTheNetworkNode) {
  auto v = NorthSouth(false);
  auto s = Compute(v, "c1-net");
  const auto* legacy = Find(s, "legacy");
  ASSERT_NE(legacy, nullptr);
  EXPECT_EQ(legacy->gateway.port_id, "gw1");
  ASSERT_EQ(legacy->floating_ips.size(), 1u);
  EXPECT_TRUE(legacy->fip_link.network_id.empty());
  EXPECT_EQ(Find(s, "snat"), nullptr);
  auto h1 = Compute(v, "c1-h1");
  EXPECT_TRUE(h1.routers.empty());
  EXPECT_TRUE(h1.fip_gateways.empty());
}

// Neutron's admin_state_up false on a router: no host wires it (no qrouter-
// on any host, no SNAT, no floating IPs), DVR and legacy alike, until it is
// true again.
TEST(NorthSouthState, AnAdministrativelyDownRouterIsWiredNowhere) {
  for (bool distributed : {true, false}) {
    auto v = NorthSouth(distributed);
    v.routers["r1"].admin_state_up = false;
    for (const char* host : {"c1-h1", "c1-h2", "c1-net"}) {
      auto s = Compute(v, host);
      EXPECT_TRUE(s.routers.empty()) << host << " distributed " << distributed;
      EXPECT_TRUE(s.fip_gateways.empty()) << host;
    }
    // c1-h1 keeps its instance's network only: net4 came with the router.
    EXPECT_EQ(HostNetworks(v, "c1-h1"), std::set<std::string>{"net3"});
    v.routers["r1"].admin_state_up = true;
    EXPECT_NE(Find(Compute(v, "c1-net"), distributed ? "snat" : "legacy"), nullptr);
    if (distributed) EXPECT_EQ(Compute(v, "c1-h1").fip_gateways.size(), 1u);
  }
}

// A router's extra routes go into each of its instances (DVR on every host,
// its SNAT instance, a legacy router) whose legs connect the nexthop; one per
// destination; a nexthop no leg connects, or a leg's own address, is left out.
TEST(NorthSouthState, ExtraRoutesGoIntoEveryInstanceWhoseLegsConnectTheNexthop) {
  for (bool distributed : {true, false}) {
    auto v = NorthSouth(distributed);
    v.routers["r1"].routes = {{"198.51.100.0/24", "10.0.4.14"},
                              {"203.0.113.0/24", "10.9.9.9"},
                              {"192.0.2.0/24", "10.0.3.1"},
                              {"198.51.100.0/24", "10.0.4.13"},
                              {"192.0.2.128/25", "10.0.3.12"}};
    std::vector<state::Route> want = {{"192.0.2.128/25", "10.0.3.12"}, {"198.51.100.0/24", "10.0.4.13"}};
    if (distributed) {
      EXPECT_EQ(Find(Compute(v, "c1-h1"), "dvr")->routes, want);
      EXPECT_EQ(Find(Compute(v, "c1-h2"), "dvr")->routes, want);
      // The SNAT instance's legs are the SNAT ports: the router leg's address
      // (which central refuses as a nexthop) is another host there.
      std::vector<state::Route> snat = {{"192.0.2.0/24", "10.0.3.1"}, want[0], want[1]};
      EXPECT_EQ(Find(Compute(v, "c1-net"), "snat")->routes, snat);
    } else {
      EXPECT_EQ(Find(Compute(v, "c1-net"), "legacy")->routes, want);
    }
  }
}

// A subnet's host routes are offered by its DHCP server (option 121).
TEST(NorthSouthState, DhcpOffersTheSubnetsHostRoutes) {
  auto v = NorthSouth();
  v.subnets["sub3"].host_routes = {{"198.51.100.0/24", "10.0.3.12"}};
  auto s = Compute(v, "c1-net");
  ASSERT_EQ(s.dhcp_servers.size(), 1u);
  ASSERT_EQ(s.dhcp_servers[0].subnets.size(), 1u);
  EXPECT_EQ(s.dhcp_servers[0].subnets[0].host_routes,
            (std::vector<state::Route>{{"198.51.100.0/24", "10.0.3.12"}}));
}

}  // namespace
}  // namespace isthmus::cloud
