#include "central/pusher.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <thread>

#include "central/test_db.h"
#include "common/http.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

// A cloud controller's event endpoint, as the real one answers it.
class FakeCloud {
 public:
  FakeCloud() {
    server_.Post("/v1/federation/events", [this](const httplib::Request& req, httplib::Response& res) {
      auto body = json::parse(req.body);
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& e : body["events"])
        if (e["seq"].get<int64_t>() > applied_) {
          applied_ = e["seq"];
          kinds_.push_back(e["kind"]);
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
  std::vector<std::string> kinds() {
    std::lock_guard<std::mutex> lock(mu_);
    return kinds_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int64_t applied_ = 0;
  std::vector<std::string> kinds_;
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

// A cloud that reports more than central sent it must not make central skip
// what it commits next (found by tests/fuzz: such an event stayed pending forever).
TEST(Pusher, AnAckBeyondWhatWasSentCountsOnlyWhatWasSent) {
  TestDb db("pusher-ahead");
  auto service = std::move(*Service::Create(db.location(), {}));
  FakeCloud cloud;
  cloud.Start();
  std::string endpoint = "http://127.0.0.1:" + std::to_string(cloud.port());
  ASSERT_TRUE(service->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", endpoint}}}}).ok());
  Pusher pusher(*service);
  pusher.Refresh();
  ASSERT_TRUE(WaitUntil([&] { return service->OutboxStatus()["cloud1"]["pending"] == 0; }));
  cloud.Jump(50);
  ASSERT_TRUE(service->CreateNetwork({{"network", {{"availability_zone_hints", {"cloud1"}}}}}).ok());
  ASSERT_TRUE(WaitUntil([&] { return service->OutboxStatus()["cloud1"]["pending"] == 0; }));
  EXPECT_LT(service->OutboxStatus()["cloud1"]["acked_seq"].get<int64_t>(), 50);
  cloud.Jump(0);  // the cloud again takes what central sends
  ASSERT_TRUE(service->CreateRouter({{"router", {{"availability_zone_hints", {"cloud1"}}}}}).ok());
  ASSERT_TRUE(WaitUntil([&] { return service->OutboxStatus()["cloud1"]["pending"] == 0; }));
  EXPECT_EQ(cloud.kinds().back(), "router");
  pusher.Stop();
}

}  // namespace
}  // namespace isthmus::central
