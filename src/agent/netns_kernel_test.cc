#include "agent/netns_kernel.h"

#include <gtest/gtest.h>

namespace isthmus::agent {
namespace {

TEST(NetnsKernel, SysctlNamesBecomeProcSysPaths) {
  EXPECT_EQ(*SysctlPath("net.ipv4.ip_forward"), "/proc/sys/net/ipv4/ip_forward");
  EXPECT_EQ(*SysctlPath("net.ipv4.conf.fg-0fa92575-c3.proxy_arp"), "/proc/sys/net/ipv4/conf/fg-0fa92575-c3/proxy_arp");
  for (const char* bad : {"", "net..ipv4", "net.ipv4.", ".net", "net.ipv4/../../etc.x", "net.ipv4.conf.a/b.x"})
    EXPECT_EQ(SysctlPath(bad).status().code(), Code::kInvalidArgument) << bad;
}

// Bad names are refused before anything touches the kernel.
TEST(NetnsKernel, BadNamespaceAndDeviceNamesAreRefused) {
  for (const char* bad : {"..", "a/b", "."}) {
    EXPECT_EQ(CreateNetns(bad).code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(DeleteNetns(bad).code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(RunInNetns(bad, [] { return Status::Ok(); }).code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(DisableTxChecksum("x", "a-device-name-too-long").code(), Code::kInvalidArgument);
  EXPECT_EQ(WriteSysctls("", {{"net..x", "1"}}).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace isthmus::agent
