#include "central/allocation_index.h"

#include <gtest/gtest.h>

#include <random>

#include "central/ipam.h"
#include "central/service.h"
#include "central/test_db.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

model::Port P(const std::string& id, const std::string& mac, std::vector<model::FixedIp> ips,
              const std::string& owner = "", const std::string& cloud = "") {
  model::Port p;
  p.id = id;
  p.mac_address = mac;
  p.fixed_ips = std::move(ips);
  p.device_owner = owner;
  p.cloud = cloud;
  return p;
}

uint32_t Ip(const std::string& text) { return Ipv4::Parse(text)->v; }

TEST(AllocationIndexTest, FirstFreeSkipsRunsAndFindsHoles) {
  AllocationIndex idx;
  std::map<std::string, model::Port> ports;
  for (int i = 2; i <= 9; ++i) {
    auto p = P("p" + std::to_string(i), "m" + std::to_string(i), {{"s", "10.0.0." + std::to_string(i)}});
    idx.Update(nullptr, &p);
    ports[p.id] = p;
  }
  EXPECT_EQ(*idx.FirstFree("s", Ip("10.0.0.2"), Ip("10.0.0.254")), Ip("10.0.0.10"));
  EXPECT_EQ(*idx.FirstFree("s", Ip("10.0.0.1"), Ip("10.0.0.254")), Ip("10.0.0.1"));
  EXPECT_FALSE(idx.FirstFree("s", Ip("10.0.0.2"), Ip("10.0.0.9")));
  idx.Update(&ports["p5"], nullptr);  // a hole in the middle
  EXPECT_EQ(*idx.FirstFree("s", Ip("10.0.0.2"), Ip("10.0.0.254")), Ip("10.0.0.5"));
  EXPECT_EQ(*idx.FirstFree("other", Ip("10.0.0.2"), Ip("10.0.0.254")), Ip("10.0.0.2"));
  EXPECT_EQ(*idx.MacHolder("m3"), "p3");
  EXPECT_EQ(idx.MacHolder("m5"), nullptr);
}

// SubnetIpsInUse::NextFree gives what ipam's NextFreeIp gives over the same
// used set, whatever the pools, the index and the change's own writes.
TEST(AllocationIndexTest, NextFreeEqualsTheOldScan) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    AllocationIndex idx;
    std::set<uint32_t> used;
    const uint32_t base = Ip("10.1.0.0");
    std::vector<model::Port> held;
    for (int i = 0; i < 40; ++i) {
      uint32_t ip = base + 1 + rng() % 60;
      auto p = P("p" + std::to_string(i), "m" + std::to_string(i), {{"s", Ipv4{ip}.ToString()}});
      idx.Update(nullptr, &p);
      held.push_back(p);
      used.insert(ip);
    }
    SubnetIpsInUse in_use(idx, "s", "");
    // The change deletes a few of them and takes a few addresses; `used` is
    // what the old rule counted: the other ports' addresses and those taken.
    std::set<size_t> deleted;
    for (int i = 0; i < 5; ++i) deleted.insert(rng() % held.size());
    used.clear();
    for (size_t i = 0; i < held.size(); ++i) {
      if (deleted.count(i)) in_use.Count(held[i], -1);
      else used.insert(Ip(held[i].fixed_ips[0].ip_address));
    }
    for (int i = 0; i < 3; ++i) {
      uint32_t ip = base + 1 + rng() % 64;
      in_use.Take(ip);
      used.insert(ip);
    }
    std::vector<model::AllocationPool> pools;
    uint32_t a = base + 1 + static_cast<uint32_t>(rng() % 30), b = a + static_cast<uint32_t>(rng() % 20);
    pools.push_back({Ipv4{b + 2 + static_cast<uint32_t>(rng() % 5)}.ToString(), Ipv4{base + 66}.ToString()});
    pools.push_back({Ipv4{a}.ToString(), Ipv4{b}.ToString()});
    auto want = NextFreeIp(pools, used, "n");
    auto got = in_use.NextFree(pools, "n");
    ASSERT_EQ(want.ok(), got.ok()) << round;
    if (want.ok()) {
      EXPECT_EQ(*got, *want) << round;
    }
  }
}

TEST(AllocationIndexTest, AnycastGatewayCountsOnlyInItsCloud) {
  AllocationIndex idx;
  auto r1 = P("r1", "m1", {{"s", "10.0.0.1"}}, model::kOwnerRouterInterfaceDistributed, "cloud1");
  idx.Update(nullptr, &r1);
  EXPECT_TRUE(SubnetIpsInUse(idx, "s", "").Held(Ip("10.0.0.1")));
  EXPECT_TRUE(SubnetIpsInUse(idx, "s", "cloud1").Held(Ip("10.0.0.1")));
  EXPECT_FALSE(SubnetIpsInUse(idx, "s", "cloud2").Held(Ip("10.0.0.1")));
  EXPECT_EQ(*SubnetIpsInUse(idx, "s", "cloud2").NextFree({{"10.0.0.1", "10.0.0.9"}}, "n"), "10.0.0.1");
  EXPECT_EQ(*SubnetIpsInUse(idx, "s", "cloud1").NextFree({{"10.0.0.1", "10.0.0.9"}}, "n"), "10.0.0.2");
}

// After random creates, deletes and rewrites, the index kept by Update equals
// a rebuild from scratch of the same ports.
TEST(AllocationIndexTest, RandomWritesEqualARebuild) {
  std::mt19937 rng(11);
  AllocationIndex idx;
  std::map<std::string, model::Port> ports;
  const std::vector<std::string> subnets = {"a", "b", "c"};
  for (int step = 0; step < 5000; ++step) {
    std::map<std::string, std::optional<model::Port>> writes;
    int n = 1 + rng() % 3;
    for (int k = 0; k < n; ++k) {
      std::string id = "p" + std::to_string(rng() % 400);
      if (rng() % 3 == 0) {
        writes[id] = std::nullopt;
        continue;
      }
      std::vector<model::FixedIp> ips;
      for (int j = 0, m = rng() % 3; j < m; ++j)
        ips.push_back({subnets[rng() % 3], "10.0." + std::to_string(rng() % 2) + "." + std::to_string(rng() % 256)});
      bool ri = rng() % 5 == 0;
      // MACs stay unique per port (central refuses a held one): the port's id and a variant.
      writes[id] = P(id, "m" + id + "." + std::to_string(rng() % 3), ips,
                     ri ? model::kOwnerRouterInterfaceDistributed : "", "cloud" + std::to_string(rng() % 2));
    }
    idx.Merge(ports, writes);
    for (const auto& [id, v] : writes) {
      if (v) ports[id] = *v;
      else ports.erase(id);
    }
    if (step % 500 == 0 || step == 4999) {
      AllocationIndex fresh;
      fresh.Rebuild(ports);
      ASSERT_TRUE(idx == fresh) << "step " << step;
    }
  }
}

// Through the core: the first free address, pools, wanted IPs and conflicts,
// deleted ports giving their addresses back, a router's ports in one change.
class AllocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    s_ = std::move(*Service::Create(db_.location(), {1000, 1001}));
    ASSERT_TRUE(s_->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:9701"}}}}).ok());
    net_ = s_->CreateNetwork({{"network", {{"name", "n"}, {"availability_zone_hints", {"cloud1"}}}}})->id;
  }
  std::string Subnet(const std::string& cidr, json extra = json::object()) {
    json b = {{"network_id", net_}, {"cidr", cidr}, {"ip_version", 4}, {"enable_dhcp", false}};
    b.update(extra);
    return s_->CreateSubnet({{"subnet", b}})->id;
  }
  Result<model::Port> Port(json fixed_ips = nullptr) {
    json p = {{"network_id", net_}};
    if (!fixed_ips.is_null()) p["fixed_ips"] = fixed_ips;
    return s_->CreatePort({{"port", p}});
  }
  TestDb db_{"alloc"};
  std::unique_ptr<Service> s_;
  std::string net_;
};

TEST_F(AllocationTest, FirstFreePoolsWantedAndConflicts) {
  std::string sub = Subnet("10.0.3.0/24", {{"allocation_pools", {{{"start", "10.0.3.10"}, {"end", "10.0.3.12"}},
                                                                  {{"start", "10.0.3.5"}, {"end", "10.0.3.6"}}}}});
  std::vector<std::string> got;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto p = Port();
    ASSERT_TRUE(p.ok()) << p.status().message();
    got.push_back(p->fixed_ips[0].ip_address);
    ids.push_back(p->id);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"10.0.3.10", "10.0.3.11", "10.0.3.12", "10.0.3.5", "10.0.3.6"}));
  EXPECT_EQ(Port().status().message(), "No more IP addresses available on network n");
  ASSERT_TRUE(s_->Delete("port", ids[1]).ok());  // gives 10.0.3.11 back
  EXPECT_EQ(Port()->fixed_ips[0].ip_address, "10.0.3.11");
  // A wanted address outside the pools is fine; a held one, or the gateway, is a conflict.
  EXPECT_EQ(Port({{{"ip_address", "10.0.3.100"}}})->fixed_ips[0].ip_address, "10.0.3.100");
  EXPECT_EQ(Port({{{"ip_address", "10.0.3.100"}}}).status().code(), Code::kConflict);
  EXPECT_EQ(Port({{{"ip_address", "10.0.3.1"}}}).status().code(), Code::kConflict);
  // Two wanted in one request from the same subnet: distinct.
  ASSERT_TRUE(s_->Delete("port", ids[3]).ok());
  ASSERT_TRUE(s_->Delete("port", ids[4]).ok());
  auto two = Port({{{"subnet_id", sub}}, {{"subnet_id", sub}}});
  ASSERT_TRUE(two.ok()) << two.status().message();
  EXPECT_EQ(two->fixed_ips[0].ip_address, "10.0.3.5");
  EXPECT_EQ(two->fixed_ips[1].ip_address, "10.0.3.6");
}

TEST_F(AllocationTest, NextSubnetWhenTheFirstIsFullAndMacsAreDistinct) {
  std::string a = Subnet("10.0.1.0/30"), b = Subnet("10.0.2.0/29");
  std::string first = std::min(a, b) == a ? "10.0.1." : "10.0.2.";
  std::set<std::string> macs, ips;
  for (int i = 0; i < 6; ++i) {
    auto p = Port();
    ASSERT_TRUE(p.ok()) << p.status().message();
    macs.insert(p->mac_address);
    ips.insert(p->fixed_ips[0].ip_address);
  }
  EXPECT_EQ(macs.size(), 6u);
  EXPECT_EQ(ips.size(), 6u);
  EXPECT_EQ(Port().status().code(), Code::kConflict);  // both full
  json p = {{"network_id", net_}, {"mac_address", *macs.begin()}, {"fixed_ips", {{{"ip_address", "10.0.2.7"}}}}};
  EXPECT_EQ(s_->CreatePort({{"port", p}}).status().code(), Code::kConflict);  // the MAC is held
}

TEST_F(AllocationTest, RouterPortsOfOneChangeGetDistinctAddresses) {
  std::string sub = Subnet("10.0.5.0/24");
  auto ext = s_->CreateNetwork({{"network", {{"name", "ext"}, {"router:external", true},
                                             {"provider:network_type", "flat"}, {"provider:physical_network", "physnet1"},
                                             {"availability_zone_hints", {"cloud1"}}}}});
  ASSERT_TRUE(ext.ok()) << ext.status().message();
  ASSERT_TRUE(s_->CreateSubnet({{"subnet", {{"network_id", ext->id}, {"cidr", "192.0.2.0/24"},
                                           {"ip_version", 4}, {"enable_dhcp", false}}}}).ok());
  auto r = s_->CreateRouter({{"router", {{"name", "r"}, {"distributed", true}, {"availability_zone_hints", {"cloud1"}},
                                         {"external_gateway_info", {{"network_id", ext->id}}}}}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(s_->AddRouterInterface(r->id, {{"subnet_id", sub}}).ok());
  std::set<std::string> addrs, macs;
  size_t n = 0;
  for (const auto& v : s_->List("port")) {
    auto p = v.get<model::Port>();
    for (const auto& f : p.fixed_ips) addrs.insert(f.subnet_id + " " + f.ip_address);
    macs.insert(p.mac_address);
    n += p.fixed_ips.size();
  }
  EXPECT_GE(n, 3u);  // gateway, interface, SNAT
  EXPECT_EQ(addrs.size(), n);
  EXPECT_EQ(macs.size(), s_->List("port").size());
}

}  // namespace
}  // namespace isthmus::central
