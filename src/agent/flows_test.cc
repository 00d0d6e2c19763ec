#include "agent/flows.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "agent/route_flows.h"
#include "state/host_state_test_util.h"

namespace isthmus::agent {
namespace {

// Host c1-h1 of the seed's scenario S2: instance1 on net3 (vni 1003, lvid 1),
// R1's distributed legs on net3 and net4 (vni 1004, lvid 2); instance2 (net3) is
// on c2-h1, instance3 (net4) on c1-h2, instance4 (net4) on c2-h2.
state::HostState C1H1() {
  state::HostState s = state::C1H1Base(7);
  s.tunnels = {"10.255.0.12", "10.255.0.21", "10.255.0.22"};
  s.networks = {{"net3", 1003, 1, {"10.255.0.21"}}, {"net4", 1004, 2, {"10.255.0.12", "10.255.0.22"}}};
  // instance1: port security with a VRRP address, in the default group
  // (egress anywhere, anything from its members) and a web group.
  s.ports = {{"p-inst1", "net3", "fa:16:3e:00:00:01", {"10.0.3.10"}, true,
              {{"10.0.3.100/32", "fa:16:3e:00:00:01"}}, {"sg-default", "sg-web"}}};
  s.security_groups = {
      {"sg-default",
       {{"r-egress", "egress"}, {"r-members", "ingress", -1, -1, -1, "", "sg-default", {"10.0.3.10/32", "10.0.4.11/32"}}}},
      {"sg-web",
       {{"r-http", "ingress", 6, 80, 80}, {"r-ping", "ingress", 1, 8, -1, "10.0.0.0/8"},
        {"r-ssh", "ingress", 6, 8000, 8003, "192.0.2.0/24"}}}};
  s.remote_ports = {{"net3", "fa:16:3e:00:00:02", "10.255.0.21"},
                    {"net4", "fa:16:3e:00:00:03", "10.255.0.12"},
                    {"net4", "fa:16:3e:00:00:04", "10.255.0.22"}};
  s.arp_responder = {{"net3", "10.0.3.11", "fa:16:3e:00:00:02"},
                     {"net4", "10.0.4.10", "fa:16:3e:00:00:03"},
                     {"net4", "10.0.4.11", "fa:16:3e:00:00:04"}};
  s.gateway_arp_drop = {{"net3", "10.0.3.1", "fa:16:3e:00:01:03"},
                        {"net4", "10.0.4.1", "fa:16:3e:00:01:04"}};
  state::RouterInstance r1;
  r1.id = "r1";
  r1.distributed = true;
  r1.interfaces = {{"gw13aaaaaaaaa", "net3", "sub3", "fa:16:3e:00:01:03", "10.0.3.1", 24},
                   {"gw14aaaaaaaaa", "net4", "sub4", "fa:16:3e:00:01:04", "10.0.4.1", 24}};
  r1.neighbors = {{"10.0.3.10", "fa:16:3e:00:00:01"}, {"10.0.3.11", "fa:16:3e:00:00:02"},
                  {"10.0.4.10", "fa:16:3e:00:00:03"}, {"10.0.4.11", "fa:16:3e:00:00:04"}};
  s.routers = {r1};
  s.gateways = {{"net3", "sub3", "10.0.3.0/24", "10.0.3.1", "fa:16:3e:00:01:03", true},
                {"net4", "sub4", "10.0.4.0/24", "10.0.4.1", "fa:16:3e:00:01:04", true}};
  s.foreign_gateways = {{"net3", "fa:16:3e:00:02:03", "cloud2"},
                        {"net4", "fa:16:3e:00:02:04", "cloud2"}};
  s.trusted_dvr_macs = {"fa:16:3f:01:00:02", "fa:16:3f:02:00:01", "fa:16:3f:02:00:02"};
  return s;
}

OvsPorts AllPortsPresent() {
  OvsPorts p;
  p.vif_by_iface_id["p-inst1"] = "t-instance1";
  p.ofport_by_iface_id["p-inst1"] = 5;
  for (const char* n : {"patch-tun", "patch-int", "t-instance1", "qp-gw13aaaaaaa", "qp-gw14aaaaaaa",
                        "vx0aff000c", "vx0aff0015", "vx0aff0016"})
    p.names.insert(n);
  return p;
}

// ISTHMUS_UPDATE_GOLDEN=1 rewrites the golden files from the compiler's output
// (review the diff before committing it).
std::string ReadGolden(const std::string& name, const std::string& actual) {
  if (std::getenv("ISTHMUS_UPDATE_GOLDEN")) std::ofstream(std::string(ISTHMUS_TESTDATA) + "/" + name) << actual;
  std::ifstream in(std::string(ISTHMUS_TESTDATA) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CompileFlows, S2HostC1H1BrIntGolden) {
  auto flows = CompileFlows(C1H1(), AllPortsPresent());
  EXPECT_EQ(flows.br_int.Dump(), ReadGolden("c1h1_br_int.flows", flows.br_int.Dump()));
}

TEST(CompileFlows, S2HostC1H1BrTunGolden) {
  auto flows = CompileFlows(C1H1(), AllPortsPresent());
  EXPECT_EQ(flows.br_tun.Dump(), ReadGolden("c1h1_br_tun.flows", flows.br_tun.Dump()));
}

TEST(CompileFlows, SameInputsGiveNoChanges) {
  auto a = CompileFlows(C1H1(), AllPortsPresent());
  auto b = CompileFlows(C1H1(), AllPortsPresent());
  EXPECT_TRUE(b.br_int.DiffFrom(a.br_int).empty());
  EXPECT_TRUE(b.br_tun.DiffFrom(a.br_tun).empty());
}

TEST(CompileFlows, PortsNotYetInOvsAreLeftOut) {
  OvsPorts none;
  none.names = {"patch-tun", "patch-int"};
  auto flows = CompileFlows(C1H1(), none);
  EXPECT_EQ(flows.br_int.Dump().find("t-instance1"), std::string::npos);
  EXPECT_EQ(flows.br_tun.Dump().find("vx0aff"), std::string::npos);
}

TEST(CompileFlows, WithoutFederationForeignDvrMacsHitTheGuard) {
  auto s = C1H1();
  s.trusted_dvr_macs = {"fa:16:3f:01:00:02"};
  auto dump = CompileFlows(s, AllPortsPresent()).br_tun.Dump();
  EXPECT_EQ(dump.find("fa:16:3f:02:00:01"), std::string::npos);
  EXPECT_NE(dump.find("table=9,priority=1,dl_src=fa:16:3f:00:00:00/ff:ff:ff:00:00:00 actions=drop"),
            std::string::npos);
}

// Port security off: no anti-spoofing and no groups, but frames routed to the
// port still get its own cloud's gateway MAC as source (table 1), or table 1's
// default drops them (routed traffic to such a port was lost).
TEST(CompileFlows, APortWithoutPortSecurityStillReceivesRoutedFrames) {
  auto s = C1H1();
  s.ports[0].port_security = false;
  s.ports[0].security_groups.clear();
  s.ports[0].allowed_address_pairs.clear();
  auto dump = CompileFlows(s, AllPortsPresent()).br_int.Dump();
  EXPECT_NE(dump.find("table=1,priority=20,dl_vlan=1,dl_dst=fa:16:3e:00:00:01 actions=set_field:fa:16:3e:00:01:03->eth_src,goto_table:60"),
            std::string::npos)
      << dump;
  EXPECT_EQ(dump.find("table=24"), dump.find("table=24,priority=0"));  // no anti-spoofing for it
}

TEST(CompileFlows, RemovingAPortTouchesOnlyItsFlows) {
  auto before = CompileFlows(C1H1(), AllPortsPresent());
  auto s = C1H1();
  s.remote_ports.pop_back();  // instance4 gone
  auto after = CompileFlows(s, AllPortsPresent());
  auto diff = after.br_int.DiffFrom(before.br_int);
  auto tdiff = after.br_tun.DiffFrom(before.br_tun);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0], "delete_strict table=60,priority=10,dl_vlan=2,dl_dst=fa:16:3e:00:00:04");
  ASSERT_EQ(tdiff.size(), 1u);
  EXPECT_EQ(tdiff[0], "delete_strict table=20,priority=2,dl_vlan=2,dl_dst=fa:16:3e:00:00:04");
}

// East-west routing in flows (issue 12): a frame to R1's gateway MAC on net3
// enters ROUTE (table 64) with R1's number in reg6; each neighbour on a
// connected subnet leaves as the kernel would have sent it out of the egress
// leg (its VLAN, the leg's MAC, the neighbour's MAC, TTL - 1), back in table
// 60; TTL 0/1, the router's own addresses and everything else go to the
// namespace through the ingress leg.
std::string R1Reg() { return "reg6=" + std::to_string(RouterSlots(C1H1().routers).at("r1")); }

TEST(CompileFlows, DvrRouterRoutesEastWestInFlows) {
  auto dump = CompileFlows(C1H1(), AllPortsPresent()).br_int.Dump();
  std::string slot = R1Reg().substr(5);
  EXPECT_NE(dump.find("table=60,priority=20,dl_vlan=1,dl_dst=fa:16:3e:00:01:03 actions=set_field:" + slot +
                      "->reg6,goto_table:64"),
            std::string::npos)
      << dump;
  // instance4 (net4, VLAN 2) from either leg: net4's leg MAC as source.
  EXPECT_NE(dump.find("table=64,priority=20,ip," + R1Reg() +
                      ",nw_dst=10.0.4.11 actions=load:0x1002->NXM_OF_VLAN_TCI[],set_field:fa:16:3e:00:01:04->eth_src,"
                      "set_field:fa:16:3e:00:00:04->eth_dst,dec_ttl,load:0->NXM_OF_IN_PORT[],resubmit(,60)"),
            std::string::npos)
      << dump;
  // instance1 (net3, VLAN 1, on this host).
  EXPECT_NE(dump.find("nw_dst=10.0.3.10 actions=load:0x1001->NXM_OF_VLAN_TCI[],set_field:fa:16:3e:00:01:03->eth_src,"
                      "set_field:fa:16:3e:00:00:01->eth_dst,dec_ttl"),
            std::string::npos);
  for (const char* ttl : {"nw_ttl=0", "nw_ttl=1"})
    EXPECT_NE(dump.find("table=64,priority=30,ip,dl_vlan=1,dl_dst=fa:16:3e:00:01:03," + std::string(ttl) +
                        " actions=pop_vlan,output:qp-gw13aaaaaaa"),
              std::string::npos)
        << ttl;
  EXPECT_NE(dump.find("table=64,priority=1,dl_vlan=2,dl_dst=fa:16:3e:00:01:04 actions=pop_vlan,output:qp-gw14aaaaaaa"),
            std::string::npos);
  EXPECT_EQ(dump.find("nw_dst=10.0.3.1 "), std::string::npos);  // its own address: the namespace answers
  EXPECT_EQ(dump.find("actions=pop_vlan,output:qp-gw13aaaaaaa\ncookie=0x15a7,table=60"), std::string::npos);
}

TEST(CompileFlows, GatewayArpIsAnsweredByFlows) {
  auto dump = CompileFlows(C1H1(), AllPortsPresent()).br_int.Dump();
  std::string reply =
      "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:fa:16:3e:00:01:03->eth_src,load:0x2->NXM_OF_ARP_OP[],"
      "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
      "load:0xfa163e000103->NXM_NX_ARP_SHA[],load:0x0a000301->NXM_OF_ARP_SPA[],in_port";
  EXPECT_NE(dump.find("table=60,priority=25,arp,dl_vlan=1,arp_op=1,arp_tpa=10.0.3.1 actions=pop_vlan," + reply),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("table=60,priority=26,in_port=patch-tun,arp,dl_vlan=1,arp_op=1,arp_tpa=10.0.3.1 actions=" + reply),
            std::string::npos);
}

// The veth to the namespace is only the fallback: routing works before (and
// without) it; only the flows naming qp- wait for it.
TEST(CompileFlows, RoutingDoesNotWaitForTheLegPort) {
  OvsPorts p = AllPortsPresent();
  p.names.erase("qp-gw13aaaaaaa");
  p.names.erase("qp-gw14aaaaaaa");
  auto flows = CompileFlows(C1H1(), p);
  std::string dump = flows.br_int.Dump();
  EXPECT_EQ(dump.find("qp-gw1"), std::string::npos) << dump;
  EXPECT_NE(dump.find("nw_dst=10.0.4.11 actions=load:0x1002->NXM_OF_VLAN_TCI[]"), std::string::npos);
  EXPECT_NE(dump.find("table=64,priority=1,dl_vlan=1,dl_dst=fa:16:3e:00:01:03 actions=drop"), std::string::npos);
  EXPECT_NE(dump.find("arp_tpa=10.0.4.1 actions=pop_vlan,move:"), std::string::npos);
  EXPECT_NE(flows.br_tun.Dump().find("dl_src=fa:16:3e:00:01:04 actions=set_field:"), std::string::npos);
}

// An extra route covering a neighbour: the namespace decides (its main table
// may prefer the route), so the flows leave that address to it.
TEST(CompileFlows, ExtraRoutesStayInTheNamespace) {
  auto s = C1H1();
  s.routers[0].routes = {{"10.0.4.8/29", "10.0.3.10"}};
  auto dump = CompileFlows(s, AllPortsPresent()).br_int.Dump();
  EXPECT_EQ(dump.find("nw_dst=10.0.4.11 "), std::string::npos) << dump;
  EXPECT_EQ(dump.find("nw_dst=10.0.4.10 "), std::string::npos);
  EXPECT_NE(dump.find("nw_dst=10.0.3.11 "), std::string::npos);
}

// A router's number (reg6) and so its flows do not move when another router
// comes to the host; a SNAT instance stays behind its namespace.
TEST(CompileFlows, AnotherRouterTouchesOnlyItsFlows) {
  auto before = CompileFlows(C1H1(), AllPortsPresent());
  auto s = C1H1();
  state::RouterInstance snat;
  snat.id = "r1";
  snat.kind = "snat";
  snat.distributed = true;
  snat.interfaces = {{"sn13aaaaaaaaa", "net3", "sub3", "fa:16:3e:00:05:03", "10.0.3.5", 24}};
  state::RouterInstance r0 = s.routers[0];
  r0.id = "r0";
  r0.interfaces = {{"gw23aaaaaaaaa", "net3", "sub3b", "fa:16:3e:00:03:03", "10.0.30.1", 24}};
  r0.neighbors = {{"10.0.30.7", "fa:16:3e:00:00:07"}};
  s.routers = {r0, s.routers[0], snat};
  OvsPorts p = AllPortsPresent();
  p.names.insert("sp-sn13aaaaaaa");
  auto after = CompileFlows(s, p);
  for (const auto& line : after.br_int.DiffFrom(before.br_int)) {
    EXPECT_EQ(line.find("delete_strict"), std::string::npos) << line;
    EXPECT_EQ(line.find("fa:16:3e:00:01:0"), std::string::npos) << line;  // nothing of r1's
  }
  std::string dump = after.br_int.Dump();
  EXPECT_NE(dump.find("table=60,priority=20,dl_vlan=1,dl_dst=fa:16:3e:00:05:03 actions=pop_vlan,output:sp-sn13aaaaaaa"),
            std::string::npos)
      << dump;
  EXPECT_EQ(dump.find("arp_tpa=10.0.3.5 "), std::string::npos);
}

}  // namespace
}  // namespace isthmus::agent
