// Port status and agent liveness as the clouds report them (status_report.h):
// over a real HTTP server with authentication on, on SQLite or PostgreSQL.
#include <gtest/gtest.h>

#include "central/api_test_fixture.h"
#include "central/status_report.h"
#include "central/status_store.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class StatusTest : public CentralApiTest {
 protected:
  StatusTest() : CentralApiTest("status") {}
  void SetUp() override {
    CentralApiTest::SetUp();
    if (HasFatalFailure()) return;
    ReportComputeHostH1();
    if (HasFatalFailure()) return;
    net_ = Network(demo_, "n");
    auto [cs, sub] = Call(demo_, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", net_}, {"cidr", "10.1.0.0/24"}}}});
    ASSERT_EQ(cs, 201) << sub.dump();
    auto [cp, port] = Call(admin_, "POST", "/v2.0/ports", {{"port", {{"network_id", net_}, {"binding:host_id", "h1"}}}});
    ASSERT_EQ(cp, 201) << port.dump();
    port_ = port["port"]["id"];
  }
  // c1's report: h1 alive or not, and port_ with `status` on h1.
  std::pair<int, json> Report(bool alive, const std::string& status, const std::string& cloud = "c1") {
    return Call(admin_, "PUT", "/v2.0/clouds/" + cloud + "/status",
                {{"status",
                  {{"agent_down_time", 75},
                   {"hosts", {{{"host", "h1"}, {"alive", alive}, {"heartbeat_timestamp", 1'800'000'000},
                               {"started_at", 1'799'999'000}}}},
                   {"ports", {{{"id", port_}, {"status", status}, {"host", "h1"}}}}}}});
  }
  std::string PortStatus() { return Call(admin_, "GET", "/v2.0/ports/" + port_).second["port"]["status"]; }
  json Agent() { return Call(admin_, "GET", "/v2.0/agents").second["agents"][0]; }

  std::string net_, port_;
};

TEST_F(StatusTest, APortIsDownUntilItsCloudReportsItWiredThenActiveAndFilterable) {
  EXPECT_EQ(PortStatus(), "DOWN");
  EXPECT_EQ(Agent()["alive"], false);  // no contact reported yet
  EXPECT_TRUE(Agent()["heartbeat_timestamp"].is_null());
  auto [code, answer] = Report(true, "ACTIVE");
  ASSERT_EQ(code, 200) << answer.dump();
  EXPECT_EQ(answer["status"]["ports"], 1);
  EXPECT_EQ(PortStatus(), "ACTIVE");
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/ports?status=ACTIVE").second["ports"].size(), 1u);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/ports?status=DOWN&binding:host_id=h1").second["ports"].size(), 0u);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/ports?status=DOWN").second["ports"][0]["device_owner"], "network:dhcp");
  json a = Agent();
  EXPECT_EQ(a["alive"], true);
  EXPECT_EQ(a["heartbeat_timestamp"], "2027-01-15 08:00:00");
  EXPECT_EQ(a["started_at"], "2027-01-15 07:43:20");
  EXPECT_FALSE(a["created_at"].is_null());
  // admin_state_up false: DOWN whatever was reported.
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/ports/" + port_, {{"port", {{"admin_state_up", false}}}}).first, 200);
  EXPECT_EQ(PortStatus(), "DOWN");
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/ports/" + port_, {{"port", {{"admin_state_up", true}}}}).first, 200);
  EXPECT_EQ(PortStatus(), "ACTIVE");
  // Unbound: DOWN.
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/ports/" + port_, {{"port", {{"binding:host_id", ""}}}}).first, 200);
  EXPECT_EQ(PortStatus(), "DOWN");
}

TEST_F(StatusTest, ADeadHostShowsItsAgentNotAliveAndItsPortsDown) {
  ASSERT_EQ(Report(true, "ACTIVE").first, 200);
  ASSERT_EQ(PortStatus(), "ACTIVE");
  // The cloud said the host died (and had not yet said its port is down).
  ASSERT_EQ(Call(admin_, "PUT", "/v2.0/clouds/c1/status",
                 {{"status", {{"hosts", {{{"host", "h1"}, {"alive", false}, {"heartbeat_timestamp", 1'800'000'000}}}}}}})
                .first,
            200);
  EXPECT_EQ(Agent()["alive"], false);
  EXPECT_EQ(Agent()["started_at"], "2027-01-15 07:43:20");  // kept when a report leaves it out
  EXPECT_EQ(PortStatus(), "DOWN");
  ASSERT_EQ(Report(true, "ACTIVE").first, 200);
  EXPECT_EQ(Agent()["alive"], true);
  EXPECT_EQ(PortStatus(), "ACTIVE");
}

TEST_F(StatusTest, BadReportsChangeNothingAndOtherCloudsPortsAreIgnored) {
  for (std::string bad : {R"({"status": {"ports": [{"id": "PORT", "status": "UP"}]}})",
                          R"({"status": {"ports": [{"id": "../x", "status": "ACTIVE"}]}})",
                          R"({"status": {"hosts": [{"host": "h1", "alive": "yes"}]}})",
                          R"({"status": {"agent_down_time": 0}})", R"({"status": {"extra": 1}})",
                          R"({"ports": []})",
                          R"({"status": {"ports": [{"id": "PORT", "status": "ACTIVE", "host": "a b"}]}})"}) {
    if (auto at = bad.find("PORT"); at != std::string::npos) bad.replace(at, 4, port_);
    EXPECT_EQ(Call(admin_, "PUT", "/v2.0/clouds/c1/status", json::parse(bad)).first, 400) << bad;
  }
  EXPECT_EQ(PortStatus(), "DOWN");
  EXPECT_EQ(Report(true, "ACTIVE", "nowhere").first, 404);
  // Another cloud may not speak for c1's port or host.
  ASSERT_EQ(Call(admin_, "POST", "/v2.0/clouds", {{"cloud", {{"name", "c2"}, {"endpoint", "http://127.0.0.1:2"}}}}).first,
            201);
  auto [code, answer] = Report(true, "ACTIVE", "c2");
  ASSERT_EQ(code, 200);
  EXPECT_EQ(answer["status"]["ignored"], 2);
  EXPECT_EQ(PortStatus(), "DOWN");
  EXPECT_EQ(Agent()["alive"], false);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/clouds/c1/status", {{"status", json::object()}}).first, 403);
}

TEST_F(StatusTest, StatusSurvivesARestartAndGoesWithThePort) {
  ASSERT_EQ(Report(true, "ACTIVE").first, 200);
  {
    auto again = Service::Create(path_, {1000, 1999});
    ASSERT_TRUE(again.ok()) << again.status().message();
    auto p = (*again)->Find<model::Port>(port_);
    ASSERT_TRUE(p);
    EXPECT_EQ(PortStatusOf(**again, *p), "ACTIVE");
    EXPECT_TRUE((*again)->statuses()->Agent("h1")->alive);
  }
  ASSERT_EQ(Call(admin_, "DELETE", "/v2.0/ports/" + port_).first, 204);
  auto again = Service::Create(path_, {1000, 1999});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)->statuses()->Port(port_));  // its row went with the port
}

// A port status is not a port change: no event goes to the clouds for it.
TEST_F(StatusTest, AReportQueuesNoEvent) {
  auto before = s_->OutboxCountsByCloud();
  ASSERT_EQ(Report(true, "ACTIVE").first, 200);
  auto after = s_->OutboxCountsByCloud();
  EXPECT_EQ(after["c1"].pending, before["c1"].pending);
  EXPECT_EQ(Call(admin_, "GET", "/v2.0/ports/" + port_).second["port"]["revision_number"], 1);
}

}  // namespace
}  // namespace isthmus::central
