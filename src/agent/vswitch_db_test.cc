#include "agent/vswitch_db.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/jsonrpc_socket.h"
#include "common/process.h"

namespace isthmus::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A real ovsdb-server with Open vSwitch's schema in a temporary directory (no
// root, no ovs-vswitchd); ovs-vsctl reads what the writer wrote.
class VswitchDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kSchema) || access("/usr/sbin/ovsdb-server", X_OK) != 0)
      GTEST_SKIP() << "Open vSwitch is not installed";
    char tmpl[] = "/tmp/isthmus-vswitchdb.XXXXXX";
    dir_ = mkdtemp(tmpl);
    sock_ = dir_ + "/db.sock";
    ASSERT_TRUE(runner_.Check({{"ovsdb-tool", "create", dir_ + "/conf.db", kSchema}}).ok());
    ASSERT_TRUE(runner_.Check({{"ovsdb-server", dir_ + "/conf.db", "--remote=punix:" + sock_, "--pidfile=" + dir_ + "/pid",
                                "--unixctl=" + dir_ + "/ctl", "--detach", "--log-file=" + dir_ + "/log"}})
                    .ok());
    ASSERT_TRUE(Vsctl({"--no-wait", "init"}).ok());
  }
  void TearDown() override {
    if (dir_.empty()) return;
    StopFakeVswitchd();
    (void)runner_.Run({{"ovs-appctl", "-t", dir_ + "/ctl", "exit"}});
    // ovsdb-server removes its pid file as it exits, after answering.
    for (int i = 0; i < 200 && fs::exists(dir_ + "/pid"); ++i) std::this_thread::sleep_for(10ms);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  Result<std::string> Vsctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"ovs-vsctl", "--db=unix:" + sock_, "--timeout=5"});
    auto out = runner_.Check({args});
    if (!out.ok()) return out.status();
    std::string s = *out;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  std::string Get(std::vector<std::string> args) {
    args.insert(args.begin(), "get");
    auto r = Vsctl(args);
    return r.ok() ? *r : "ERROR " + r.status().message();
  }

  // Plays ovs-vswitchd's part of the handshake: cur_cfg follows next_cfg.
  void StartFakeVswitchd() {
    fake_ = std::thread([this] {
      auto socket = JsonRpcSocket::Connect(sock_, "test");
      if (!socket.ok()) return;
      while (!stop_fake_) {
        auto deadline = std::chrono::steady_clock::now() + 2s;
        auto r = socket->Call("transact", {"Open_vSwitch", {{"op", "select"}, {"table", "Open_vSwitch"}, {"where", nlohmann::json::array()}, {"columns", {"next_cfg", "cur_cfg"}}}}, deadline);
        if (r.ok() && !(*r)[0]["rows"].empty()) {
          auto row = (*r)[0]["rows"][0];
          if (row["cur_cfg"] != row["next_cfg"])
            (void)socket->Call("transact", {"Open_vSwitch", {{"op", "update"}, {"table", "Open_vSwitch"}, {"where", nlohmann::json::array()}, {"row", {{"cur_cfg", row["next_cfg"]}}}}}, deadline);
        }
        std::this_thread::sleep_for(5ms);
      }
    });
  }
  void StopFakeVswitchd() {
    stop_fake_ = true;
    if (fake_.joinable()) fake_.join();
  }
  VswitchDb Db(bool wait = false, std::chrono::milliseconds timeout = 5000ms) { return VswitchDb(sock_, timeout, wait); }

  static constexpr char kSchema[] = "/usr/share/openvswitch/vswitch.ovsschema";
  SystemRunner runner_{10000};
  std::string dir_, sock_;
  std::thread fake_;
  std::atomic<bool> stop_fake_{false};
};

TEST_F(VswitchDbTest, MakesBridgesAndPortsAsOvsVsctlSeesThem) {
  VswitchDb db = Db();
  ASSERT_TRUE(db.EnsureBridges({{"br-int", "netdev", "secure", {"OpenFlow10", "OpenFlow14"}},
                                {"br-ex", "netdev", "standalone", {}}})
                  .ok());
  EXPECT_EQ(*Vsctl({"list-br"}), "br-ex\nbr-int");
  EXPECT_EQ(Get({"bridge", "br-int", "datapath_type", "fail_mode", "protocols"}),
            "netdev\nsecure\n[OpenFlow10, OpenFlow14]");
  EXPECT_EQ(Get({"bridge", "br-ex", "fail_mode"}), "standalone");
  EXPECT_EQ(Get({"interface", "br-int", "type"}), "internal");  // the bridge's own port

  ASSERT_TRUE(db.EnsurePorts("br-int", {{"patch-tun", "patch", {{"peer", "patch-int"}}, {}},
                                        {"qp-abc", "", {}, {{"iface-id", "port-1"}}}})
                  .ok());
  EXPECT_EQ(*Vsctl({"list-ports", "br-int"}), "patch-tun\nqp-abc");
  EXPECT_EQ(Get({"interface", "patch-tun", "type", "options"}), "patch\n{peer=patch-int}");
  EXPECT_EQ(Get({"interface", "qp-abc", "external_ids"}), "{iface-id=port-1}");

  ASSERT_TRUE(db.EnsurePorts("br-ex", {{"vx0a000002", "vxlan", {{"remote_ip", "10.0.0.2"}, {"key", "flow"}}, {}}}).ok());
  EXPECT_EQ(Get({"interface", "vx0a000002", "type", "options"}), "vxlan\n{key=flow, remote_ip=\"10.0.0.2\"}");
}

TEST_F(VswitchDbTest, WritesOnlyWhatDiffersAndKeepsOtherKeys) {
  StartFakeVswitchd();
  VswitchDb db = Db(/*wait=*/true);
  ASSERT_TRUE(db.EnsureBridges({{"br-int", "netdev", "secure", {"OpenFlow14"}}}).ok());
  ASSERT_TRUE(db.EnsurePorts("br-int", {{"qp-abc", "", {}, {{"iface-id", "port-1"}}}}).ok());
  ASSERT_TRUE(Vsctl({"--no-wait", "set", "interface", "qp-abc", "external_ids:owner=someone"}).ok());
  const std::string cfg = Get({"open_vswitch", ".", "next_cfg"});

  // The same again: nothing written, next_cfg not bumped.
  ASSERT_TRUE(db.EnsureBridges({{"br-int", "netdev", "secure", {"OpenFlow14"}}}).ok());
  ASSERT_TRUE(db.EnsurePorts("br-int", {{"qp-abc", "", {}, {{"iface-id", "port-1"}}}}).ok());
  EXPECT_EQ(Get({"open_vswitch", ".", "next_cfg"}), cfg);

  // A changed key is replaced, the others stay; a changed bridge column is updated.
  ASSERT_TRUE(db.EnsurePorts("br-int", {{"qp-abc", "", {}, {{"iface-id", "port-2"}}}}).ok());
  EXPECT_EQ(Get({"interface", "qp-abc", "external_ids"}), "{iface-id=port-2, owner=someone}");
  ASSERT_TRUE(db.EnsureBridges({{"br-int", "netdev", "standalone", {"OpenFlow13", "OpenFlow14"}}}).ok());
  EXPECT_EQ(Get({"bridge", "br-int", "fail_mode", "protocols"}), "standalone\n[OpenFlow13, OpenFlow14]");
  EXPECT_NE(Get({"open_vswitch", ".", "next_cfg"}), cfg);
  EXPECT_EQ(Get({"open_vswitch", ".", "next_cfg"}), Get({"open_vswitch", ".", "cur_cfg"}));
}

TEST_F(VswitchDbTest, DeletesPortsAndTheirInterfaces) {
  VswitchDb db = Db();
  ASSERT_TRUE(db.EnsureBridges({{"br-tun", "netdev", "secure", {}}}).ok());
  ASSERT_TRUE(db.EnsurePorts("br-tun", {{"vx1", "vxlan", {{"remote_ip", "10.0.0.1"}}, {}},
                                        {"vx2", "vxlan", {{"remote_ip", "10.0.0.2"}}, {}}})
                  .ok());
  ASSERT_TRUE(db.DeletePorts("br-tun", {"vx1", "not-there"}).ok());
  EXPECT_EQ(*Vsctl({"list-ports", "br-tun"}), "vx2");
  EXPECT_FALSE(Vsctl({"get", "interface", "vx1", "type"}).ok());  // collected with its port
  ASSERT_TRUE(db.DeletePorts("br-tun", {"vx1"}).ok());             // already gone: no error
  ASSERT_TRUE(db.DeletePorts("no-such-bridge", {"vx2"}).ok());
  EXPECT_EQ(*Vsctl({"list-ports", "br-tun"}), "vx2");
}

TEST_F(VswitchDbTest, RefusesAPortOfAnotherBridgeAndChangesNothing) {
  VswitchDb db = Db();
  ASSERT_TRUE(db.EnsureBridges({{"br-int", "netdev", "secure", {}}, {"br-tun", "netdev", "secure", {}}}).ok());
  ASSERT_TRUE(db.EnsurePorts("br-int", {{"p1", "", {}, {{"iface-id", "a"}}}}).ok());
  Status st = db.EnsurePorts("br-tun", {{"p2", "", {}, {}}, {"p1", "", {}, {{"iface-id", "b"}}}});
  EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.message();
  EXPECT_NE(st.message().find("p1 is on another bridge"), std::string::npos) << st.message();
  EXPECT_EQ(*Vsctl({"list-ports", "br-tun"}), "");
  EXPECT_EQ(Get({"interface", "p1", "external_ids"}), "{iface-id=a}");
  EXPECT_EQ(db.EnsurePorts("br-nope", {{"p3", "", {}, {}}}).code(), Code::kUnavailable);
}

TEST_F(VswitchDbTest, WaitsForVswitchdToApplyAndFailsWithoutIt) {
  VswitchDb db = Db(/*wait=*/true, 300ms);
  Status st = db.EnsureBridges({{"br-int", "netdev", "secure", {}}});
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_NE(st.message().find("ovs-vswitchd did not apply"), std::string::npos) << st.message();
  StartFakeVswitchd();
  EXPECT_TRUE(db.EnsurePorts("br-int", {{"p1", "", {}, {}}}).ok());
  EXPECT_EQ(Get({"open_vswitch", ".", "next_cfg"}), Get({"open_vswitch", ".", "cur_cfg"}));
}

}  // namespace
}  // namespace isthmus::agent
