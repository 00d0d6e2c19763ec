#include "central/pusher.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "central/test_db.h"
#include "common/http.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

// A cloud controller's event endpoint, as the real one answers it
// (src/cloud/cloud_db.cc CheckSequence): a batch must start at or below
// applied + 1 unless it starts with a snapshot; 409 with applied_seq otherwise.
class FakeCloud {
 public:
  FakeCloud() {
    server_.Post("/v1/federation/events", [this](const httplib::Request& req, httplib::Response& res) {
      auto body = json::parse(req.body);
      std::lock_guard<std::mutex> lock(mu_);
      const auto& events = body["events"];
      if (stuck_) return WriteJson(res, 200, {{"applied_seq", applied_}});
      if (!events.empty() && events[0]["kind"] != "snapshot" && events[0]["seq"].get<int64_t>() > applied_ + 1)
        return WriteJson(res, 409, {{"NeutronError", {{"message", "gap"}}}, {"applied_seq", applied_}});
      for (const auto& e : events) {
        if (e["seq"].get<int64_t>() <= applied_) continue;
        applied_ = e["seq"];
        kinds_.push_back(e["kind"]);
        if (e["kind"] == "snapshot") {
          held_.clear();
          for (const auto& [kind, items] : e["body"]["resources"].items())
            for (const auto& [id, b] : items.items()) held_.insert(kind + "/" + id);
        } else if (e["op"] == "upsert") {
          held_.insert(e["kind"].get<std::string>() + "/" + e["id"].get<std::string>());
        } else {
          held_.erase(e["kind"].get<std::string>() + "/" + e["id"].get<std::string>());
        }
      }
      WriteJson(res, 200, {{"applied_seq", applied_}});
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
  }
  ~FakeCloud() { Stop(); }
  void Start() { thread_ = std::thread([this] { server_.listen_after_bind(); }); }
  void Stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  // Events from elsewhere (a forged push): the cloud's applied seq jumps ahead.
  void Jump(int64_t to) {
    std::lock_guard<std::mutex> lock(mu_);
    applied_ = to;
  }
  // Its DB restored from an earlier copy: back at `seq`, holding `held`.
  void Restore(int64_t seq, std::set<std::string> held) {
    std::lock_guard<std::mutex> lock(mu_);
    applied_ = seq;
    held_ = std::move(held);
  }
  // Answers 200 with its applied seq and applies nothing (a broken cloud).
  void SetStuck(bool stuck) {
    std::lock_guard<std::mutex> lock(mu_);
    stuck_ = stuck;
  }
  std::vector<std::string> kinds() {
    std::lock_guard<std::mutex> lock(mu_);
    return kinds_;
  }
  std::set<std::string> held() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_;
  }
  int64_t applied() {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int64_t applied_ = 0;
  bool stuck_ = false;
  std::vector<std::string> kinds_;
  std::set<std::string> held_;  // "kind/id"
};

bool WaitUntil(const std::function<bool()>& f) {
  for (int i = 0; i < 500; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(Pusher, DeliversInOrderOnceTheCloudComesUpAndRecordsTheAck) {
  TestDb db("pusher");
  std::string path = db.location();
  auto service = std::move(*Service::Create(path, {}));
  FakeCloud cloud;  // bound, not serving yet: the cloud is down
  std::string endpoint = "http://127.0.0.1:" + std::to_string(cloud.port());
  ASSERT_TRUE(service->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", endpoint}}}}).ok());
  Pusher pusher(*service);
  pusher.Refresh();
  ASSERT_TRUE(service->CreateNetwork({{"network", {{"availability_zone_hints", {"cloud1"}}}}}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(cloud.kinds().empty());
  EXPECT_EQ(service->OutboxStatus()["cloud1"]["pending"], 2);
  cloud.Start();
  ASSERT_TRUE(WaitUntil([&] { return service->OutboxStatus()["cloud1"]["pending"] == 0; }));
  EXPECT_EQ(cloud.kinds(), (std::vector<std::string>{"cloud", "network"}));
  // A later change goes out without any polling interval.
  ASSERT_TRUE(service->CreateRouter({{"router", {{"availability_zone_hints", {"cloud1"}}}}}).ok());
  ASSERT_TRUE(WaitUntil([&] { return cloud.kinds().size() == 3; }));
  EXPECT_EQ(cloud.kinds().back(), "router");
  pusher.Stop();
}

// What central holds for cloud1 as "kind/id" (what a snapshot gives it).
std::set<std::string> Expected(Service& s, const std::string& cloud) {
  std::set<std::string> out;
  for (const auto& c : s.ListClouds()) out.insert("cloud/" + c.name);
  for (const auto& h : s.ListHosts()) out.insert("host/" + h.name);
  auto rs = s.ListRoutings(cloud, "", "");
  for (const auto& r : *rs) out.insert(r.resource_type + "/" + r.top_id);
  return out;
}

std::vector<Job> JobsOf(Service& s, const std::string& cloud) {
  JobFilter f;
  f.cloud = cloud;
  return *s.ListJobs(f);
}

struct Fixture {
  explicit Fixture(const std::string& tag) : db(tag) {
    service = std::move(*Service::Create(db.location(), {}));
    cloud.Start();
    std::string endpoint = "http://127.0.0.1:" + std::to_string(cloud.port());
    EXPECT_TRUE(service->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", endpoint}}}}).ok());
    pusher = std::make_unique<Pusher>(*service);
    pusher->Refresh();
  }
  ~Fixture() { pusher->Stop(); }
  bool Drained() { return service->OutboxStatus()["cloud1"]["pending"] == 0; }
  std::string Network() {
    auto n = service->CreateNetwork({{"network", {{"availability_zone_hints", {"cloud1"}}}}});
    EXPECT_TRUE(n.ok());
    return n.ok() ? n->id : "";
  }
  TestDb db;
  std::unique_ptr<Service> service;
  FakeCloud cloud;
  std::unique_ptr<Pusher> pusher;
};

// A cloud that reports more than central sent it skipped what central sent:
// those jobs fail (not SUCCESS), and central resyncs it with a snapshot past
// its seq, after which central's next events apply again.
TEST(Pusher, ACloudAheadOfWhatWasSentIsResyncedNotAcknowledged) {
  Fixture f("pusher-ahead");
  ASSERT_TRUE(WaitUntil([&] { return f.Drained(); }));
  f.cloud.Jump(50);  // a forged push
  std::string net = f.Network();
  ASSERT_TRUE(WaitUntil([&] { return f.Drained(); }));
  auto jobs = JobsOf(*f.service, "cloud1");
  ASSERT_EQ(jobs.front().event.kind, "snapshot");
  EXPECT_EQ(jobs.front().event.cloud_seq, 51);
  EXPECT_EQ(jobs.front().status, "SUCCESS");
  const Job& skipped = jobs.at(1);
  EXPECT_EQ(skipped.event.id, net);
  EXPECT_GE(skipped.attempts, 1);
  EXPECT_NE(skipped.last_error.find("reports applied seq 50 beyond"), std::string::npos) << skipped.last_error;
  EXPECT_EQ(f.cloud.held(), Expected(*f.service, "cloud1"));
  ASSERT_TRUE(f.service->CreateRouter({{"router", {{"availability_zone_hints", {"cloud1"}}}}}).ok());
  ASSERT_TRUE(WaitUntil([&] { return f.Drained(); }));
  EXPECT_EQ(f.cloud.kinds().back(), "router");
  EXPECT_EQ(f.cloud.applied(), 52);
  EXPECT_EQ(f.service->OutboxStatus()["cloud1"]["acked_seq"], 52);
}

// A cloud whose DB was restored from an older copy refuses the next batch (a
// gap); central resyncs it to exactly its own state, without an operator.
TEST(Pusher, ACloudBehindWhatWasAcknowledgedGetsExactlyCentralsState) {
  Fixture f("pusher-behind");
  std::string a = f.Network();
  ASSERT_TRUE(WaitUntil([&] { return f.Drained(); }));
  const int64_t backup_seq = f.cloud.applied();
  const std::set<std::string> backup = f.cloud.held();
  std::string b = f.Network();
  ASSERT_TRUE(f.service->Delete("network", a).ok());
  ASSERT_TRUE(WaitUntil([&] { return f.Drained(); }));
  f.cloud.Restore(backup_seq, backup);
  std::string c = f.Network();
  ASSERT_TRUE(WaitUntil([&] { return f.Drained() && f.cloud.held() == Expected(*f.service, "cloud1"); }));
  EXPECT_TRUE(f.cloud.held().count("network/" + b));
  EXPECT_TRUE(f.cloud.held().count("network/" + c));
  EXPECT_FALSE(f.cloud.held().count("network/" + a));
  for (const auto& j : JobsOf(*f.service, "cloud1")) EXPECT_EQ(j.status, "SUCCESS") << j.event.seq;
  bool refused = false;
  for (const auto& j : JobsOf(*f.service, "cloud1"))
    refused |= j.event.id == c && j.last_error.find("behind seq") != std::string::npos;
  EXPECT_TRUE(refused);
}

// A cloud that answers without applying what it was sent (applied_seq below
// the batch): nothing is SUCCESS, each job FAILs saying so, and it is retried.
TEST(Pusher, NothingTheCloudDidNotApplyIsMarkedSuccess) {
  Fixture f("pusher-stuck");
  ASSERT_TRUE(WaitUntil([&] { return f.Drained(); }));
  f.cloud.SetStuck(true);
  std::string net = f.Network();
  ASSERT_TRUE(WaitUntil([&] {
    auto jobs = JobsOf(*f.service, "cloud1");
    return jobs.front().status == "FAIL" && jobs.front().attempts >= 2;
  }));
  auto job = JobsOf(*f.service, "cloud1").front();
  EXPECT_EQ(job.event.id, net);
  EXPECT_NE(job.last_error.find("nothing of seqs"), std::string::npos) << job.last_error;
  EXPECT_EQ(f.service->OutboxStatus()["cloud1"]["acked_seq"], f.cloud.applied());
  f.cloud.SetStuck(false);
  ASSERT_TRUE(WaitUntil([&] { return f.Drained(); }));
  EXPECT_EQ(JobsOf(*f.service, "cloud1").front().status, "SUCCESS");
}

// A cloud that lost its disk says so when it starts (applied seq 0): central
// sends it a snapshot although nothing new was committed and the events it
// was sent before are acknowledged (and could be pruned).
TEST(Pusher, ACloudReportingItIsBehindGetsASnapshotWithoutNewEvents) {
  Fixture f("pusher-report");
  f.Network();
  ASSERT_TRUE(WaitUntil([&] { return f.Drained(); }));
  auto in_sync = f.service->ReportApplied("cloud1", f.cloud.applied());
  ASSERT_TRUE(in_sync.ok());
  EXPECT_EQ((*in_sync)["resync"], false);
  f.cloud.Restore(0, {});
  auto behind = f.service->ReportApplied("cloud1", 0);
  ASSERT_TRUE(behind.ok());
  EXPECT_EQ((*behind)["resync"], true);
  ASSERT_TRUE(WaitUntil([&] { return f.Drained() && f.cloud.held() == Expected(*f.service, "cloud1"); }));
  EXPECT_EQ(f.cloud.kinds().back(), "snapshot");
  EXPECT_EQ(f.service->ReportApplied("nope", 0).status().code(), Code::kNotFound);
}

TEST(Pusher, JudgeReplyAcknowledgesOnlyWhatWasAppliedAndSent) {
  auto v = JudgeReply("c", 5, 9, Status::Ok(), 9);
  EXPECT_EQ(v.ack, 9);
  EXPECT_EQ(v.fail_first, 0);
  v = JudgeReply("c", 5, 9, Status::Ok(), 7);  // partly applied
  EXPECT_EQ(v.ack, 7);
  EXPECT_EQ(v.fail_first, 8);
  EXPECT_EQ(v.error, "cloud c applied only up to seq 7 of seqs 5..9");
  v = JudgeReply("c", 5, 9, Status::Ok(), 1000);  // ahead
  EXPECT_EQ(v.ack, 0);
  EXPECT_EQ(v.fail_first, 5);
  EXPECT_TRUE(v.resync);
  v = JudgeReply("c", 5, 9, Conflict("gap"), 2);  // behind
  EXPECT_EQ(v.ack, 0);
  EXPECT_TRUE(v.resync);
  EXPECT_EQ(v.applied, 2);
  v = JudgeReply("c", 5, 9, Status::Ok(), std::nullopt);
  EXPECT_EQ(v.ack, 0);
  EXPECT_EQ(v.error, "cloud c answered without an applied_seq");
  v = JudgeReply("c", 5, 9, Unavailable("down"), std::nullopt);
  EXPECT_EQ(v.error, "down");
  EXPECT_FALSE(v.resync);
}

}  // namespace
}  // namespace isthmus::central
