// The agent's side of the cloud <-> agent protocol against a fake cloud on
// loopback: a host state is checked whole before the agent takes it.
#include "agent/cloud_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "common/http_server.h"
#include "state/host_state_test_util.h"

#include <thread>

namespace isthmus::agent {
namespace {

using nlohmann::json;

json GoodState() {
  state::HostState s = state::C1H1Base(3);
  s.networks.push_back({"net3", 1003, 1, {"10.255.0.21"}, {}});
  s.remote_ports.push_back({"net3", "fa:16:3e:00:00:02", "10.255.0.21"});
  s.trusted_dvr_macs = {"fa:16:3f:02:00:01"};
  return s;
}

class CloudClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get(R"(/v1/hosts/([^/]+)/state)", [this](const HttpRequest&, httplib::Response& res) {
      res.set_content(served_.dump(), "application/json");
    });
    port_ = *server_.Bind("127.0.0.1", 0);
    thread_ = std::thread([&] { server_.Run(); });
  }
  void TearDown() override {
    server_.Stop();
    thread_.join();
  }
  Result<std::optional<state::HostState>> Fetch() {
    CloudClient client(Endpoint{"127.0.0.1", port_});
    return client.WaitState("c1-h1", 0, 0);
  }
  HttpServer server_;
  std::thread thread_;
  int port_ = 0;
  json served_;
};

TEST_F(CloudClientTest, TakesAValidState) {
  served_ = GoodState();
  auto s = Fetch();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ((*s)->revision, 3);
  EXPECT_EQ((*s)->remote_ports[0].mac, "fa:16:3e:00:00:02");
}

TEST_F(CloudClientTest, RefusesAStateWithAnInjectedNewlineWhole) {
  served_ = GoodState();
  served_["remote_ports"][0]["mac"] = "fa:16:3e:00:00:02\nadd table=0,priority=999 actions=NORMAL";
  auto s = Fetch();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_NE(s.status().message().find("remote_ports[0].mac"), std::string::npos) << s.status().message();
}

TEST_F(CloudClientTest, RefusesATrustedDvrMacOutsideTheDvrSpace) {
  served_ = GoodState();
  served_["trusted_dvr_macs"].push_back("fa:16:3e:00:00:02");
  auto s = Fetch();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("trusted_dvr_macs[1]"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace isthmus::agent
