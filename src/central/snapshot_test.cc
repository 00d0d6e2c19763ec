#include <gtest/gtest.h>

#include "central/service.h"
#include "central/test_db.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

std::set<std::string> Keys(const json& o) {
  std::set<std::string> out;
  for (const auto& [k, v] : o.items()) out.insert(k);
  return out;
}

// A snapshot holds exactly what the fan-out rule sends a cloud: every cloud
// and host, its networks with their subnets and ports, its routers and
// floating IPs; nothing of the others.
TEST(Snapshot, HoldsExactlyWhatTheCloudShouldHold) {
  TestDb db("snapshot");
  auto s = std::move(*Service::Create(db.location(), {}));
  ASSERT_TRUE(s->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:9701"}}}}).ok());
  ASSERT_TRUE(s->CreateCloud({{"cloud", {{"name", "cloud2"}, {"endpoint", "http://127.0.0.1:9702"}}}}).ok());
  ASSERT_TRUE(s->PutHost("cloud2", "c2-h1", {{"host", {{"role", "compute"}, {"vtep_ip", "10.255.0.21"},
                                                      {"dvr_mac", "fa:16:3f:02:00:01"}}}}).ok());
  auto net = [&](std::vector<std::string> clouds, const std::string& cidr) {
    std::string id = s->CreateNetwork({{"network", {{"availability_zone_hints", clouds}}}})->id;
    std::string sub = s->CreateSubnet({{"subnet", {{"network_id", id}, {"cidr", cidr}}}})->id;  // DHCP ports too
    s->CreatePort({{"port", {{"network_id", id}}}});
    return std::make_pair(id, sub);
  };
  auto [mine, mine_sub] = net({"cloud1"}, "10.0.1.0/24");
  auto [both, both_sub] = net({"cloud1", "cloud2"}, "10.0.2.0/24");
  auto [theirs, theirs_sub] = net({"cloud2"}, "10.0.3.0/24");
  std::string r1 = s->CreateRouter({{"router", {{"availability_zone_hints", {"cloud1"}}}}})->id;
  s->CreateRouter({{"router", {{"availability_zone_hints", {"cloud2"}}}}});
  auto seq = s->QueueSnapshot("cloud1", 0);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  auto pending = s->PendingEvents("cloud1", 1000);
  ASSERT_TRUE(pending.ok());
  // The snapshot covers every event before it: sending starts at it.
  ASSERT_EQ(pending->size(), 1u);
  const OutboxEvent& e = pending->front();
  EXPECT_EQ(e.kind, "snapshot");
  EXPECT_EQ(e.cloud_seq, *seq);
  const json& res = e.body["resources"];
  EXPECT_EQ(Keys(res["cloud"]), (std::set<std::string>{"cloud1", "cloud2"}));
  EXPECT_EQ(Keys(res["host"]), (std::set<std::string>{"c2-h1"}));
  EXPECT_EQ(Keys(res["network"]), (std::set<std::string>{mine, both}));
  EXPECT_EQ(Keys(res["subnet"]), (std::set<std::string>{mine_sub, both_sub}));
  EXPECT_EQ(Keys(res["router"]), (std::set<std::string>{r1}));
  std::set<std::string> ports;
  for (const auto& p : s->List("port"))
    if (p["network_id"] == mine || p["network_id"] == both) ports.insert(p["id"]);
  EXPECT_EQ(ports.size(), 5u);  // an instance port each, a DHCP port per cloud of each
  EXPECT_EQ(Keys(res["port"]), ports);
  // Queued again while it is pending and ahead of the cloud: the same one.
  EXPECT_EQ(*s->QueueSnapshot("cloud1", 0), *seq);
  // Redo of a snapshot job: a fresh snapshot after everything queued.
  auto redo = s->RedoJob(e.seq);
  ASSERT_TRUE(redo.ok()) << redo.status().ToString();
  EXPECT_EQ(redo->event.kind, "snapshot");
  EXPECT_EQ(redo->event.cloud_seq, *seq + 1);
  ASSERT_TRUE(s->AckEvents("cloud1", *seq + 1).ok());
  // Per-cloud seqs have no gaps: cloud1's events are 1..seq.
  JobFilter f;
  f.cloud = "cloud1";
  auto jobs = s->ListJobs(f);
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(static_cast<int64_t>(jobs->size()), *seq + 1);
  for (size_t i = 0; i < jobs->size(); ++i)
    EXPECT_EQ((*jobs)[i].event.cloud_seq, *seq + 1 - static_cast<int64_t>(i));
  for (const auto& j : *jobs) EXPECT_EQ(j.status, "SUCCESS") << "the snapshot covers what came before it";
}

// A cloud reporting a seq beyond what central made for it holds events from
// elsewhere: the snapshot goes past that seq, so the cloud takes it.
TEST(Snapshot, GoesPastTheSeqACloudReports) {
  TestDb db("snapshot-past");
  auto s = std::move(*Service::Create(db.location(), {}));
  ASSERT_TRUE(s->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:9701"}}}}).ok());
  auto r = s->ReportApplied("cloud1", 1000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["resync"], true);
  auto pending = s->PendingEvents("cloud1", 10);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().cloud_seq, 1001);
  EXPECT_EQ(s->ReportApplied("cloud1", -1).status().code(), Code::kInvalidArgument);
  // The next event follows it.
  ASSERT_TRUE(s->CreateNetwork({{"network", {{"availability_zone_hints", {"cloud1"}}}}}).ok());
  EXPECT_EQ(s->PendingEvents("cloud1", 10)->back().cloud_seq, 1002);
}

}  // namespace
}  // namespace isthmus::central
