#include "agent/flows.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

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

}  // namespace
}  // namespace isthmus::agent
