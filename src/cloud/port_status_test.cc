#include "cloud/port_status.h"

#include <gtest/gtest.h>

namespace isthmus::cloud {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// A clock the test moves: t seconds after a fixed start.
StatusClock At(int t) {
  static const auto base = std::chrono::steady_clock::now();
  return {base + seconds(t), 1'800'000'000 + t};
}

json Port(const std::string& cloud, const std::string& owner = "compute:nova") {
  return {{"cloud", cloud}, {"device_owner", owner}};
}

// The ports of a report: id -> status.
std::map<std::string, std::string> Ports(const std::optional<StatusReport>& r) {
  std::map<std::string, std::string> out;
  if (r)
    for (const auto& p : r->body["status"]["ports"]) out[p["id"]] = p["status"];
  return out;
}

class PortStatusTest : public ::testing::Test {
 protected:
  PortStatusTracker t{"c1", StatusOptions{seconds(10)}, At(0)};
};

TEST_F(PortStatusTest, ActiveOnlyOnceTheHostAppliedAStateThatWiresThePort) {
  t.Started("h1", At(1));
  json p = Port("c1");
  t.SetPort("p1", &p);
  t.SetWired("h1", {"p1"}, 5);
  EXPECT_EQ(t.Status("p1"), "DOWN");
  t.Contact("h1", 4, At(2));  // an older revision
  EXPECT_EQ(t.Status("p1"), "DOWN");
  t.Contact("h1", 5, At(3));
  EXPECT_EQ(t.Status("p1"), "ACTIVE");
  // A later state that still wires it keeps it ACTIVE while the agent applies it.
  t.SetWired("h1", {"p1"}, 6);
  EXPECT_EQ(t.Status("p1"), "ACTIVE");
  // Unwired (admin down, unbound, moved): DOWN.
  t.SetWired("h1", {}, 7);
  EXPECT_EQ(t.Status("p1"), "DOWN");
}

TEST_F(PortStatusTest, ADeadHostsPortsGoDownAndComeBackWithIt) {
  t.Started("h1", At(0));
  json p = Port("c1");
  t.SetPort("p1", &p);
  t.SetWired("h1", {"p1"}, 1);
  t.Contact("h1", 1, At(1));
  auto r = t.TakeReport(At(1));
  ASSERT_TRUE(r);
  EXPECT_EQ(Ports(r), (std::map<std::string, std::string>{{"p1", "ACTIVE"}}));
  EXPECT_EQ(r->body["status"]["hosts"][0]["alive"], true);
  EXPECT_EQ(r->body["status"]["agent_down_time"], 10);
  t.Acknowledge(*r, At(1));
  EXPECT_FALSE(t.TakeReport(At(2)));  // nothing changed, no heartbeat due yet

  // No contact for the down time: dead, at once reported with its port DOWN.
  r = t.TakeReport(At(11));
  ASSERT_TRUE(r);
  EXPECT_EQ(Ports(r), (std::map<std::string, std::string>{{"p1", "DOWN"}}));
  EXPECT_EQ(r->body["status"]["hosts"][0]["alive"], false);
  EXPECT_EQ(r->body["status"]["hosts"][0]["heartbeat_timestamp"], 1'800'000'001);
  t.Acknowledge(*r, At(11));
  EXPECT_FALSE(t.TakeReport(At(40)));  // a dead host sends no heartbeats

  // The agent restarted: alive, but DOWN until it applied the state again.
  t.Started("h1", At(41));
  r = t.TakeReport(At(41));
  ASSERT_TRUE(r);
  EXPECT_TRUE(Ports(r).empty());
  EXPECT_EQ(r->body["status"]["hosts"][0]["started_at"], 1'800'000'041);
  t.Acknowledge(*r, At(41));
  t.Contact("h1", 1, At(42));
  EXPECT_EQ(Ports(t.TakeReport(At(42))), (std::map<std::string, std::string>{{"p1", "ACTIVE"}}));
}

TEST_F(PortStatusTest, HeartbeatsAtMostEveryThirdOfTheDownTime) {
  t.Started("h1", At(0));
  auto r = t.TakeReport(At(0));
  ASSERT_TRUE(r);
  t.Acknowledge(*r, At(0));
  int reports = 0;
  for (int s = 1; s <= 9; ++s) {
    t.Contact("h1", std::nullopt, At(s));
    if (auto again = t.TakeReport(At(s))) {
      ++reports;
      t.Acknowledge(*again, At(s));
    }
  }
  EXPECT_EQ(reports, 2);  // at 4 s and 8 s (interval 3.33 s)
}

TEST_F(PortStatusTest, HeartbeatsTravelInRoundsOneCallForEveryHost) {
  for (int at : {0, 2}) {
    t.Started(at == 0 ? "h1" : "h2", At(at));
    auto r = t.TakeReport(At(at));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->hosts.size(), 1u);  // a host's first word goes at once
    t.Acknowledge(*r, At(at));
  }
  auto contact = [&](int s) {
    t.Contact("h1", std::nullopt, At(s));
    t.Contact("h2", std::nullopt, At(s));
  };
  contact(3);
  EXPECT_FALSE(t.TakeReport(At(3)));
  contact(4);
  auto r = t.TakeReport(At(4));  // h1's is due; h2's, half due, goes along
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hosts.size(), 2u);
  t.Acknowledge(*r, At(4));
  for (int s = 5; s <= 7; ++s) {
    contact(s);
    EXPECT_FALSE(t.TakeReport(At(s))) << s;
  }
  contact(8);
  r = t.TakeReport(At(8));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hosts.size(), 2u);
}

TEST_F(PortStatusTest, ReportsOnlyItsOwnPortsAndRetriesWhatWasNotAcknowledged) {
  t.Started("h1", At(0));
  json mine = Port("c1"), theirs = Port("c2"), fip = Port("c1", "network:floatingip"),
       dvr = Port("c1", "network:router_interface_distributed");
  t.SetPort("mine", &mine);
  t.SetPort("theirs", &theirs);
  t.SetPort("fip", &fip);
  t.SetPort("dvr", &dvr);
  auto r = t.TakeReport(At(0));
  EXPECT_EQ(Ports(r), (std::map<std::string, std::string>{{"dvr", "ACTIVE"}, {"mine", "DOWN"}}));
  // Not acknowledged (central was down): sent again.
  EXPECT_EQ(Ports(t.TakeReport(At(1))), Ports(r));
  t.Acknowledge(*r, At(1));
  EXPECT_FALSE(t.TakeReport(At(1)));
  // Deleted: nothing more to say (central drops it with the port).
  t.SetPort("mine", nullptr);
  EXPECT_FALSE(t.TakeReport(At(2)));
  EXPECT_EQ(t.Status("mine"), "");
}

TEST_F(PortStatusTest, BatchesHoldAtMostMaxPorts) {
  t.Started("h1", At(0));
  json p = Port("c1");
  std::set<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    ids.insert("p" + std::to_string(100 + i));
    t.SetPort("p" + std::to_string(100 + i), &p);
  }
  t.SetWired("h1", ids, 3);
  t.Contact("h1", 3, At(1));
  size_t sent = 0;
  int calls = 0;
  while (auto r = t.TakeReport(At(1), 10)) {
    EXPECT_LE(r->ports.size(), 10u);
    sent += r->ports.size();
    ++calls;
    t.Acknowledge(*r, At(1));
  }
  EXPECT_EQ(sent, 25u);
  EXPECT_EQ(calls, 3);
}

TEST_F(PortStatusTest, AfterARestartAHostIsUnknownUntilItCallsOrTheDownTimePasses) {
  t.AddHost("h1");  // registered before the restart
  t.AddHost("h2");
  json p = Port("c1");
  t.SetPort("p1", &p);
  t.SetPort("p2", &p);
  t.SetWired("h1", {"p1"}, 7);
  t.SetWired("h2", {"p2"}, 8);
  EXPECT_FALSE(t.TakeReport(At(1)));  // nothing decided about either host's ports yet
  t.Contact("h1", 7, At(2));          // its long-poll says what it runs
  auto r = t.TakeReport(At(2));
  EXPECT_EQ(Ports(r), (std::map<std::string, std::string>{{"p1", "ACTIVE"}}));
  t.Acknowledge(*r, At(2));
  r = t.TakeReport(At(10));  // h2 never called: dead after the down time from the start
  EXPECT_EQ(Ports(r), (std::map<std::string, std::string>{{"p2", "DOWN"}}));
  EXPECT_EQ(t.Alive("h2"), false);
}

TEST(WiredPortsTest, VifsDhcpRouterLegsGatewaysAndFipGateways) {
  state::HostState s;
  s.ports.push_back({.id = "vif"});
  state::RouterInstance r;
  r.interfaces.push_back({.port_id = "leg"});
  r.gateway.port_id = "qg";
  s.routers.push_back(r);
  s.fip_gateways.push_back({.network_id = "ext", .port_id = "fg"});
  s.dhcp_servers.push_back({.network_id = "n", .port_id = "dhcp"});
  EXPECT_EQ(WiredPorts(s), (std::set<std::string>{"dhcp", "fg", "leg", "qg", "vif"}));
}

}  // namespace
}  // namespace isthmus::cloud
