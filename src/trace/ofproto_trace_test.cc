#include "trace/ofproto_trace.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "trace/tracer.h"

namespace isthmus::trace {
namespace {

std::string Read(const std::string& name) {
  std::ifstream f(std::string(ISTHMUS_TESTDATA) + "/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// instance1 (c1-h1) toward a MAC behind a tunnel: br-int, then br-tun, out to VTEP 10.255.2.2.
TEST(OfprotoTraceTest, FollowsBothBridgesToTheTunnel) {
  auto r = ParseOfprotoTrace(Read("c1-h1_to_tunnel.txt"));
  ASSERT_EQ(r.steps.size(), 9u);
  EXPECT_EQ(r.steps[0].bridge, "br-int");
  EXPECT_EQ(r.steps[0].table, 0);
  EXPECT_EQ(r.steps[0].priority, 100);
  EXPECT_EQ(r.steps[0].match, "in_port=2");
  EXPECT_EQ(r.steps[0].cookie, "0x15a7");
  EXPECT_EQ(r.steps[2].table, 25);
  EXPECT_EQ(r.steps[2].match, "ip,in_port=2,dl_src=fa:16:3e:e7:01:c9,nw_src=10.0.3.11");
  EXPECT_EQ(r.steps[7].bridge, "br-tun");
  EXPECT_EQ(r.steps[7].table, 20);
  EXPECT_EQ(r.steps[8].bridge, "br-phy");
  ASSERT_EQ(r.outputs.size(), 2u);  // patch-tun, then the tunnel
  EXPECT_EQ(r.outputs[0].bridge, "br-int");
  EXPECT_EQ(r.outputs[0].port, "1");
  EXPECT_EQ(r.outputs[1].bridge, "br-tun");
  EXPECT_EQ(r.outputs[1].port, "4");
  EXPECT_EQ(r.outputs[1].tunnel_to, "10.255.2.2");
  EXPECT_FALSE(r.dropped);
  Packet p;
  p.dl_src = "fa:16:3e:e7:01:c9";
  ApplyActions(r, p);
  EXPECT_EQ(p.tun_id, "0x3e8");
  EXPECT_EQ(p.dl_src, "fa:16:3e:e7:01:c9");
}

TEST(OfprotoTraceTest, ADropAndAMissAreSeen) {
  std::string text =
      "Flow: icmp,in_port=2\n\nbridge(\"br-int\")\n----------------\n"
      " 0. in_port=2, priority 100, cookie 0x15a7\n    goto_table:24\n"
      "24. in_port=2, priority 1, cookie 0x15a7\n    goto_table:25\n"
      "25. priority 0, cookie 0x15a7\n    drop\n\n"
      "Final flow: unchanged\nMegaflow: recirc_id=0\nDatapath actions: drop\n";
  auto r = ParseOfprotoTrace(text);
  ASSERT_EQ(r.steps.size(), 3u);
  EXPECT_EQ(r.steps[2].match, "");
  EXPECT_EQ(r.steps[2].priority, 0);
  EXPECT_EQ(r.steps[2].actions, std::vector<std::string>{"drop"});
  EXPECT_TRUE(r.outputs.empty());
  EXPECT_TRUE(r.dropped);
  auto miss = ParseOfprotoTrace("bridge(\"br-tun\")\n----\n 4. No match.\n    drop\nDatapath actions: drop\n");
  ASSERT_EQ(miss.steps.size(), 1u);
  EXPECT_EQ(miss.steps[0].priority, -1);
  EXPECT_TRUE(miss.dropped);
}

TEST(OfprotoTraceTest, HeaderRewritesAndTtl) {
  std::string text =
      "bridge(\"br-tun\")\n----\n 1. dl_vlan=1,dl_src=fa:16:3e:00:00:01, priority 1, cookie 0x15a7\n"
      "    set_field:fa:16:3f:01:00:02->eth_src\n    goto_table:2\n"
      "20. dl_vlan=1, priority 2, cookie 0x15a7\n    dec_ttl\n    mod_dl_dst:fa:16:3e:00:00:09\n"
      "    set_field:0x3e9->tun_id\n    output:5\n     -> tunneling to 10.255.1.3 via br-phy\n";
  auto r = ParseOfprotoTrace(text);
  Packet p;
  p.dl_src = "fa:16:3e:00:00:01";
  ApplyActions(r, p);
  EXPECT_EQ(p.dl_src, "fa:16:3f:01:00:02");
  EXPECT_EQ(p.dl_dst, "fa:16:3e:00:00:09");
  EXPECT_EQ(p.tun_id, "0x3e9");
  EXPECT_EQ(p.nw_ttl, 63);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].tunnel_to, "10.255.1.3");
}

// A ct() action: OVS resumes the trace after the recirculation in a section of
// its own (ct_state trk|new by default); the steps go on in one list.
TEST(OfprotoTraceTest, ConntrackRecirculationContinues) {
  std::string text =
      "Flow: icmp,in_port=2\n\nbridge(\"br-int\")\n----------------\n"
      "71. ip,reg5=0x2, priority 10, cookie 0x15a7\n    ct(table=72,zone=NXM_NX_REG5[0..15])\n    drop\n"
      "     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 72.\n"
      "\nFinal flow: unchanged\nMegaflow: recirc_id=0,eth,ip\nDatapath actions: ct(zone=2),recirc(0x1)\n\n"
      "===============================================================================\n"
      "recirc(0x1) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)\n"
      "===============================================================================\n\n"
      "Flow: recirc_id=0x1,ct_state=new|trk,icmp,in_port=2\n\nbridge(\"br-int\")\n----------------\n"
      "    thaw\n        Resuming from table 72\n"
      "72. ct_state=+new-est,icmp,reg5=0x2, priority 70, cookie 0x15a7\n    ct(commit,zone=NXM_NX_REG5[0..15])\n"
      "    output:3\n\nFinal flow: unchanged\nMegaflow: recirc_id=0x1\nDatapath actions: ct(commit,zone=2),3\n";
  auto r = ParseOfprotoTrace(text);
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(r.steps[0].table, 71);
  EXPECT_EQ(r.steps[0].actions, (std::vector<std::string>{"ct(table=72,zone=NXM_NX_REG5[0..15])", "drop"}));
  EXPECT_EQ(r.steps[1].table, 72);
  EXPECT_EQ(r.steps[1].match, "ct_state=+new-est,icmp,reg5=0x2");
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].port, "3");
  EXPECT_FALSE(r.dropped);
}

// A frame from a tunnel delivered through the ingress tables: OVS heads the
// resumed section with bridge("br-tun"), but table 82 is br-int's (the bridge
// of the ct action), and so is output 2 (instance4's VIF on c2-h2).
TEST(OfprotoTraceTest, AResumedSectionIsInTheBridgeOfItsCtAction) {
  auto r = ParseOfprotoTrace(Read("c2-h2_from_tunnel_conntrack.txt"));
  ASSERT_FALSE(r.steps.empty());
  EXPECT_EQ(r.steps.back().bridge, "br-int");
  EXPECT_EQ(r.steps.back().table, 82);
  ASSERT_EQ(r.outputs.size(), 2u);  // br-tun's output to patch-int, then the VIF
  EXPECT_EQ(r.outputs[1].bridge, "br-int");
  EXPECT_EQ(r.outputs[1].port, "2");
}

// Hops name br-int's tables as docs/architecture.md does, the routed hop
// (issue 12: east-west in flows) included.
TEST(OfprotoTraceTest, TablesNamedAsInDocs) {
  EXPECT_EQ(TableName("br-int", 60), "FORWARD");
  EXPECT_EQ(TableName("br-int", 64), "ROUTE");
  EXPECT_EQ(TableName("br-tun", 1), "DVR_PROCESS");
  EXPECT_EQ(TableName("br-int", 63), "");
}

TEST(OfprotoTraceTest, FlowStrings) {
  Packet p{"vx0aff0102", "a", "b", "10.0.0.1", "10.0.0.2", 63, "tcp", 80, "0x3e8", "10.255.1.2", "10.255.2.2"};
  EXPECT_EQ(p.FlowString(),
            "in_port=vx0aff0102,tun_id=0x3e8,tun_src=10.255.1.2,tun_dst=10.255.2.2,tcp,dl_src=a,dl_dst=b,"
            "nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=63,tp_src=40000,tp_dst=80,tcp_flags=0x002");
}

}  // namespace
}  // namespace isthmus::trace
