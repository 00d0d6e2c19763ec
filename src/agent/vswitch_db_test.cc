#include "agent/vswitch_db.h"

#include <gtest/gtest.h>

#include "agent/ovsdb_test_server.h"

namespace isthmus::agent {
namespace {

using namespace std::chrono_literals;

class VswitchDbTest : public OvsdbServerTest {
 protected:
  VswitchDb Db(bool wait = false, std::chrono::milliseconds timeout = 5000ms) { return VswitchDb(sock_, timeout, wait); }
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
