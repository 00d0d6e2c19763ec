#include "agent/openflow/flow_mod_encoder.h"

#include <gtest/gtest.h>

#include "agent/openflow/flow_parser.h"

namespace isthmus::agent::openflow {
namespace {

// The expected bytes were checked with `ovs-ofctl -O OpenFlow14 ofp-print`
// (which decodes each back to the same flow), and the same encoder's flows
// are compared with ovs-ofctl's on a real switch by
// tests/integration/openflow_wire.sh.
const PortNumbers kPorts = {{"patch-int", 2}, {"t-instance1", 5}};

std::string Encode(const std::string& line) {
  auto mod = line.rfind("delete_strict ", 0) == 0 ? ParseBundleLine(line) : ParseFlow(line, kAdd);
  EXPECT_TRUE(mod.ok()) << mod.status().message();
  if (!mod.ok()) return "";
  auto b = EncodeFlowMod(*mod, kPorts, 0);
  EXPECT_TRUE(b.ok()) << b.status().message();
  return b.ok() ? Hex(*b) : "";
}

TEST(FlowModEncoder, InPortByNameAndGotoTable) {
  EXPECT_EQ(Encode("cookie=0x15a7,table=0,priority=1,in_port=patch-int actions=goto_table:1"),
            // header (v1.4 FLOW_MOD, 72 bytes), cookie, cookie mask, table 0, ADD,
            // timeouts 0, priority 1, no buffer, any port, any group, flags, importance
            "050e004800000000" "00000000000015a7" "0000000000000000" "00" "00" "00000000" "0001"
            "ffffffff" "ffffffff" "ffffffff" "0000" "0000"
            // OXM match (12 bytes): OXM_OF_IN_PORT = 2, padded to 8
            "0001000c" "80000004" "00000002" "00000000"
            // goto_table:1
            "00010008" "01000000");
}

TEST(FlowModEncoder, LearnAsNiciraAction) {
  EXPECT_EQ(Encode("cookie=0x15a7,table=10,priority=1 actions=learn(table=20,hard_timeout=300,priority=1,"
                   "NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
                   "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[]),output:patch-int"),
            "050e00b00000000000000000000015a700000000000000000a00000000000001"
            "ffffffffffffffffffffffff0000000000010004000000000004007800000000"
            "ffff00600000232000100000012c000100000000000000000000140000000000"
            "000c000008020000000008020000003000000406000000000206000028100000"
            "0000080200000840000120080000000120080000102080000004000000000000"
            "00000010000000020000000000000000");
}

TEST(FlowModEncoder, ConntrackResubmitAndRegisters) {
  EXPECT_EQ(Encode("cookie=0x15a7,table=72,priority=50,in_port=t-instance1,ct_state=+new-est+trk,ip "
                   "actions=ct(commit,zone=5),resubmit(,60)"),
            "050e00800000000000000000000015a700000000000000004800000000000032"
            "ffffffffffffffffffffffff000000000001001e800000040000000580000a02"
            "08000001d308000000210000002300000004003000000000ffff001800002320"
            "00230001000000000005ff0000000000ffff001000002320000efff83c000000");
  EXPECT_EQ(Encode("cookie=0x15a7,table=81,priority=90,reg5=5,ip actions=ct_clear,ct(table=82,zone=5)"),
            "050e00780000000000000000000015a70000000000000000510000000000005a"
            "ffffffffffffffffffffffff000000000001001280000a02080000010a040000"
            "00050000000000000004003000000000ffff001000002320002b000000000000"
            "ffff00180000232000230000000000000005520000000000");
}

TEST(FlowModEncoder, ArpResponderMoveSetFieldLoad) {
  EXPECT_EQ(Encode("cookie=0x15a7,table=21,priority=1,arp,dl_vlan=1,arp_op=1,arp_tpa=10.0.3.11 "
                   "actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:fa:16:3e:00:00:02->eth_src,"
                   "load:0x2->NXM_OF_ARP_OP[],in_port"),
            "050e00a80000000000000000000015a700000000000000001500000000000001"
            "ffffffffffffffffffffffff000000000001001e80000a02080680000c021001"
            "80002a02000180002e040a00030b00000004005800000000ffff001800002320"
            "000600300000000000000406000002060019001080000806fa163e0000020000"
            "ffff0018000023200007000f00001e02000000000000000200000010fffffff8"
            "0000000000000000");
}

TEST(FlowModEncoder, RouteTtlMatchAndInPortClear) {
  // nw_ttl as NXM_NX_IP_TTL (after its prerequisite, ip); dec_ttl,
  // load:0->NXM_OF_IN_PORT[] and resubmit as Nicira actions.
  EXPECT_EQ(Encode("cookie=0x15a7,table=64,priority=30,ip,dl_vlan=1,dl_dst=fa:16:3e:00:01:03,nw_ttl=1 "
                   "actions=pop_vlan,output:t-instance1"),
            // checked with ovs-ofctl ofp-print: ...,nw_ttl=1 actions=pop_vlan,output:5
            "050e00700000000000000000000015a70000000000000000400000000000001e"
            "ffffffffffffffffffffffff000000000001001f80000606fa163e0001038000"
            "0a02080080000c02100100013a01010000040020000000000012000800000000"
            "00000010000000050000000000000000");
  EXPECT_EQ(Encode("cookie=0x15a7,table=64,priority=20,ip,reg6=7,nw_dst=10.0.4.11 actions=load:0x1002->NXM_OF_VLAN_TCI[],"
                   "dec_ttl,load:0->NXM_OF_IN_PORT[],resubmit(,60)"),
            // ofp-print: ...,reg6=0x7,nw_dst=10.0.4.11 actions=load:0x1002->NXM_OF_VLAN_TCI[],dec_ttl,...
            "050e00a00000000000000000000015a700000000000000004000000000000014"
            "ffffffffffffffffffffffff000000000001001a80000a020800800018040a00"
            "040b00010c04000000070000000000000004005000000000ffff001800002320"
            "0007000f0000080200000000000010020018000800000000ffff001800002320"
            "0007000f000000020000000000000000ffff001000002320000efff83c000000");
  auto bad = ParseFlow("table=64,priority=30,arp,nw_ttl=1 actions=drop", kAdd);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("nw_ttl needs ip"), std::string::npos) << bad.status().message();
}

TEST(FlowModEncoder, DeleteStrictHasNoInstructions) {
  EXPECT_EQ(Encode("delete_strict table=60,priority=20,dl_vlan=1,dl_dst=fa:16:3e:00:00:00"),
            "050e004800000000000000000000000000000000000000003c04000000000014"
            "ffffffffffffffffffffffff000000000001001480000606fa163e0000008000"
            "0c02100100000000");
}

TEST(FlowModEncoder, UnknownPortIsNotFoundByName) {
  auto mod = ParseFlow("table=0,priority=1 actions=output:gone", kAdd);
  ASSERT_TRUE(mod.ok());
  auto b = EncodeFlowMod(*mod, kPorts, 0);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Code::kNotFound);
  EXPECT_NE(b.status().message().find("'gone'"), std::string::npos);
}

}  // namespace
}  // namespace isthmus::agent::openflow
