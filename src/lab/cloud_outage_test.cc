#include "lab/cloud_outage.h"

#include <gtest/gtest.h>

namespace isthmus::lab {
namespace {

using Strings = std::vector<std::string>;

nlohmann::json ThreeClouds() {
  return nlohmann::json::parse(R"({
    "clouds": {"cloud1": {}, "cloud2": {}, "cloud3": {"endpoint": "https://127.0.0.1:9703"}},
    "hosts": {"c3-net": {"cloud": "cloud3"}, "c1-h1": {"cloud": "cloud1"}, "c3-h1": {"cloud": "cloud3"},
              "c2-h1": {"cloud": "cloud2"}},
    "instances": {"a3": {"host": "c3-h1"}, "c3-h1-vm": {"host": "c3-h1"}}})");
}

// A runner that records what it was asked and runs nothing.
class RecordingRunner : public Runner {
 public:
  Result<CommandOutput> Run(const Command& cmd) override {
    ran.push_back(JoinArgv(cmd.argv));
    return CommandOutput{};
  }
  Strings ran;
};

TEST(DaemonsOfCloud, EveryDaemonOfItsHostsInStartUpOrder) {
  auto d = DaemonsOfCloud(ThreeClouds(), "cloud3");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->hosts, (Strings{"c3-h1", "c3-net"}));
  EXPECT_EQ(d->ovsdb_servers, (Strings{"ovsdb-server-c3-h1", "ovsdb-server-c3-net"}));
  EXPECT_EQ(d->vswitchds, (Strings{"ovs-vswitchd-c3-h1", "ovs-vswitchd-c3-net"}));
  EXPECT_EQ(d->controller, "cloud-cloud3");
  EXPECT_EQ(d->agents, (Strings{"agent-c3-h1", "agent-c3-net"}));
}

TEST(DaemonsOfCloud, UnknownCloudIsNotFoundNamingTheLabsClouds) {
  auto d = DaemonsOfCloud(ThreeClouds(), "cloud9");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kNotFound);
  EXPECT_NE(d.status().message().find("cloud1, cloud2, cloud3"), std::string::npos) << d.status().message();
}

TEST(HostNamespaces, TheHostsAndItsAgentsButNoInstanceNorOtherHost) {
  Strings all = {"isth-underlay",         "isth-c3-h1",       "isth-c3-h1-qrouter-r1", "isth-c3-h1-fip-ext",
                 "isth-c3-h10",           "isth-c3-h10-qdhcp-n", "isth-a3",             "isth-c3-h1-vm",
                 "isth-c3-net-qdhcp-n1",  "isth-internet"};
  EXPECT_EQ(HostNamespaces(all, "c3-h1", {"a3", "c3-h1-vm"}),
            (Strings{"isth-c3-h1", "isth-c3-h1-qrouter-r1", "isth-c3-h1-fip-ext"}));
  EXPECT_EQ(HostNamespaces(all, "c3-net", {"a3"}), (Strings{"isth-c3-net-qdhcp-n1"}));
}

TEST(KillCloud, BadInputChangesNothing) {
  RecordingRunner runner;
  auto unknown = KillCloud(ThreeClouds(), "cloud9", 9, runner);
  EXPECT_EQ(unknown.status().code(), Code::kNotFound);
  auto bad_signal = KillCloud(ThreeClouds(), "cloud3", 0, runner);
  EXPECT_EQ(bad_signal.status().code(), Code::kInvalidArgument);
  auto too_big = KillCloud(ThreeClouds(), "cloud3", 1000, runner);
  EXPECT_EQ(too_big.status().code(), Code::kInvalidArgument);
  auto start = StartCloud(ThreeClouds(), "cloud9", runner);
  EXPECT_EQ(start.status().code(), Code::kNotFound);
  EXPECT_TRUE(runner.ran.empty()) << runner.ran.front();
}

}  // namespace
}  // namespace isthmus::lab
