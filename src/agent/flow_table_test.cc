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
