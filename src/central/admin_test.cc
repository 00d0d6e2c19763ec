// The admin API: jobs (outbox rows kept after acknowledgement, their statuses,
// redo, the schema migration), resource routings, and deleting clouds.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <thread>

#include "central/api.h"
#include "central/pusher.h"
#include "central/service.h"
#include "central/test_db.h"
#include "central/test_identity.h"
#include "common/http.h"
#include "common/sql.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

JobFilter F(std::string cloud = "", std::string status = "", std::string kind = "", std::string id = "",
            int64_t limit = 1000) {
  JobFilter f;
  f.cloud = cloud;
  f.status = status;
  f.kind = kind;
  f.id = id;
  f.limit = limit;
  return f;
}

bool WaitUntil(const std::function<bool()>& f) {
  for (int i = 0; i < 1000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = db_.location();
    Open();
    ASSERT_TRUE(s_->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:9701"}}}}).ok());
    ASSERT_TRUE(s_->CreateCloud({{"cloud", {{"name", "cloud2"}, {"endpoint", "http://127.0.0.1:9702"}}}}).ok());
  }
  void TearDown() override { s_.reset(); }
  void Open() {
    auto s = Service::Create(path_, {});
    ASSERT_TRUE(s.ok()) << s.status().message();
    s_ = std::move(*s);
  }
  std::vector<Job> Jobs(JobFilter f = {}) {
    auto j = s_->ListJobs(f);
    EXPECT_TRUE(j.ok()) << j.status().message();
    return j.ok() ? *j : std::vector<Job>{};
  }
  int64_t PendingOf(const std::string& cloud) { return s_->OutboxStatus()[cloud]["pending"].get<int64_t>(); }
  int64_t LastSeq(const std::string& cloud) { return s_->PendingEvents(cloud, 100000)->back().seq; }
  // The pusher acknowledges and fails by the cloud's own sequence (cloud_seq).
  int64_t LastCloudSeq(const std::string& cloud) { return s_->PendingEvents(cloud, 100000)->back().cloud_seq; }
  std::string Network(std::vector<std::string> clouds) {
    auto n = s_->CreateNetwork({{"network", {{"availability_zone_hints", clouds}}}});
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? n->id : "";
  }
  std::map<std::string, std::string> RoutingStatus(const std::string& top_id) {
    std::map<std::string, std::string> out;  // cloud -> status
    auto rs = s_->ListRoutings("", "", top_id);
    EXPECT_TRUE(rs.ok());
    for (const auto& r : *rs) {
      EXPECT_EQ(r.bottom_id, r.top_id);
      out[r.cloud] = r.status;
    }
    return out;
  }

  TestDb db_{"admin"};
  std::string path_;
  std::unique_ptr<Service> s_;
};

TEST_F(AdminTest, JobsAreRecordedNewAndBecomeSuccessOnAckAndAreKept) {
  std::string net = Network({"cloud1"});
  auto jobs = Jobs(F("cloud1", "", "network", net));
  ASSERT_EQ(jobs.size(), 1u);
  const Job& j = jobs[0];
  EXPECT_EQ(j.status, "NEW");
  EXPECT_EQ(j.attempts, 0);
  EXPECT_EQ(j.event.op, "upsert");
  EXPECT_EQ(j.last_error, "");
  EXPECT_EQ(j.created_at.size(), 20u) << j.created_at;  // 2026-01-02T03:04:05Z
  EXPECT_EQ(j.created_at.back(), 'Z');
  EXPECT_EQ(j.updated_at, j.created_at);
  // Newest first, every job of the cloud (cloud1, cloud2 upserts and the network).
  auto all1 = Jobs(F("cloud1"));
  ASSERT_EQ(all1.size(), 3u);
  EXPECT_GT(all1[0].event.seq, all1[1].event.seq);
  EXPECT_EQ(all1[0].event.seq, j.event.seq);
  EXPECT_EQ(Jobs(F("cloud1", "", "", "", 2)).size(), 2u);

  ASSERT_TRUE(s_->AckEvents("cloud1", j.event.cloud_seq).ok());
  auto after = Jobs(F("cloud1"));
  ASSERT_EQ(after.size(), 3u) << "acknowledged jobs are kept";
  for (const auto& a : after) EXPECT_EQ(a.status, "SUCCESS");
  EXPECT_EQ(PendingOf("cloud1"), 0);
  EXPECT_TRUE(s_->PendingEvents("cloud1", 100)->empty());
  EXPECT_EQ(Jobs(F("", "SUCCESS")).size(), 3u);
  EXPECT_EQ(Jobs(F("cloud2", "NEW")).size(), 2u);  // cloud2's are untouched
  EXPECT_EQ(s_->GetJob(j.event.seq)->status, "SUCCESS");
  EXPECT_EQ(s_->GetJob(999999).status().code(), Code::kNotFound);
}

TEST_F(AdminTest, RunningAndFailedJobsStayPendingAndOutboxCountsAreUnchanged) {
  Network({"cloud1", "cloud2"});
  Network({"cloud1"});
  // cloud1: cloud1, cloud2, net1, net2; cloud2: cloud2, net1 (cloud1 was made before it).
  EXPECT_EQ(PendingOf("cloud1"), 4);
  EXPECT_EQ(PendingOf("cloud2"), 3);
  auto pending = *s_->PendingEvents("cloud1", 2);
  ASSERT_EQ(pending.size(), 2u);
  ASSERT_TRUE(s_->StartJobs("cloud1", pending.front().cloud_seq, pending.back().cloud_seq).ok());
  EXPECT_EQ(Jobs(F("cloud1", "RUNNING")).size(), 2u);
  EXPECT_EQ(PendingOf("cloud1"), 4);
  ASSERT_TRUE(s_->FailJobs("cloud1", pending.front().cloud_seq, pending.back().cloud_seq, "connection refused").ok());
  ASSERT_TRUE(s_->FailJobs("cloud1", pending.front().cloud_seq, pending.back().cloud_seq, "timed out").ok());
  auto failed = Jobs(F("cloud1", "FAIL"));
  ASSERT_EQ(failed.size(), 2u);
  for (const auto& f : failed) {
    EXPECT_EQ(f.attempts, 2);
    EXPECT_EQ(f.last_error, "timed out");
  }
  EXPECT_EQ(PendingOf("cloud1"), 4);
  EXPECT_EQ(s_->PendingEvents("cloud1", 100)->size(), 4u) << "failed jobs are sent again";
  // A partial acknowledgement: only those up to the acknowledged seq stop being pending.
  ASSERT_TRUE(s_->AckEvents("cloud1", pending.front().cloud_seq).ok());
  EXPECT_EQ(PendingOf("cloud1"), 3);
  EXPECT_EQ(s_->OutboxStatus()["cloud1"]["acked_seq"], pending.front().seq);
  EXPECT_EQ(s_->GetJob(pending.front().seq)->status, "SUCCESS");
  EXPECT_EQ(s_->GetJob(pending.front().seq)->attempts, 2);
  EXPECT_EQ(s_->GetJob(pending.back().seq)->status, "FAIL");
  EXPECT_EQ(PendingOf("cloud2"), 3);
  // Failing again does not touch acknowledged jobs.
  ASSERT_TRUE(s_->FailJobs("cloud1", pending.front().cloud_seq, pending.back().cloud_seq, "again").ok());
  EXPECT_EQ(s_->GetJob(pending.front().seq)->attempts, 2);
  EXPECT_EQ(s_->GetJob(pending.back().seq)->attempts, 3);
}

TEST_F(AdminTest, JobsSurviveReopeningTheService) {
  std::string net = Network({"cloud1"});
  auto pending = *s_->PendingEvents("cloud1", 100);
  ASSERT_TRUE(s_->AckEvents("cloud1", pending[1].cloud_seq).ok());
  ASSERT_TRUE(s_->FailJobs("cloud1", pending[2].cloud_seq, pending[2].cloud_seq, "boom").ok());
  auto before = Jobs();
  s_.reset();
  Open();
  auto after = Jobs();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].event.seq, before[i].event.seq);
    EXPECT_EQ(after[i].status, before[i].status);
    EXPECT_EQ(after[i].attempts, before[i].attempts);
    EXPECT_EQ(after[i].last_error, before[i].last_error);
  }
  EXPECT_EQ(s_->GetJob(pending[2].seq)->status, "FAIL");
  EXPECT_EQ(s_->GetJob(pending[2].seq)->last_error, "boom");
  EXPECT_EQ(PendingOf("cloud1"), 1);
  ASSERT_EQ(s_->PendingEvents("cloud1", 100)->size(), 1u);
  EXPECT_EQ(s_->PendingEvents("cloud1", 100)->front().id, net);
}

TEST_F(AdminTest, RedoQueuesANewEventWithTheCurrentState) {
  std::string net = Network({"cloud1", "cloud2"});
  auto router = s_->CreateRouter({{"router", {{"name", "before"}, {"availability_zone_hints", {"cloud1"}}}}});
  ASSERT_TRUE(router.ok());
  int64_t router_job = LastSeq("cloud1");
  ASSERT_TRUE(s_->AckEvents("cloud1", LastCloudSeq("cloud1")).ok());
  ASSERT_TRUE(s_->UpdateRouter(router->id, {{"router", {{"name", "after"}}}}).ok());
  ASSERT_TRUE(s_->AckEvents("cloud1", LastCloudSeq("cloud1")).ok());
  EXPECT_EQ(PendingOf("cloud1"), 0);

  auto redo = s_->RedoJob(router_job);
  ASSERT_TRUE(redo.ok()) << redo.status().message();
  EXPECT_GT(redo->event.seq, router_job);
  EXPECT_EQ(redo->event.cloud, "cloud1");
  EXPECT_EQ(redo->event.kind, "router");
  EXPECT_EQ(redo->event.id, router->id);
  EXPECT_EQ(redo->event.op, "upsert");
  EXPECT_EQ(redo->status, "NEW");
  EXPECT_EQ(s_->GetJob(router_job)->status, "SUCCESS") << "the old job stays as it was";
  EXPECT_EQ(PendingOf("cloud1"), 1);
  EXPECT_EQ(PendingOf("cloud2"), 0 + s_->OutboxStatus()["cloud2"]["pending"].get<int64_t>());
  auto pending = *s_->PendingEvents("cloud1", 100);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].seq, redo->event.seq);
  EXPECT_EQ(pending[0].body["name"], "after") << pending[0].body.dump();

  // Gone: the redo is a delete.
  ASSERT_TRUE(s_->Delete("router", router->id).ok());
  auto del = s_->RedoJob(router_job);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->event.op, "delete");
  EXPECT_EQ(s_->PendingEvents("cloud1", 100)->back().op, "delete");

  // A network redo goes only to the job's cloud.
  int64_t cloud2_before = PendingOf("cloud2");
  auto net_job = Jobs(F("cloud2", "", "network", net));
  ASSERT_EQ(net_job.size(), 1u);
  auto again = s_->RedoJob(net_job[0].event.seq);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->event.cloud, "cloud2");
  EXPECT_EQ(PendingOf("cloud2"), cloud2_before + 1);
  EXPECT_EQ(s_->PendingEvents("cloud2", 100)->back().body["id"], net);
  EXPECT_EQ(s_->RedoJob(999999).status().code(), Code::kNotFound);
}

TEST_F(AdminTest, AcknowledgedJobsArePrunedBeyondTheNewestKept) {
  s_.reset();
  auto db = CentralDb::Open(path_);
  ASSERT_TRUE(db.ok());
  Mutation m;
  for (int i = 0; i < 6; ++i) m.events.push_back({0, "cloud1", "host", "upsert", "h" + std::to_string(i), json::object()});
  m.events.push_back({0, "cloud2", "host", "upsert", "x", json::object()});
  ASSERT_TRUE((*db)->Commit(m).ok());
  auto pending = *(*db)->Pending("cloud1", 0, 100);
  ASSERT_EQ(pending.size(), 8u);  // 2 cloud upserts + 6
  ASSERT_TRUE((*db)->Ack("cloud1", pending[5].cloud_seq, 3).ok());
  JobFilter f;
  f.cloud = "cloud1";
  auto jobs = *(*db)->Jobs(f);
  ASSERT_EQ(jobs.size(), 5u);  // 3 acknowledged kept + 2 pending
  EXPECT_EQ(jobs[4].event.seq, pending[3].seq);
  EXPECT_EQ(jobs[4].status, "SUCCESS");
  EXPECT_EQ(jobs[1].status, "NEW");
  EXPECT_EQ((*(*db)->PendingCounts())["cloud1"], 2);
  f.cloud = "cloud2";
  EXPECT_EQ((*db)->Jobs(f)->size(), 3u);  // cloud2, cloud1 (what it learnt when made), x
}

TEST_F(AdminTest, MigratesAnOutboxMadeBeforeJobs) {
  s_.reset();
  db_.Reset();
  {
    auto db = sql::Connect(path_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    std::string seq = db_.postgres() ? "seq BIGSERIAL PRIMARY KEY" : "seq INTEGER PRIMARY KEY AUTOINCREMENT";
    ASSERT_TRUE((*db)->Exec(R"(
      CREATE TABLE clouds (name TEXT PRIMARY KEY, body TEXT NOT NULL,
                           idx INTEGER NOT NULL UNIQUE, acked_seq INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE outbox ()" + seq + R"(, cloud TEXT NOT NULL,
                           kind TEXT NOT NULL, op TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL);
      INSERT INTO clouds VALUES ('cloud1', '{"name":"cloud1","endpoint":"http://127.0.0.1:9701","index":1,"dvr_mac_prefix":"fa:16:3f:01"}', 1, 1);
      INSERT INTO outbox (cloud, kind, op, id, body) VALUES ('cloud1', 'cloud', 'upsert', 'cloud1', '{}');
      INSERT INTO outbox (cloud, kind, op, id, body) VALUES ('cloud1', 'host', 'upsert', 'h1', '{}');
      DELETE FROM outbox WHERE seq = 1;
    )").ok());
  }
  Open();
  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].event.seq, 2);
  EXPECT_EQ(jobs[0].status, "NEW");
  EXPECT_EQ(jobs[0].attempts, 0);
  EXPECT_EQ(jobs[0].created_at.size(), 20u);
  EXPECT_EQ(PendingOf("cloud1"), 1);
  ASSERT_TRUE(s_->AckEvents("cloud1", 2).ok());
  EXPECT_EQ(s_->GetJob(2)->status, "SUCCESS");
  s_.reset();
  Open();  // migrating again is a no-op
  EXPECT_EQ(s_->GetJob(2)->status, "SUCCESS");
  // The per-cloud numbering continues the old one (an old row's cloud_seq is its seq).
  EXPECT_EQ(s_->GetJob(2)->event.cloud_seq, 2);
  Network({"cloud1"});
  EXPECT_EQ(LastCloudSeq("cloud1"), 3);
}

TEST_F(AdminTest, RoutingsOnePerCloudGoFromPendingToSynced) {
  std::string net = Network({"cloud1", "cloud2"});
  auto sub = s_->CreateSubnet({{"subnet", {{"network_id", net}, {"cidr", "10.0.3.0/24"}, {"enable_dhcp", false}}}});
  ASSERT_TRUE(sub.ok());
  auto router = s_->CreateRouter({{"router", {{"availability_zone_hints", {"cloud2"}}}}});
  ASSERT_TRUE(router.ok());
  EXPECT_EQ(RoutingStatus(net), (std::map<std::string, std::string>{{"cloud1", "pending"}, {"cloud2", "pending"}}));
  EXPECT_EQ(RoutingStatus(router->id), (std::map<std::string, std::string>{{"cloud2", "pending"}}));
  auto all = *s_->ListRoutings("", "", "");
  EXPECT_EQ(all.size(), 5u);  // network x2, subnet x2, router
  EXPECT_EQ(s_->ListRoutings("cloud1", "", "")->size(), 2u);
  auto subnets = *s_->ListRoutings("", "subnet", "");
  ASSERT_EQ(subnets.size(), 2u);
  EXPECT_EQ(subnets[0].top_id, sub->id);
  EXPECT_EQ(subnets[0].resource_type, "subnet");

  ASSERT_TRUE(s_->AckEvents("cloud1", LastCloudSeq("cloud1")).ok());
  EXPECT_EQ(RoutingStatus(net), (std::map<std::string, std::string>{{"cloud1", "synced"}, {"cloud2", "pending"}}));
  EXPECT_EQ(RoutingStatus(sub->id), (std::map<std::string, std::string>{{"cloud1", "synced"}, {"cloud2", "pending"}}));
  ASSERT_TRUE(s_->AckEvents("cloud2", LastCloudSeq("cloud2")).ok());
  EXPECT_EQ(RoutingStatus(net), (std::map<std::string, std::string>{{"cloud1", "synced"}, {"cloud2", "synced"}}));
  EXPECT_EQ(RoutingStatus(router->id), (std::map<std::string, std::string>{{"cloud2", "synced"}}));
  // A change makes it pending again, in the clouds it goes to only.
  ASSERT_TRUE(s_->UpdateRouter(router->id, {{"router", {{"name", "x"}}}}).ok());
  EXPECT_EQ(RoutingStatus(router->id), (std::map<std::string, std::string>{{"cloud2", "pending"}}));
  EXPECT_EQ(RoutingStatus(net), (std::map<std::string, std::string>{{"cloud1", "synced"}, {"cloud2", "synced"}}));
  ASSERT_TRUE(s_->Delete("router", router->id).ok());
  EXPECT_TRUE(s_->ListRoutings("", "", router->id)->empty());
}

TEST_F(AdminTest, DeletingACloudIsRefusedWhileItHoldsResources) {
  ASSERT_TRUE(s_->PutHost("cloud2", "c2-h1", {{"host", {{"role", "compute"}, {"vtep_ip", "10.255.0.21"}, {"dvr_mac", "fa:16:3f:02:00:01"}}}}).ok());
  auto ext = s_->CreateNetwork({{"network", {{"router:external", true}, {"provider:physical_network", "extnet"},
                                             {"availability_zone_hints", {"cloud1"}}}}});
  ASSERT_TRUE(ext.ok()) << ext.status().message();
  ASSERT_TRUE(s_->CreateSubnet({{"subnet", {{"network_id", ext->id}, {"cidr", "172.24.4.0/24"}, {"enable_dhcp", false}}}}).ok());
  auto fip = s_->CreateFloatingIp({{"floatingip", {{"floating_network_id", ext->id}}}});
  ASSERT_TRUE(fip.ok()) << fip.status().message();
  auto router = s_->CreateRouter({{"router", {{"availability_zone_hints", {"cloud1"}}}}});
  ASSERT_TRUE(router.ok());

  Status st = s_->DeleteCloud("cloud1");
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_NE(st.message().find("network " + ext->id), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("router " + router->id), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("floating IP " + fip->id), std::string::npos) << st.message();
  st = s_->DeleteCloud("cloud2");
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_NE(st.message().find("host c2-h1"), std::string::npos) << st.message();
  EXPECT_EQ(s_->DeleteCloud("nope").code(), Code::kNotFound);
  EXPECT_TRUE(s_->GetCloud("cloud1").ok());

  ASSERT_TRUE(s_->Delete("router", router->id).ok());
  ASSERT_TRUE(s_->Delete("floatingip", fip->id).ok());
  EXPECT_EQ(s_->DeleteCloud("cloud1").code(), Code::kConflict);  // the network still
  ASSERT_TRUE(s_->Delete("network", ext->id).ok());
  ASSERT_TRUE(s_->AckEvents("cloud1", (*s_->PendingEvents("cloud1", 100))[1].cloud_seq).ok());
  ASSERT_GT(PendingOf("cloud1"), 0);
  int64_t succeeded = Jobs(F("cloud1", "SUCCESS")).size();
  ASSERT_GT(succeeded, 0);
  ASSERT_TRUE(s_->DeleteCloud("cloud1").ok());
  EXPECT_EQ(s_->GetCloud("cloud1").status().code(), Code::kNotFound);
  // Its pending jobs go with it (acknowledged ones stay as history); the others learn it is gone.
  EXPECT_TRUE(Jobs(F("cloud1", "NEW")).empty());
  EXPECT_EQ(static_cast<int64_t>(Jobs(F("cloud1")).size()), succeeded);
  EXPECT_EQ(s_->PendingEvents("cloud1", 100).status().code(), Code::kNotFound);
  EXPECT_EQ(s_->PendingEvents("cloud2", 100)->back().kind, "cloud");
  EXPECT_EQ(s_->PendingEvents("cloud2", 100)->back().op, "delete");
  // Made again by the same name, it starts from nothing pending.
  ASSERT_TRUE(s_->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:9703"}}}}).ok());
  for (const auto& e : *s_->PendingEvents("cloud1", 100)) EXPECT_EQ(e.kind == "cloud" || e.kind == "host", true);
  EXPECT_EQ(PendingOf("cloud1"), 3);  // cloud1, cloud2, c2-h1
}

// A cloud controller's event endpoint that fails its first `failures` calls.
class FlakyCloud {
 public:
  explicit FlakyCloud(int failures) : failures_(failures) {
    server_.Post("/v1/federation/events", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      if (failures_ > 0) {
        --failures_;
        return WriteError(res, Unavailable("cloud database is locked"));
      }
      json body = json::parse(req.body);
      for (const auto& e : body["events"]) applied_ = std::max(applied_, e["seq"].get<int64_t>());
      WriteJson(res, 200, {{"applied_seq", applied_}});
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FlakyCloud() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int failures_;
  int64_t applied_ = 0;
};

TEST(AdminPusher, FailedSendsAreRecordedThenTheAckMakesThemSuccess) {
  TestDb db("pusher");
  std::string path = db.location();
  auto service = std::move(*Service::Create(path, {}));
  FlakyCloud cloud(2);
  ASSERT_TRUE(service->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", cloud.endpoint()}}}}).ok());
  Pusher pusher(*service);
  pusher.Refresh();
  ASSERT_TRUE(WaitUntil([&] { return service->OutboxStatus()["cloud1"]["pending"] == 0; }));
  auto jobs = *service->ListJobs(F());
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].status, "SUCCESS");
  EXPECT_EQ(jobs[0].attempts, 2);
  EXPECT_NE(jobs[0].last_error.find("cloud database is locked"), std::string::npos) << jobs[0].last_error;
  // A later change is delivered on the first attempt.
  ASSERT_TRUE(service->CreateNetwork({{"network", {{"availability_zone_hints", {"cloud1"}}}}}).ok());
  ASSERT_TRUE(WaitUntil([&] { return service->OutboxStatus()["cloud1"]["pending"] == 0; }));
  jobs = *service->ListJobs(F());
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].status, "SUCCESS");
  EXPECT_EQ(jobs[0].attempts, 0);
  pusher.Stop();
  service.reset();
}

// The HTTP side: shapes, filters, redo, routings, and the admin role.
class AdminApiTest : public AdminTest {
 protected:
  void Serve(Identity* identity) {
    pusher_ = std::make_unique<Pusher>(*s_);
    InstallRoutes(server_, *s_, *pusher_, identity);
    port_ = *server_.Bind("127.0.0.1", 0);
    thread_ = std::thread([this] { server_.Run(); });
  }
  void TearDown() override {
    server_.Stop();
    if (thread_.joinable()) thread_.join();
    pusher_.reset();  // no threads were started: Refresh is never called here
    AdminTest::TearDown();
  }
  HttpReply Call(const std::string& method, const std::string& path, const json* body = nullptr,
                 const std::string& token = "") {
    httplib::Headers h;
    if (!token.empty()) h.emplace("X-Auth-Token", token);
    auto r = HttpCall({"127.0.0.1", port_}, method, path, body, 5000, h);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : HttpReply{};
  }

  HttpServer server_;
  std::thread thread_;
  std::unique_ptr<Pusher> pusher_;
  int port_ = 0;
};

TEST_F(AdminApiTest, JobsAndRoutingsOverHttp) {
  Serve(nullptr);
  std::string net = Network({"cloud1", "cloud2"});
  auto list = Call("GET", "/v2.0/jobs?cloud=cloud1&resource_type=network");
  ASSERT_EQ(list.status, 200) << list.raw;
  ASSERT_EQ(list.body["jobs"].size(), 1u);
  json job = list.body["jobs"][0];
  for (const char* key : {"id", "cloud", "resource_type", "resource_id", "operation", "status", "attempts",
                          "last_error", "created_at", "updated_at"})
    EXPECT_TRUE(job.contains(key)) << key;
  EXPECT_EQ(job["resource_id"], net);
  EXPECT_EQ(job["operation"], "upsert");
  EXPECT_EQ(job["status"], "NEW");
  EXPECT_EQ(job["last_error"], nullptr);
  EXPECT_EQ(Call("GET", "/v2.0/jobs").body["jobs"].size(), 6u);  // each cloud learns both clouds, and net
  EXPECT_EQ(Call("GET", "/v2.0/jobs?limit=2").body["jobs"].size(), 2u);
  EXPECT_EQ(Call("GET", "/v2.0/jobs?resource_id=" + net).body["jobs"].size(), 2u);
  EXPECT_EQ(Call("GET", "/v2.0/jobs?status=SUCCESS").body["jobs"].size(), 0u);
  EXPECT_EQ(Call("GET", "/v2.0/jobs?limit=0").status, 400);
  EXPECT_EQ(Call("GET", "/v2.0/jobs?status=DONE").status, 400);

  std::string seq = std::to_string(job["id"].get<int64_t>());
  auto one = Call("GET", "/v2.0/jobs/" + seq);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body["job"], job);
  EXPECT_EQ(Call("GET", "/v2.0/jobs/424242").status, 404);
  EXPECT_EQ(Call("GET", "/v2.0/jobs/abc").status, 404);

  json redo = {{"job", {{"action", "redo"}}}};
  auto r = Call("PUT", "/v2.0/jobs/" + seq, &redo);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_GT(r.body["job"]["id"].get<int64_t>(), job["id"].get<int64_t>());
  EXPECT_EQ(r.body["job"]["cloud"], "cloud1");
  EXPECT_EQ(r.body["job"]["resource_id"], net);
  EXPECT_EQ(r.body["job"]["status"], "NEW");
  json bad = {{"job", {{"action", "undo"}}}};
  EXPECT_EQ(Call("PUT", "/v2.0/jobs/" + seq, &bad).status, 400);
  json extra = {{"job", {{"action", "redo"}, {"force", true}}}};
  EXPECT_EQ(Call("PUT", "/v2.0/jobs/" + seq, &extra).status, 400);
  EXPECT_EQ(Call("PUT", "/v2.0/jobs/424242", &redo).status, 404);

  // GET /v2.0/outbox keeps its shape: pending counts per cloud.
  auto outbox = Call("GET", "/v2.0/outbox");
  EXPECT_EQ(outbox.body["outbox"]["cloud1"]["pending"], 4);  // cloud1, cloud2, net, the redo
  EXPECT_EQ(outbox.body["outbox"]["cloud1"]["acked_seq"], 0);

  auto routings = Call("GET", "/v2.0/routings?resource_type=network");
  ASSERT_EQ(routings.status, 200);
  ASSERT_EQ(routings.body["routings"].size(), 2u);
  EXPECT_EQ(routings.body["routings"][0],
            (json{{"top_id", net}, {"bottom_id", net}, {"cloud", "cloud1"}, {"resource_type", "network"},
                  {"status", "pending"}}));
  ASSERT_TRUE(s_->AckEvents("cloud2", LastCloudSeq("cloud2")).ok());
  auto by_id = Call("GET", "/v2.0/routings/" + net);
  ASSERT_EQ(by_id.status, 200);
  ASSERT_EQ(by_id.body["routings"].size(), 2u);
  EXPECT_EQ(by_id.body["routings"][1]["cloud"], "cloud2");
  EXPECT_EQ(by_id.body["routings"][1]["status"], "synced");
  EXPECT_EQ(Call("GET", "/v2.0/routings?cloud=cloud2&top_id=" + net).body["routings"].size(), 1u);
  EXPECT_EQ(Call("GET", "/v2.0/routings/nothing-here").status, 404);

  EXPECT_EQ(Call("DELETE", "/v2.0/clouds/cloud1").status, 409);
}

TEST_F(AdminApiTest, OnlyAdminsMayUseIt) {
  auto identity = Identity::FromJson(
      {{"projects", {{{"name", "admin"}}, {{"name", "demo"}}}},
       {"users", {{{"name", "admin"}, {"password_hash", TestHash("a")}, {"project", "admin"}, {"roles", {"admin"}}},
                  {{"name", "alice"}, {"password_hash", TestHash("b")}, {"project", "demo"}, {"roles", {"member"}}}}}});
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  Serve(&*identity);
  auto token = [&](const std::string& user, const std::string& password, const std::string& project) {
    json req = {{"auth",
                 {{"identity", {{"methods", {"password"}}, {"password", {{"user", {{"name", user}, {"password", password}}}}}}},
                  {"scope", {{"project", {{"name", project}}}}}}}};
    auto issued = identity->IssueToken(req, "http://127.0.0.1");
    EXPECT_TRUE(issued.ok()) << issued.status().message();
    return issued.ok() ? issued->token : "";
  };
  std::string admin = token("admin", "a", "admin"), member = token("alice", "b", "demo");
  json redo = {{"job", {{"action", "redo"}}}};
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v2.0/jobs"}, {"GET", "/v2.0/jobs/1"}, {"PUT", "/v2.0/jobs/1"}, {"GET", "/v2.0/routings"},
           {"GET", "/v2.0/routings/x"}}) {
    EXPECT_EQ(Call(method, path, method == "PUT" ? &redo : nullptr, member).status, 403) << method << " " << path;
    EXPECT_EQ(Call(method, path, method == "PUT" ? &redo : nullptr).status, 401) << method << " " << path;
  }
  EXPECT_EQ(Call("GET", "/v2.0/jobs", nullptr, admin).status, 200);
  EXPECT_EQ(Call("GET", "/v2.0/jobs/1", nullptr, admin).status, 200);
  EXPECT_EQ(Call("GET", "/v2.0/routings", nullptr, admin).status, 200);
}

}  // namespace
}  // namespace isthmus::central
