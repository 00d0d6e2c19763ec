#include "agent/security_flows.h"

#include <gtest/gtest.h>

#include "agent/flows.h"
#include "state/host_state_test_util.h"

namespace isthmus::agent {
namespace {

using Masks = std::vector<std::pair<int, int>>;

TEST(PortRangeMasks, AlignedBlocksCoverTheRangeExactly) {
  EXPECT_EQ(PortRangeMasks(80, 80), (Masks{{80, 0xffff}}));
  EXPECT_EQ(PortRangeMasks(8000, 8003), (Masks{{8000, 0xfffc}}));
  EXPECT_EQ(PortRangeMasks(1, 4), (Masks{{1, 0xffff}, {2, 0xfffe}, {4, 0xffff}}));
  EXPECT_EQ(PortRangeMasks(0, 65535), (Masks{{0, 0}}));
  EXPECT_TRUE(PortRangeMasks(5, 4).empty());
  // Every port of a few ranges is covered once, and nothing else.
  for (auto [lo, hi] : {std::pair{1, 1023}, {1000, 2000}, {33, 65535}, {0, 7}}) {
    std::vector<int> hits(65536);
    for (auto [v, m] : PortRangeMasks(lo, hi))
      for (int p = 0; p < 65536; ++p)
        if ((p & m) == v) ++hits[p];
    for (int p = 0; p < 65536; ++p) ASSERT_EQ(hits[p], p >= lo && p <= hi ? 1 : 0) << lo << ".." << hi << " port " << p;
  }
}

TEST(RuleMatches, ProtocolPortsAndRemotes) {
  EXPECT_EQ(RuleMatches({"r", "egress"}), std::vector<std::string>{"ip"});
  EXPECT_EQ(RuleMatches({"r", "ingress", 6, 22, 22, "10.0.0.0/8"}),
            std::vector<std::string>{"tcp,nw_src=10.0.0.0/8,tp_dst=22"});
  EXPECT_EQ(RuleMatches({"r", "egress", 17, 53, 53, "10.0.0.2/32"}),
            std::vector<std::string>{"udp,nw_dst=10.0.0.2/32,tp_dst=53"});
  EXPECT_EQ(RuleMatches({"r", "ingress", 1, 8, 0}), std::vector<std::string>{"icmp,icmp_type=8,icmp_code=0"});
  EXPECT_EQ(RuleMatches({"r", "ingress", 112}), std::vector<std::string>{"ip,nw_proto=112"});
  EXPECT_EQ(RuleMatches({"r", "ingress", 6, 8000, 8003, "", "g", {"10.0.0.1/32", "10.0.0.2/32"}}),
            (std::vector<std::string>{"tcp,nw_src=10.0.0.1/32,tp_dst=0x1f40/0xfffc",
                                      "tcp,nw_src=10.0.0.2/32,tp_dst=0x1f40/0xfffc"}));
  // A remote group with no member known here matches nothing.
  EXPECT_TRUE(RuleMatches({"r", "ingress", -1, -1, -1, "", "g", {}}).empty());
}

state::HostState OnePort(bool port_security) {
  state::HostState s = state::C1H1Base(1);
  s.networks = {{"net3", 1003, 1, {}}};
  s.ports = {{"p1", "net3", "fa:16:3e:00:00:01", {"10.0.3.10"}, port_security, {}, {}}};
  if (port_security) {
    s.ports[0].security_groups = {"g"};
    s.security_groups = {{"g", {{"r-egress", "egress"}, {"r-ssh", "ingress", 6, 22, 22}}}};
  }
  return s;
}

OvsPorts Vif() {
  OvsPorts p;
  p.names = {"patch-tun", "patch-int", "tap1"};
  p.vif_by_iface_id["p1"] = "tap1";
  p.ofport_by_iface_id["p1"] = 7;
  return p;
}

TEST(SecurityFlows, ARuleChangeIsADiffOfThatRulesFlowsOnly) {
  auto before = CompileFlows(OnePort(true), Vif()).br_int;
  auto s = OnePort(true);
  s.security_groups[0].rules[1] = {"r-ssh", "ingress", 6, 22, 23};
  auto diff = CompileFlows(s, Vif()).br_int.DiffFrom(before);
  ASSERT_EQ(diff.size(), 2u);
  EXPECT_EQ(diff[0], "delete_strict table=82,priority=50,reg5=7,ct_state=+new-est+trk,tcp,tp_dst=22");
  EXPECT_EQ(diff[1],
            "add cookie=0x15a7,table=82,priority=50,reg5=7,ct_state=+new-est+trk,tcp,tp_dst=0x0016/0xfffe "
            "actions=ct(commit,zone=7),output:tap1");
}

TEST(SecurityFlows, PortSecurityOffDeliversAndAcceptsAnything) {
  std::string dump = CompileFlows(OnePort(false), Vif()).br_int.Dump();
  EXPECT_NE(dump.find("table=0,priority=100,in_port=tap1 actions=push_vlan:0x8100,set_field:4097->vlan_vid,goto_table:60"),
            std::string::npos) << dump;
  EXPECT_NE(dump.find("table=60,priority=20,dl_vlan=1,dl_dst=fa:16:3e:00:00:01 actions=pop_vlan,output:tap1"),
            std::string::npos) << dump;
  EXPECT_EQ(dump.find("ct("), std::string::npos) << dump;
}

TEST(SecurityFlows, AVifWithoutItsOpenFlowPortGetsNoFlowYet) {
  OvsPorts p = Vif();
  p.ofport_by_iface_id.clear();
  std::string dump = CompileFlows(OnePort(true), p).br_int.Dump();
  EXPECT_EQ(dump.find("tap1"), std::string::npos) << dump;
}

TEST(SecurityFlows, EveryDeliveryToTheVifGoesThroughTheIngressTables) {
  std::string dump = CompileFlows(OnePort(true), Vif()).br_int.Dump();
  EXPECT_NE(dump.find("table=60,priority=20,dl_vlan=1,dl_dst=fa:16:3e:00:00:01 "
                      "actions=pop_vlan,set_field:7->reg5,goto_table:81"),
            std::string::npos) << dump;
  EXPECT_NE(dump.find("table=60,priority=1,dl_vlan=1 actions=output:patch-tun,pop_vlan,set_field:7->reg5,resubmit(,81)"),
            std::string::npos) << dump;
  // The only outputs to the VIF are in tables 81 and 82.
  for (size_t at = dump.find("output:tap1"); at != std::string::npos; at = dump.find("output:tap1", at + 1)) {
    size_t line = dump.rfind('\n', at);
    std::string table = dump.substr(line + 1 + std::string("cookie=0x15a7,").size(), 9);
    EXPECT_TRUE(table == "table=81," || table == "table=82,") << dump.substr(line + 1, at - line);
  }
}

}  // namespace
}  // namespace isthmus::agent
