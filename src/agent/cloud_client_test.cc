// The agent's side of the cloud <-> agent protocol against a fake cloud on
// loopback: a host state is checked whole before the agent takes it.
#include "agent/cloud_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "common/crypto.h"
#include "common/http_server.h"
#include "state/host_state_json.h"
#include "state/host_state_test_util.h"
#include "state/json_delta.h"
#include "state/state_delta.h"

#include <mutex>
#include <thread>
#include <vector>

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
    server_.Get(R"(/v1/hosts/([^/]+)/state)", [this](const HttpRequest& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      bool delta = req.has_param("delta") && req.get_param_value("delta") == "2";  // checked by member digest
      asked_.push_back(req.get_param_value("after") + (delta ? " delta" : ""));
      res.set_content(delta && !delta_.empty() ? delta_ : served_.dump(), "application/json");
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
  std::mutex mu_;
  std::string delta_;               // the answer to delta=2, when set
  std::vector<std::string> asked_;  // "after[ delta]" of each request
};

// Revision 3 of GoodState, and 4: one more remote port.
struct TwoRevisions {
  state::HostState r3 = json(GoodState()).get<state::HostState>(), r4 = r3;
  TwoRevisions() {
    r4.revision = 4;
    r4.remote_ports.push_back({"net3", "fa:16:3e:00:00:03", "10.255.0.21"});
  }
  std::string Text(state::HostState s) {
    s.revision = 0;
    return state::DumpHostState(s);
  }
  std::string Delta(const std::string& sha) {
    std::string changes = *state::JsonDiff(Text(r3), Text(r4));
    return state::DeltaAnswer(3, 4, sha, {&changes});
  }
};

TEST_F(CloudClientTest, AsksForADeltaFromTheStateItHoldsAndMergesIt) {
  TwoRevisions t;
  served_ = t.r3;
  std::string r4 = t.Text(t.r4);
  delta_ = t.Delta(state::DigestMembers(r4, state::LayoutOf(r4)).Digest());
  CloudClient client(Endpoint{"127.0.0.1", port_});
  ASSERT_EQ((*client.WaitState("c1-h1", 0, 0))->revision, 3);
  auto s = client.WaitState("c1-h1", 3, 0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(**s, t.r4);
  EXPECT_EQ(asked_, (std::vector<std::string>{"0", "3 delta"}));
  EXPECT_EQ(client.counts().delta, 1);
  EXPECT_EQ(client.counts().full, 1);
  // Not from the revision it holds: no delta asked.
  served_ = t.r4;
  ASSERT_TRUE(client.WaitState("c1-h1", 2, 0).ok());
  EXPECT_EQ(asked_.back(), "2");
}

TEST_F(CloudClientTest, ADeltaThatDoesNotGiveTheCloudsStateIsDroppedForTheWholeState) {
  TwoRevisions t;
  served_ = t.r3;
  std::string r3 = t.Text(t.r3);
  delta_ = t.Delta(state::DigestMembers(r3, state::LayoutOf(r3)).Digest());  // not the merged state's
  CloudClient client(Endpoint{"127.0.0.1", port_});
  ASSERT_EQ((*client.WaitState("c1-h1", 0, 0))->revision, 3);
  served_ = t.r4;
  auto s = client.WaitState("c1-h1", 3, 20);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(**s, t.r4);
  EXPECT_EQ(asked_, (std::vector<std::string>{"0", "3 delta", "0"}));
  EXPECT_EQ(client.counts().refused, 1);
  EXPECT_EQ(client.counts().full, 2);
}

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
