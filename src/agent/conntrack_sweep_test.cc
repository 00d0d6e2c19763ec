#include "agent/conntrack_sweep.h"

#include <gtest/gtest.h>

#include "state/host_state_test_util.h"

namespace isthmus::agent {
namespace {

// As OVS 3.1's dpctl/dump-conntrack prints them.
const char kDump[] =
    "tcp,orig=(src=10.0.3.11,dst=10.0.4.14,sport=53740,dport=9000),reply=(src=10.0.4.14,dst=10.0.3.11,"
    "sport=9000,dport=53740),zone=5,protoinfo=(state=ESTABLISHED)\n"
    "icmp,orig=(src=10.0.4.14,dst=10.0.3.11,id=4660,type=8,code=0),reply=(src=10.0.3.11,dst=10.0.4.14,"
    "id=4660,type=0,code=0),zone=5\n"
    "tcp,orig=(src=198.51.100.10,dst=10.0.3.11,sport=40000,dport=8080),reply=(src=10.0.3.11,"
    "dst=198.51.100.10,sport=8080,dport=40000),zone=5,protoinfo=(state=ESTABLISHED)\n"
    "garbage line\n";

state::HostState Instance1(std::vector<state::SecurityRule> rules) {
  state::HostState s = state::C1H1Base(1);
  s.ports = {{"p1", "net3", "fa:16:3e:00:00:01", {"10.0.3.11"}, true, {}, {"g"}}};
  s.security_groups = {{"g", std::move(rules)}};
  return s;
}

TEST(ConntrackSweep, ParsesTheDump) {
  auto conns = ParseConntrackDump(kDump);
  ASSERT_EQ(conns.size(), 3u);
  EXPECT_EQ(conns[0].protocol, 6);
  EXPECT_EQ(conns[0].src, "10.0.3.11");
  EXPECT_EQ(conns[0].dport, 9000);
  EXPECT_EQ(conns[1].protocol, 1);
  EXPECT_EQ(conns[1].icmp_type, 8);
  EXPECT_EQ(FlushTuple(conns[0]),
            "ct_nw_src=10.0.3.11,ct_nw_dst=10.0.4.14,ct_nw_proto=6,ct_tp_src=53740,ct_tp_dst=9000");
  EXPECT_EQ(FlushTuple(conns[1]), "ct_nw_src=10.0.4.14,ct_nw_dst=10.0.3.11,ct_nw_proto=1,icmp_id=4660,icmp_type=8,icmp_code=0");
}

TEST(ConntrackSweep, OnlyWhatNoRuleAllowsAnyMoreIsDeleted) {
  auto conns = ParseConntrackDump(kDump);
  // Egress anywhere, ICMP from the group's members, HTTP from anywhere: all allowed.
  auto s = Instance1({{"e", "egress"},
                      {"i", "ingress", 1, -1, -1, "", "g", {"10.0.4.14/32"}},
                      {"h", "ingress", 6, 8080, 8080}});
  for (const auto& c : conns) EXPECT_TRUE(ConnectionAllowed(c, s.ports[0], s)) << FlushTuple(c);
  // The HTTP rule now only from 10.0.0.0/8, the member left the group, egress only to 8.8.8.8.
  s = Instance1({{"e", "egress", -1, -1, -1, "8.8.8.8/32"},
                 {"i", "ingress", 1, -1, -1, "", "g", {}},
                 {"h", "ingress", 6, 8080, 8080, "10.0.0.0/8"}});
  for (const auto& c : conns) EXPECT_FALSE(ConnectionAllowed(c, s.ports[0], s)) << FlushTuple(c);
}

TEST(ConntrackSweep, TheDigestChangesWithTheRulesOnly) {
  auto a = Instance1({{"e", "egress"}});
  auto b = a;
  b.revision = 9;
  EXPECT_EQ(RulesDigest(a.ports[0], a), RulesDigest(b.ports[0], b));
  b.security_groups[0].rules[0].protocol = 6;
  EXPECT_NE(RulesDigest(a.ports[0], a), RulesDigest(b.ports[0], b));
}

}  // namespace
}  // namespace isthmus::agent
