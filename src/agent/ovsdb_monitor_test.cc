#include "agent/ovsdb_monitor.h"

#include <gtest/gtest.h>

namespace isthmus::agent {
namespace {

TEST(JsonStreamSplitter, SplitsBackToBackMessagesAcrossReads) {
  JsonStreamSplitter s;
  std::string text;
  s.Feed(R"({"id":1,"s":"a}b{"})");
  s.Feed(R"({"id":2,"e":"q\"}"}{"id")");
  ASSERT_TRUE(s.Next(&text));
  EXPECT_EQ(text, R"({"id":1,"s":"a}b{"})");
  ASSERT_TRUE(s.Next(&text));
  EXPECT_EQ(text, R"({"id":2,"e":"q\"}"})");
  EXPECT_FALSE(s.Next(&text));
  s.Feed(R"(:3})");
  ASSERT_TRUE(s.Next(&text));
  EXPECT_EQ(text, R"({"id":3})");
}

TEST(ApplyInterfaceUpdate, AddsUpdatesAndDeletesRows) {
  std::map<std::string, OvsInterface> rows;
  auto insert = nlohmann::json::parse(R"({
    "u1": {"new": {"name": "t-vm1", "ofport": ["set", []],
                   "external_ids": ["map", [["iface-id", "p1"], ["attached-mac", "x"]]]}},
    "u2": {"new": {"name": "patch-tun", "ofport": 1, "external_ids": ["map", []]}}})");
  ApplyInterfaceUpdate(insert, &rows);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows["u1"].iface_id, "p1");
  EXPECT_EQ(rows["u1"].ofport, -1);
  EXPECT_EQ(rows["u2"].ofport, 1);
  ApplyInterfaceUpdate(nlohmann::json::parse(R"({"u1": {"old": {"ofport": ["set", []]},
    "new": {"name": "t-vm1", "ofport": 7, "external_ids": ["map", [["iface-id", "p1"]]]}}})"),
                       &rows);
  EXPECT_EQ(rows["u1"].ofport, 7);
  ApplyInterfaceUpdate(nlohmann::json::parse(R"({"u2": {"old": {"name": "patch-tun"}}})"), &rows);
  EXPECT_EQ(rows.count("u2"), 0u);
}

}  // namespace
}  // namespace isthmus::agent
