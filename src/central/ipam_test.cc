#include "central/ipam.h"

#include <gtest/gtest.h>

namespace isthmus::central {
namespace {

TEST(Ipam, DefaultsLeaveOutGatewayAndBroadcast) {
  auto cidr = *Cidr::Parse("10.0.3.0/24");
  EXPECT_EQ(DefaultGateway(cidr), "10.0.3.1");
  auto pools = DefaultPools(cidr, "10.0.3.1");
  ASSERT_EQ(pools.size(), 1u);
  EXPECT_EQ(pools[0].start, "10.0.3.2");
  EXPECT_EQ(pools[0].end, "10.0.3.254");
  auto split = DefaultPools(cidr, "10.0.3.100");
  ASSERT_EQ(split.size(), 2u);
  EXPECT_EQ(split[0].end, "10.0.3.99");
  EXPECT_EQ(split[1].start, "10.0.3.101");
}

TEST(Ipam, LowestFreeAndExhaustion) {
  std::vector<model::AllocationPool> pools = {{"10.0.3.2", "10.0.3.3"}};
  std::set<uint32_t> used;
  EXPECT_EQ(*NextFreeIp(pools, used, "net3"), "10.0.3.2");
  used.insert(Ipv4::Parse("10.0.3.2")->v);
  EXPECT_EQ(*NextFreeIp(pools, used, "net3"), "10.0.3.3");
  used.insert(Ipv4::Parse("10.0.3.3")->v);
  auto r = NextFreeIp(pools, used, "net3");
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_EQ(r.status().message(), "No more IP addresses available on network net3");
}

TEST(Ipam, PoolsAreValidated) {
  auto cidr = *Cidr::Parse("10.0.3.0/24");
  EXPECT_TRUE(ValidatePools(cidr, "10.0.3.1", {{"10.0.3.10", "10.0.3.20"}}).ok());
  EXPECT_EQ(ValidatePools(cidr, "10.0.3.1", {{"10.0.4.10", "10.0.4.20"}}).message(),
            "allocation pool 10.0.4.10-10.0.4.20 is not inside 10.0.3.0/24");
  EXPECT_EQ(ValidatePools(cidr, "10.0.3.15", {{"10.0.3.10", "10.0.3.20"}}).code(), Code::kConflict);
  EXPECT_FALSE(ValidatePools(cidr, "", {{"10.0.3.10", "10.0.3.20"}, {"10.0.3.15", "10.0.3.30"}}).ok());
  EXPECT_FALSE(ValidatePools(cidr, "", {{"10.0.3.20", "10.0.3.10"}}).ok());
}

}  // namespace
}  // namespace isthmus::central
