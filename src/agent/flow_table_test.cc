#include "agent/flow_table.h"

#include <gtest/gtest.h>

namespace isthmus::agent {
namespace {

TEST(FlowTable, DumpSortsByTableThenPriorityDescending) {
  FlowTable t;
  t.Add(1, 0, "", "drop");
  t.Add(0, 0, "", "drop");
  t.Add(0, 100, "in_port=a", "goto_table:1");
  EXPECT_EQ(t.Dump(),
            "cookie=0x15a7,table=0,priority=100,in_port=a actions=goto_table:1\n"
            "cookie=0x15a7,table=0,priority=0 actions=drop\n"
            "cookie=0x15a7,table=1,priority=0 actions=drop\n");
}

TEST(FlowTable, DiffAddsChangesAndDeletesStrictly) {
  FlowTable installed, desired;
  installed.Add(0, 1, "in_port=a", "drop");
  installed.Add(0, 1, "in_port=b", "drop");
  desired.Add(0, 1, "in_port=a", "goto_table:60");
  desired.Add(0, 1, "in_port=c", "drop");
  std::vector<std::string> expected = {
      "delete_strict table=0,priority=1,in_port=b",
      "add cookie=0x15a7,table=0,priority=1,in_port=a actions=goto_table:60",
      "add cookie=0x15a7,table=0,priority=1,in_port=c actions=drop",
  };
  EXPECT_EQ(desired.DiffFrom(installed), expected);
}

TEST(FlowTable, UnchangedStateGivesNoChanges) {
  FlowTable a, b;
  a.Add(0, 1, "x", "drop");
  b.Add(0, 1, "x", "drop");
  EXPECT_TRUE(a.DiffFrom(b).empty());
}

}  // namespace
}  // namespace isthmus::agent

namespace isthmus::agent {
namespace {

// Defense in depth: whatever reaches the writer, a value cannot add a line or a
// clause to an ovs-ofctl bundle.
TEST(FlowTable, RefusesValuesOutsideTheFlowSyntax) {
  FlowTable t;
  t.Add(60, 10, "dl_vlan=1,dl_dst=fa:16:3e:00:00:01\nadd table=0,priority=999", "output:patch-tun");
  t.Add(60, 10, "dl_vlan=1,dl_dst=fa:16:3e:00:00:02", "output:patch-tun actions=NORMAL");
  t.Add(60, 10, "dl_vlan=1,dl_dst=fa:16:3e:00:00:03 ", "drop");
  t.Add(60, 10, "dl_vlan=1,dl_dst=fa:16:3e:00:00:04", "");
  t.Add(60, 10, "dl_vlan=1,dl_dst=fa:16:3e:00:00:05", "output:patch-tun");
  EXPECT_EQ(t.size(), 1u);
  ASSERT_EQ(t.refused().size(), 4u);
  EXPECT_NE(t.refused()[0].find("\\nadd"), std::string::npos) << t.refused()[0];
  EXPECT_EQ(t.Dump(), "cookie=0x15a7,table=60,priority=10,dl_vlan=1,dl_dst=fa:16:3e:00:00:05 actions=output:patch-tun\n");
  EXPECT_TRUE(IsFlowText("move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0xfa163e000001->NXM_NX_ARP_SHA[]"));
}

}  // namespace
}  // namespace isthmus::agent
