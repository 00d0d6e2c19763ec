// Replicas of central on one PostgreSQL (docs/architecture.md, "Replicas"),
// two Services in one process sharing only the database: each sees what the
// other committed before it validates a request, concurrent creates through
// both never allocate an IP or MAC twice (the fenced commit re-validates a
// batch another replica overtook), and a catch-up leaves each cache equal to
// a fresh load. tests/replicas/two_replicas.py runs two processes.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "central/service.h"
#include "central/test_db.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class ReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!db_.postgres()) GTEST_SKIP() << "on SQLite one central owns the file";
    a_ = Open();
    b_ = Open();
    ASSERT_TRUE(a_->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:9701"}}}}).ok());
    auto net = b_->CreateNetwork({{"network", {{"name", "n"}, {"availability_zone_hints", {"cloud1"}}}}});
    ASSERT_TRUE(net.ok()) << "B validates on what A committed: " << net.status().ToString();
    net_ = net->id;
    ASSERT_TRUE(b_->SetQuota(net->project_id, {{"quota", {{"port", -1}}}}).ok());
    auto sub = a_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.0.0/20"}, {"ip_version", 4},
                                             {"enable_dhcp", false}}}});
    ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  }
  std::unique_ptr<Service> Open() {
    auto s = Service::Create(db_.location(), {1000, 1999});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  static json Everything(Service& s) {
    json out;
    for (const char* kind : {"network", "subnet", "port", "router", "floatingip"}) {
      auto all = s.List(kind);
      std::sort(all.begin(), all.end(), [](const json& a, const json& b) { return a["id"] < b["id"]; });
      out[kind] = all;
    }
    return out;
  }

  TestDb db_{"replicas"};
  std::unique_ptr<Service> a_, b_;
  std::string net_;
};

TEST_F(ReplicaTest, ConcurrentCreatesThroughBothNeverAllocateTwice) {
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::vector<model::Port>> made(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      Service& s = t % 2 ? *a_ : *b_;
      for (int i = 0; i < kEach; ++i) {
        auto p = s.CreatePort({{"port", {{"network_id", net_}}}});
        if (p.ok()) made[t].push_back(*p);
        else ADD_FAILURE() << (failures++, p.status().ToString());
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures, 0);
  std::set<std::string> macs, ips;
  size_t n = 0;
  for (const auto& ports : made)
    for (const auto& p : ports) {
      ++n;
      EXPECT_TRUE(macs.insert(p.mac_address).second) << "MAC " << p.mac_address << " twice";
      for (const auto& ip : p.fixed_ips) EXPECT_TRUE(ips.insert(ip.ip_address).second) << "IP " << ip.ip_address << " twice";
    }
  EXPECT_EQ(n, size_t{kThreads * kEach});

  // Caught up, both caches hold exactly what a fresh load of the database does.
  ASSERT_TRUE(a_->CatchUp().ok());
  ASSERT_TRUE(b_->CatchUp().ok());
  auto fresh = Open();
  EXPECT_EQ(Everything(*a_), Everything(*fresh));
  EXPECT_EQ(Everything(*b_), Everything(*fresh));
  EXPECT_EQ(fresh->List("port").size(), size_t{kThreads * kEach});
}

TEST_F(ReplicaTest, DeletesAndQuotasThroughOneHoldAtTheOther) {
  auto p = a_->CreatePort({{"port", {{"network_id", net_}}}});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(b_->Delete("port", p->id).ok()) << "B sees the port A made";
  EXPECT_EQ(a_->Delete("port", p->id).code(), Code::kNotFound) << "A sees B's delete";
  // A limit set through A binds a create through B.
  auto net = a_->Find<model::Network>(net_);
  ASSERT_TRUE(a_->SetQuota(net->project_id, {{"quota", {{"port", 0}}}}).ok());
  EXPECT_TRUE(IsOverQuota(b_->CreatePort({{"port", {{"network_id", net_}}}}).status()));
  ASSERT_TRUE(a_->SetQuota(net->project_id, {{"quota", {{"port", -1}}}}).ok());
  ASSERT_TRUE(a_->Delete("network", net_).ok());
  EXPECT_EQ(b_->CreatePort({{"port", {{"network_id", net_}}}}).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace isthmus::central
