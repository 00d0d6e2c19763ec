#include "agent/openflow/flow_parser.h"

#include <gtest/gtest.h>

#include "agent/openflow/flow_text.h"

namespace isthmus::agent::openflow {
namespace {

FlowMod Parse(const std::string& text) {
  auto f = ParseFlow(text, kAdd);
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? *f : FlowMod{};
}

std::string Refusal(const std::string& line) {
  auto f = ParseBundleLine(line);
  EXPECT_FALSE(f.ok()) << line;
  EXPECT_EQ(f.status().code(), Code::kInvalidArgument);
  return f.status().message();
}

TEST(FlowParser, HeaderFieldsAndWireOrder) {
  FlowMod f = Parse("cookie=0x15a7,table=82,priority=50,tcp,tp_dst=0x1f40/0xfffc,nw_src=192.0.2.0/24,"
                    "in_port=t-instance1 actions=drop");
  EXPECT_EQ(f.cookie, 0x15a7u);
  EXPECT_EQ(f.table, 82);
  EXPECT_EQ(f.priority, 50);
  EXPECT_TRUE(f.actions.empty());
  EXPECT_FALSE(f.goto_table);
  // in_port, eth_type, ip_proto (prerequisites first), then nw_src, tcp_dst.
  ASSERT_EQ(f.match.entries.size(), 5u);
  EXPECT_EQ(f.match.entries[0].field.name, "in_port");
  EXPECT_EQ(f.match.entries[0].port->name, "t-instance1");
  EXPECT_EQ(f.match.entries[1].field.name, "dl_type");
  EXPECT_EQ(f.match.entries[2].field.name, "nw_proto");
  EXPECT_EQ(f.match.entries[3].field.name, "nw_src");
  EXPECT_EQ(Hex(f.match.entries[3].mask), "ffffff00");
  EXPECT_EQ(f.match.entries[4].field.name, "tcp_dst");
  EXPECT_EQ(Hex(f.match.entries[4].value), "1f40");
  EXPECT_EQ(Hex(f.match.entries[4].mask), "fffc");
}

TEST(FlowParser, VlanCtStateTcpFlagsAndExactPrefixes) {
  FlowMod f = Parse("dl_vlan=5,ct_state=+est-rel-inv+trk,tcp,tcp_flags=-syn,nw_src=10.0.3.10/32 actions=drop");
  for (const auto& e : f.match.entries) {
    std::string got = Hex(e.value) + (e.mask.empty() ? "" : "/" + Hex(e.mask));
    if (e.field.name == "dl_vlan") {
      EXPECT_EQ(got, "1005");
    } else if (e.field.name == "ct_state") {
      EXPECT_EQ(got, "00000022/00000036");
    } else if (e.field.name == "tcp_flags") {
      EXPECT_EQ(got, "0000/0002");
    } else if (e.field.name == "nw_src") {
      EXPECT_EQ(got, "0a00030a");  // /32 is exact
    }
  }
}

TEST(FlowParser, Actions) {
  FlowMod f = Parse("table=1,priority=1 actions=push_vlan:0x8100,set_field:4097->vlan_vid,set_field:5->reg5,"
                    "output:patch-tun,resubmit(,60),ct(commit,zone=5),goto_table:9");
  ASSERT_EQ(f.actions.size(), 6u);
  EXPECT_EQ(std::get<PushVlan>(f.actions[0]).ethertype, 0x8100);
  EXPECT_EQ(Hex(std::get<SetField>(f.actions[1]).value), "1001");
  EXPECT_EQ(std::get<SetField>(f.actions[2]).field.name, "reg5");
  EXPECT_EQ(std::get<Output>(f.actions[3]).port.name, "patch-tun");
  EXPECT_EQ(std::get<Resubmit>(f.actions[4]).table, 60);
  EXPECT_TRUE(std::get<Ct>(f.actions[5]).commit);
  EXPECT_EQ(std::get<Ct>(f.actions[5]).zone, 5);
  EXPECT_EQ(f.goto_table, 9);
}

TEST(FlowParser, LearnSpecs) {
  FlowMod f = Parse("table=10,priority=1 actions=learn(table=20,hard_timeout=300,priority=1,NXM_OF_VLAN_TCI[0..11],"
                    "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
                    "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[])");
  const auto& l = std::get<Learn>(f.actions.at(0));
  EXPECT_EQ(l.table, 20);
  EXPECT_EQ(l.hard_timeout, 300);
  ASSERT_EQ(l.specs.size(), 5u);
  EXPECT_EQ(l.specs[0].n_bits, 12);
  EXPECT_EQ(l.specs[1].src->field.name, "NXM_OF_ETH_SRC");
  EXPECT_EQ(Hex(l.specs[2].immediate), "0000");
  EXPECT_EQ(l.specs[3].n_bits, 64);
  EXPECT_EQ(l.specs[4].kind, LearnSpec::kOutput);
  EXPECT_EQ(l.specs[4].n_bits, 32);
}

TEST(FlowParser, BundleLines) {
  auto del = ParseBundleLine("delete_strict table=0,priority=1,in_port=b");
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->command, kDeleteStrict);
  auto add = ParseBundleLine("add cookie=0x15a7,table=0,priority=1,in_port=a actions=goto_table:60");
  ASSERT_TRUE(add.ok());
  EXPECT_EQ(add->command, kAdd);
}

TEST(FlowParser, RefusesWhatItDoesNotKnowByName) {
  EXPECT_NE(Refusal("add table=0,priority=1,nw_tos=4 actions=drop").find("unknown match field 'nw_tos'"),
            std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1 actions=controller").find("unsupported action 'controller'"),
            std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1 actions=ct(commit,nat)").find("'nat'"), std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1,tp_dst=80 actions=drop").find("tp_dst needs tcp, udp or sctp"),
            std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1,nw_src=10.0.0.1 actions=drop").find("needs ip"), std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1,arp_tpa=10.0.0.1 actions=drop").find("needs arp"), std::string::npos);
  EXPECT_NE(Refusal("add table=5,priority=1 actions=goto_table:2").find("must be later"), std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1 actions=drop,output:1").find("drop must be the only"),
            std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1,dl_src=fa:16:3e actions=drop").find("bad MAC"), std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1,dl_vlan=4096 actions=drop").find("out of range"), std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1,ct_state=+foo actions=drop").find("unknown flag 'foo'"),
            std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1,dl_vlan=1,dl_vlan=2 actions=drop").find("matched twice"),
            std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1 actions=move:NXM_OF_ETH_SRC[]->NXM_NX_REG0[]").find("widths differ"),
            std::string::npos);
  EXPECT_NE(Refusal("add table=0,priority=1,in_port=a").find("no actions="), std::string::npos);
  EXPECT_NE(Refusal("modify table=0,priority=1 actions=drop").find("unknown bundle line"), std::string::npos);
}

}  // namespace
}  // namespace isthmus::agent::openflow
