#include "agent/ovsdb_monitor.h"

#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "agent/ovsdb_test_server.h"

namespace isthmus::agent {
namespace {

TEST(JsonStreamSplitter, SplitsBackToBackMessagesAcrossReads) {
  JsonStreamSplitter s;
  std::string text;
  s.Feed(R"({"id":1,"s":"a}b{"})");
  s.Feed(R"({"id":2,"e":"q\"}"}{"id")");
  ASSERT_TRUE(s.Next(&text));
  EXPECT_EQ(text, R"({"id":1,"s":"a}b{"})");
  ASSERT_TRUE(s.Next(&text));
  EXPECT_EQ(text, R"({"id":2,"e":"q\"}"})");
  EXPECT_FALSE(s.Next(&text));
  s.Feed(R"(:3})");
  ASSERT_TRUE(s.Next(&text));
  EXPECT_EQ(text, R"({"id":3})");
}

TEST(ApplyInterfaceUpdate, AddsUpdatesAndDeletesRows) {
  std::map<std::string, OvsInterface> rows;
  auto insert = nlohmann::json::parse(R"({
    "u1": {"new": {"name": "t-vm1", "ofport": ["set", []],
                   "external_ids": ["map", [["iface-id", "p1"], ["attached-mac", "x"]]]}},
    "u2": {"new": {"name": "patch-tun", "ofport": 1, "external_ids": ["map", []]}}})");
  ApplyInterfaceUpdate(insert, &rows);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows["u1"].iface_id, "p1");
  EXPECT_EQ(rows["u1"].ofport, -1);
  EXPECT_EQ(rows["u2"].ofport, 1);
  ApplyInterfaceUpdate(nlohmann::json::parse(R"({"u1": {"old": {"ofport": ["set", []]},
    "new": {"name": "t-vm1", "ofport": 7, "external_ids": ["map", [["iface-id", "p1"]]]}}})"),
                       &rows);
  EXPECT_EQ(rows["u1"].ofport, 7);
  ApplyInterfaceUpdate(nlohmann::json::parse(R"({"u2": {"old": {"name": "patch-tun"}}})"), &rows);
  EXPECT_EQ(rows.count("u2"), 0u);
}


// A monitor on a real ovsdb-server: what it reports as interfaces come, get a
// number and an iface-id, and go; a server restart; Stop() while it waits.
class OvsdbMonitorTest : public OvsdbServerTest {
 protected:
  void StartMonitor() {
    monitor_ = std::make_unique<OvsdbMonitor>(
        "unix:" + sock_,
        [this](const InterfaceTable& t) {
          std::lock_guard<std::mutex> lock(mu_);
          table_ = t;
          ++updates_;
          cv_.notify_all();
        },
        [this] {
          std::lock_guard<std::mutex> lock(mu_);
          ++reconnects_;
          cv_.notify_all();
        });
    monitor_->Start();
  }
  // Waits (10 s at most) until `done` holds for the last table reported.
  bool WaitFor(const std::function<bool(const InterfaceTable&)>& done) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return done(table_); });
  }
  void TearDown() override {
    if (monitor_) monitor_->Stop();
    OvsdbServerTest::TearDown();
  }

  std::unique_ptr<OvsdbMonitor> monitor_;
  std::mutex mu_;
  std::condition_variable cv_;
  InterfaceTable table_;
  int updates_ = 0, reconnects_ = 0;
};

TEST_F(OvsdbMonitorTest, ReportsInterfacesAsTheyComeAreNumberedAndGo) {
  ASSERT_TRUE(Vsctl({"--no-wait", "add-br", "br-int"}).ok());
  StartMonitor();
  ASSERT_TRUE(WaitFor([](const InterfaceTable& t) { return t.count("br-int") == 1; }));
  ASSERT_TRUE(Vsctl({"--no-wait", "add-port", "br-int", "vif1", "--", "set", "interface", "vif1",
                     "external_ids:iface-id=port-1"})
                  .ok());
  ASSERT_TRUE(WaitFor([](const InterfaceTable& t) { return t.count("vif1") && t.at("vif1").iface_id == "port-1"; }));
  {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(table_.at("vif1").ofport, -1);  // no vswitchd: not numbered yet
  }
  // vswitchd's part: the number it gives the port.
  auto set = Transact({{{"op", "update"}, {"table", "Interface"}, {"where", {{"name", "==", "vif1"}}},
                        {"row", {{"ofport", 7}}}}});
  ASSERT_TRUE(set.ok()) << set.status().message();
  ASSERT_TRUE(WaitFor([](const InterfaceTable& t) { return t.count("vif1") && t.at("vif1").ofport == 7; }));
  ASSERT_TRUE(Vsctl({"--no-wait", "del-port", "br-int", "vif1"}).ok());
  ASSERT_TRUE(WaitFor([](const InterfaceTable& t) { return !t.count("vif1") && t.count("br-int"); }));
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(reconnects_, 0);
}

TEST_F(OvsdbMonitorTest, ConnectsAgainWhenTheServerComesBackAndStopsWhileWaiting) {
  ASSERT_TRUE(Vsctl({"--no-wait", "add-br", "br-int"}).ok());
  StartMonitor();
  ASSERT_TRUE(WaitFor([](const InterfaceTable& t) { return t.count("br-int") == 1; }));
  StopServer();
  StartServer();
  {
    std::unique_lock<std::mutex> lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(10), [&] { return reconnects_ == 1; }));
  }
  ASSERT_TRUE(Vsctl({"--no-wait", "add-port", "br-int", "vif2"}).ok());
  ASSERT_TRUE(WaitFor([](const InterfaceTable& t) { return t.count("vif2") == 1; }));
  monitor_->Stop();  // returns although the monitor waits on the server with no deadline
  monitor_.reset();
}

}  // namespace
}  // namespace isthmus::agent
