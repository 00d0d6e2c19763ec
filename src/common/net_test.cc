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

namespace isthmus {
namespace {

TEST(DvrMacPrefix, ParsesOnlyTheDvrSpaceAndContainsItsHosts) {
  auto p = DvrMacPrefix::Parse("fa:16:3f:0a");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->index, 10);
  EXPECT_EQ(p->ToString(), "fa:16:3f:0a");
  EXPECT_TRUE(p->Contains(*Mac::Parse("fa:16:3f:0a:00:01")));
  EXPECT_FALSE(p->Contains(*Mac::Parse("fa:16:3f:0b:00:01")));
  EXPECT_FALSE(p->Contains(*Mac::Parse("fa:16:3e:0a:00:01")));
  for (const char* bad : {"fa:16:3f:00", "fa:16:3e:01", "fa:16:3f:1", "fa:16:3f:01:", "fa:16:3f:0g", ""})
    EXPECT_FALSE(DvrMacPrefix::Parse(bad).ok()) << bad;
  EXPECT_TRUE(InDvrMacSpace(*Mac::Parse("fa:16:3f:00:00:00")));
  EXPECT_FALSE(InDvrMacSpace(*Mac::Parse("fa:16:3e:ff:ff:ff")));
}

TEST(Mac, RefusesInjectedNewlinesAndSpaces) {
  for (std::string bad : {std::string("fa:16:3e:00:00:01\n"), std::string("fa:16:3e:00:00:0\n"),
                          std::string("fa:16:3e:00:00:01,actions=drop"), std::string(" fa:16:3e:00:00:01")})
    EXPECT_FALSE(Mac::Parse(bad).ok()) << bad;
}

TEST(IfaceAddress, KeepsHostBits) {
  auto a = IfaceAddress::Parse("10.0.3.2/24");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ToString(), "10.0.3.2/24");
  for (const char* bad : {"10.0.3.2", "10.0.3.2/33", "10.0.3.2/", "10.0.3.2/24\n", "x/24"})
    EXPECT_FALSE(IfaceAddress::Parse(bad).ok()) << bad;
}

TEST(Identifiers, IdsNamesLabelsAndVnis) {
  EXPECT_TRUE(IsValidId("6d1f3c2a-0b7e-4a51-9c3d-2f8e1a0b4c5d"));
  for (std::string bad : {std::string(""), std::string("a/b"), std::string(".."), std::string("a\nb"),
                          std::string(65, 'a'), std::string("a b")})
    EXPECT_FALSE(IsValidId(bad)) << bad;
  EXPECT_TRUE(IsValidName(std::string(255, 'n')));
  EXPECT_FALSE(IsValidName(std::string(256, 'n')));
  std::string e_acute = "\xc3\xa9";
  std::string accented;
  for (int i = 0; i < 255; ++i) accented += e_acute;
  EXPECT_TRUE(IsValidName(accented));  // 255 characters, 510 bytes
  EXPECT_FALSE(IsValidName("\xc3"));    // not UTF-8
  EXPECT_EQ(Utf8Length("a\xc3\xa9"), 2);
  EXPECT_TRUE(IsValidDnsLabel("host-10-0-3-11"));
  for (const char* bad : {"", "-a", "a-", "a.b", "a\nb", "a b"}) EXPECT_FALSE(IsValidDnsLabel(bad)) << bad;
  EXPECT_TRUE(IsValidVni(1));
  EXPECT_TRUE(IsValidVni(16777215));
  EXPECT_FALSE(IsValidVni(0));
  EXPECT_FALSE(IsValidVni(16777216));
}

}  // namespace
}  // namespace isthmus
