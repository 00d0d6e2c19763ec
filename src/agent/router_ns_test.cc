#include "agent/router_ns.h"

#include <gtest/gtest.h>

namespace isthmus::agent {
namespace {

state::RouterInstance Router(const std::string& kind) {
  state::RouterInstance r;
  r.id = "d24258b9-ef46-4924-a8d3-e2dfac5a684e";
  r.kind = kind;
  r.distributed = kind != "legacy";
  r.floating_ips = {{"172.24.1.3", "10.0.3.11", "p1"}};
  return r;
}

TEST(NatTable, LegacyRouterNatsFloatingIpsThenEverythingElseOnItsGateway) {
  auto r = Router("legacy");
  r.gateway = {"0fa92575-c394", "ext", "fa:16:3e:00:00:01", "172.24.1.2", 24, "172.24.1.1", true};
  EXPECT_EQ(*NatTable(r),
            "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            ":POSTROUTING ACCEPT [0:0]\n"
            "-A PREROUTING -d 172.24.1.3/32 -j DNAT --to-destination 10.0.3.11\n"
            "-A POSTROUTING -s 10.0.3.11/32 -o qg-0fa92575-c3 -j SNAT --to-source 172.24.1.3\n"
            "-A POSTROUTING -o qg-0fa92575-c3 -j SNAT --to-source 172.24.1.2\n"
            "COMMIT\n");
  r.gateway.enable_snat = false;  // floating IPs still work
  EXPECT_EQ(NatTable(r)->find("--to-source 172.24.1.2"), std::string::npos);
  EXPECT_NE(NatTable(r)->find("--to-source 172.24.1.3"), std::string::npos);
}

TEST(NatTable, DvrRouterNatsFloatingIpsOnlyThroughItsFipLink) {
  auto r = Router("dvr");
  EXPECT_EQ(NatTable(r)->find("-A "), std::string::npos);  // no link yet: nothing
  r.fip_link = {"ext", "169.254.64.10", "169.254.64.11"};
  std::string t = *NatTable(r);
  EXPECT_NE(t.find("-A PREROUTING -i rfp-d24258b9-ef -d 172.24.1.3/32 -j DNAT --to-destination 10.0.3.11\n"),
            std::string::npos);
  EXPECT_NE(t.find("-A POSTROUTING -s 10.0.3.11/32 -o rfp-d24258b9-ef -j SNAT --to-source 172.24.1.3\n"),
            std::string::npos);
  EXPECT_EQ(t.find("qg-"), std::string::npos);  // SNAT is the network node's
}

TEST(NatTable, SnatInstanceSourceNatsToItsGateway) {
  state::RouterInstance r;
  r.id = "r";
  r.kind = "snat";
  r.gateway = {"9f00aa11-2222", "ext", "fa:16:3e:00:00:01", "172.24.2.2", 24, "172.24.2.1", true};
  EXPECT_NE(NatTable(r)->find("-A POSTROUTING -o qg-9f00aa11-22 -j SNAT --to-source 172.24.2.2\n"),
            std::string::npos);
}

// Defense in depth: a value that is not an address never reaches iptables-restore.
TEST(NatTable, RefusesValuesThatAreNotAddresses) {
  auto r = Router("legacy");
  r.gateway = {"0fa92575-c394", "ext", "fa:16:3e:00:00:01", "172.24.1.2", 24, "172.24.1.1", true};
  r.floating_ips[0].fixed_ip = "10.0.3.11\n-A PREROUTING -j ACCEPT";
  auto t = NatTable(r);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
  EXPECT_NE(t.status().message().find("fixed IP \"10.0.3.11\\n-A"), std::string::npos) << t.status().message();
  r = Router("legacy");
  r.gateway = {"0fa92575-c394", "ext", "fa:16:3e:00:00:01", "172.24.1.2 -j ACCEPT", 24, "172.24.1.1", true};
  EXPECT_FALSE(NatTable(r).ok());
  r = Router("dvr");
  r.id = "r 1";
  EXPECT_FALSE(NatTable(r).ok());
}

// Extra routes: each through the leg whose subnet holds its nexthop, marked
// proto static; those the kernel holds and the state no longer wants go first;
// one already there is written again (replace: idempotent), one no leg
// connects is left out, a bad value refuses the whole batch.
TEST(ExtraRoutes, ReplacesWantedRoutesAndDeletesStaleOnes) {
  auto r = Router("dvr");
  r.interfaces = {{"3a7c1f00-1111", "net3", "sub3", "fa:16:3e:00:00:01", "10.0.3.1", 24},
                  {"4b8d2e00-2222", "net4", "sub4", "fa:16:3e:00:00:02", "10.0.4.1", 24}};
  r.routes = {{"198.51.100.0/24", "10.0.4.14"}, {"203.0.113.7/32", "10.0.3.12"}, {"192.0.2.0/24", "10.9.0.1"}};
  std::string now = R"([{"dst":"198.51.100.0/24","gateway":"10.0.4.14","dev":"qr-4b8d2e00-22","protocol":"static"},
                        {"dst":"203.0.113.7","gateway":"10.0.3.99","dev":"qr-3a7c1f00-11","protocol":"static"},
                        {"dst":"default","gateway":"10.0.3.50","dev":"qr-3a7c1f00-11","protocol":"static"}])";
  EXPECT_EQ(*ExtraRoutesBatch(r, now),
            "route del 203.0.113.7 proto static\n"
            "route del default proto static\n"
            "route replace 198.51.100.0/24 via 10.0.4.14 dev qr-4b8d2e00-22 proto static\n"
            "route replace 203.0.113.7/32 via 10.0.3.12 dev qr-3a7c1f00-11 proto static\n");
  r.routes.clear();
  EXPECT_EQ(*ExtraRoutesBatch(r, "[]"), "");
  r.routes = {{"198.51.100.0/24 dev lo", "10.0.4.14"}};
  EXPECT_FALSE(ExtraRoutesBatch(r, "[]").ok());
  r.routes = {{"198.51.100.0/24", "10.0.4.14\nroute flush table main"}};
  EXPECT_FALSE(ExtraRoutesBatch(r, "[]").ok());
}

}  // namespace
}  // namespace isthmus::agent
