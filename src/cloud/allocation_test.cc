#include "cloud/allocation.h"

#include <gtest/gtest.h>

namespace isthmus::cloud {
namespace {

TEST(AllocateDvrMac, LowestFreeInsideThePrefix) {
  EXPECT_EQ(*AllocateDvrMac("fa:16:3f:01", {}), "fa:16:3f:01:00:01");
  EXPECT_EQ(*AllocateDvrMac("fa:16:3f:01", {"fa:16:3f:01:00:01", "fa:16:3f:01:00:03"}),
            "fa:16:3f:01:00:02");
}

TEST(AllocateDvrMac, TwoCloudsNeverCollide) {
  std::set<std::string> a, b;
  for (int i = 0; i < 300; ++i) {
    a.insert(*AllocateDvrMac("fa:16:3f:01", a));
    b.insert(*AllocateDvrMac("fa:16:3f:02", b));
  }
  for (const auto& mac : a) EXPECT_EQ(b.count(mac), 0u) << mac;
  EXPECT_EQ(a.size(), 300u);
}

TEST(AllocateDvrMac, RefusesABadPrefix) {
  EXPECT_EQ(AllocateDvrMac("fa:16:3f", {}).status().code(), Code::kInvalidArgument);
}

TEST(AssignLvids, StableWhileTheNetworkStays) {
  auto first = *AssignLvids({"a", "b"}, {});
  EXPECT_EQ(first.at("a"), 1);
  EXPECT_EQ(first.at("b"), 2);
  auto second = *AssignLvids({"b", "c"}, first);  // a left, c came
  EXPECT_EQ(second.at("b"), 2);
  EXPECT_EQ(second.at("c"), 1);
  EXPECT_EQ(second.count("a"), 0u);
}

}  // namespace
}  // namespace isthmus::cloud
