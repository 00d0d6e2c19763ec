// Group commit (Federation::Apply): concurrent creates commit together, every
// answered create is durable, and a failed commit undoes its whole batch.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "central/service.h"
#include "central/test_db.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    s_ = Open();
    ASSERT_TRUE(s_->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:9701"}}}}).ok());
    net_ = s_->CreateNetwork({{"network", {{"name", "n"}, {"availability_zone_hints", {"cloud1"}}}}})->id;
    ASSERT_TRUE(s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.0.0/20"}, {"ip_version", 4},
                                             {"enable_dhcp", false}}}}).ok());
  }
  std::unique_ptr<Service> Open() { return std::move(*Service::Create(db_.location(), {1000, 1001})); }
  json PortBody() const { return {{"port", {{"network_id", net_}}}}; }
  // Every resource kind's list (the cache), and the outbox: to compare a cache with a reload.
  static json Everything(Service& s) {
    json out;
    for (const char* kind : {"network", "subnet", "port", "router", "floatingip"}) {
      auto all = s.List(kind);
      std::sort(all.begin(), all.end(), [](const json& a, const json& b) { return a["id"] < b["id"]; });
      out[kind] = all;
    }
    out["outbox"] = s.OutboxStatus();
    return out;
  }
  // Threads x creates each, all at once; returns the ports made.
  std::vector<model::Port> CreateConcurrently(int threads, int each, std::atomic<int>& failures) {
    std::vector<std::vector<model::Port>> made(threads);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&, t] {
        for (int i = 0; i < each; ++i) {
          auto p = s_->CreatePort(PortBody());
          if (p.ok()) made[t].push_back(*p);
          else ++failures;
        }
      });
    for (auto& t : ts) t.join();
    std::vector<model::Port> all;
    for (auto& m : made) all.insert(all.end(), m.begin(), m.end());
    return all;
  }

  TestDb db_{"groupcommit"};
  std::unique_ptr<Service> s_;
  std::string net_;
};

TEST_F(GroupCommitTest, ConcurrentCreatesGetDistinctAddressesAndSurviveReopen) {
  std::atomic<int> commits{0};
  s_->SetCommitHookForTest([&] {
    ++commits;
    return Status::Ok();
  });
  std::atomic<int> failures{0};
  auto made = CreateConcurrently(16, 30, failures);  // under the default port quota (500)
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(made.size(), 480u);
  std::set<std::string> ips, macs, ids;
  for (const auto& p : made) {
    ips.insert(p.fixed_ips.at(0).ip_address);
    macs.insert(p.mac_address);
    ids.insert(p.id);
  }
  EXPECT_EQ(ips.size(), made.size());
  EXPECT_EQ(macs.size(), made.size());
  EXPECT_LE(commits.load(), 480);  // fewer when creates commit together (not asserted: timing)
  // Events: one per port to cloud1, gapless cloud_seq.
  auto pending = s_->PendingEvents("cloud1", 100000);
  ASSERT_TRUE(pending.ok());
  for (size_t i = 1; i < pending->size(); ++i) EXPECT_EQ((*pending)[i].cloud_seq, (*pending)[i - 1].cloud_seq + 1);
  json before = Everything(*s_);
  s_.reset();
  auto reopened = Open();
  EXPECT_EQ(Everything(*reopened), before);
  for (const auto& id : ids) EXPECT_TRUE(reopened->Get("port", id).ok()) << id;
}

TEST_F(GroupCommitTest, AFailedCommitUndoesItsBatchAndTheCacheEqualsTheDb) {
  ASSERT_TRUE(s_->CreatePort(PortBody()).ok());
  // One commit in the middle of the run fails.
  std::atomic<int> n{0};
  s_->SetCommitHookForTest([&]() -> Status {
    return ++n == 5 ? Internal("injected commit failure") : Status::Ok();
  });
  std::atomic<int> failures{0};
  auto made = CreateConcurrently(8, 25, failures);
  EXPECT_GE(failures.load(), 1);
  EXPECT_EQ(made.size() + failures.load(), 200u);
  s_->SetCommitHookForTest(nullptr);
  // Every create answered 201 is there; the cache equals a reload of the DB.
  json cache = Everything(*s_);
  EXPECT_EQ(cache["port"].size(), made.size() + 1);
  auto reloaded = Open();
  EXPECT_EQ(Everything(*reloaded), cache);
  // And allocation goes on from the indexes as a reload would.
  auto next = s_->CreatePort(PortBody());
  ASSERT_TRUE(next.ok());
  std::set<std::string> ips;
  for (const auto& p : s_->List("port")) ips.insert(p["fixed_ips"][0]["ip_address"].get<std::string>());
  EXPECT_EQ(ips.size(), made.size() + 2);
}

TEST_F(GroupCommitTest, AFailedCommitOfOneRequestChangesNothing) {
  json before = Everything(*s_);
  s_->SetCommitHookForTest([] { return Internal("injected commit failure"); });
  auto p = s_->CreatePort(PortBody());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "injected commit failure");
  auto r = s_->CreateRouter({{"router", {{"name", "r"}, {"availability_zone_hints", {"cloud1"}}}}});
  EXPECT_FALSE(r.ok());
  s_->SetCommitHookForTest(nullptr);
  EXPECT_EQ(Everything(*s_), before);
  EXPECT_EQ(s_->CreatePort(PortBody())->fixed_ips[0].ip_address, "10.0.0.2");
}

}  // namespace
}  // namespace isthmus::central
