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
// connects is left out, routes of other protocols are not ours, a bad value
// refuses the whole change.
TEST(ExtraRoutes, ReplacesWantedRoutesAndDeletesStaleOnes) {
  auto r = Router("dvr");
  r.interfaces = {{"3a7c1f00-1111", "net3", "sub3", "fa:16:3e:00:00:01", "10.0.3.1", 24},
                  {"4b8d2e00-2222", "net4", "sub4", "fa:16:3e:00:00:02", "10.0.4.1", 24}};
  r.routes = {{"198.51.100.0/24", "10.0.4.14"}, {"203.0.113.7/32", "10.0.3.12"}, {"192.0.2.0/24", "10.9.0.1"}};
  std::map<std::string, int> links = {{"lo", 1}, {"qr-3a7c1f00-11", 5}, {"qr-4b8d2e00-22", 6}};
  auto C = [](const char* s) { return *Cidr::Parse(s); };
  auto Ip = [](const char* s) { return *Ipv4::Parse(s); };
  std::vector<Route> now = {{C("198.51.100.0/24"), Ip("10.0.4.14"), 6, kMainTable, kProtoStatic},
                            {C("203.0.113.7/32"), Ip("10.0.3.99"), 5, kMainTable, kProtoStatic},
                            {C("0.0.0.0/0"), Ip("10.0.3.50"), 5, kMainTable, kProtoStatic},
                            {C("10.0.3.0/24"), Ipv4{}, 5, kMainTable, 2 /* kernel */}};
  auto changes = ExtraRouteChanges(r, now, links);
  ASSERT_TRUE(changes.ok()) << changes.status().message();
  EXPECT_EQ(changes->remove, (std::vector<Route>{now[1], now[2]}));
  EXPECT_EQ(changes->replace,
            (std::vector<Route>{{C("198.51.100.0/24"), Ip("10.0.4.14"), 6, kMainTable, kProtoStatic},
                                {C("203.0.113.7/32"), Ip("10.0.3.12"), 5, kMainTable, kProtoStatic}}));
  r.routes.clear();
  EXPECT_TRUE(ExtraRouteChanges(r, {}, links)->replace.empty());
  r.routes = {{"198.51.100.0/24 dev lo", "10.0.4.14"}};
  EXPECT_FALSE(ExtraRouteChanges(r, {}, links).ok());
  r.routes = {{"198.51.100.0/24", "10.0.4.14\nroute flush table main"}};
  EXPECT_FALSE(ExtraRouteChanges(r, {}, links).ok());
}

}  // namespace
}  // namespace isthmus::agent
