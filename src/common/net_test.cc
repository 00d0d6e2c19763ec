#include "common/net.h"

#include <gtest/gtest.h>

namespace isthmus {
namespace {

TEST(Mac, ParsesAndFormatsCanonically) {
  auto m = Mac::Parse("FA:16:3F:01:00:0a");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->ToString(), "fa:16:3f:01:00:0a");
  EXPECT_EQ(Mac::FromU64(m->ToU64()), *m);
}

TEST(Mac, RefusesMalformed) {
  for (const char* bad : {"", "fa:16:3f:01:00", "fa:16:3f:01:00:0g", "fa-16-3f-01-00-0a",
                          "fa:16:3f:01:00:0aa"}) {
    auto m = Mac::Parse(bad);
    EXPECT_FALSE(m.ok()) << bad;
    EXPECT_EQ(m.status().code(), Code::kInvalidArgument);
  }
}

TEST(Ipv4, ParsesAndRefuses) {
  EXPECT_EQ(Ipv4::Parse("10.0.3.1")->ToString(), "10.0.3.1");
  for (const char* bad : {"10.0.3", "10.0.3.256", "10.0.03.1", "a.b.c.d", "10.0.3.1.1", ""})
    EXPECT_FALSE(Ipv4::Parse(bad).ok()) << bad;
}

TEST(Cidr, ParsesContainsOverlaps) {
  auto c = Cidr::Parse("10.0.3.0/24");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->Contains(*Ipv4::Parse("10.0.3.200")));
  EXPECT_FALSE(c->Contains(*Ipv4::Parse("10.0.4.1")));
  EXPECT_EQ(c->Broadcast().ToString(), "10.0.3.255");
  EXPECT_TRUE(c->Overlaps(*Cidr::Parse("10.0.0.0/16")));
  EXPECT_FALSE(c->Overlaps(*Cidr::Parse("10.0.4.0/24")));
}

TEST(Cidr, RefusesHostBitsWithASuggestion) {
  auto c = Cidr::Parse("10.0.3.1/24");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "'10.0.3.1/24' has host bits set; did you mean 10.0.3.0/24?");
  EXPECT_FALSE(Cidr::Parse("10.0.3.0/33").ok());
  EXPECT_FALSE(Cidr::Parse("10.0.3.0").ok());
}

}  // namespace
}  // namespace isthmus
