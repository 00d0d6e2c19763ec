#include "agent/netlink_codec.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <gtest/gtest.h>

#include <cstring>

namespace isthmus::agent {
namespace {

Cidr C(const std::string& s) { return *Cidr::Parse(s); }
Ipv4 Ip(const std::string& s) { return *Ipv4::Parse(s); }
Mac M(const std::string& s) { return *Mac::Parse(s); }

// A request is read back as the kernel's dump entry of the same object
// would be: the same header and attributes, type NEW*.
const nlmsghdr* AsDumpEntry(NlRequest& req, uint16_t type) {
  req.nlh->nlmsg_type = type;
  return req.nlh;
}

TEST(NetlinkCodec, RouteRoundTripsWithTableProtocolGatewayAndDevice) {
  NlRequest req;
  Route r{C("198.51.100.0/24"), Ip("10.0.4.14"), 7, 254, kProtoStatic};
  BuildRoute(req, RTM_NEWROUTE, r);
  EXPECT_EQ(req.nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
  auto back = ParseRoute(AsDumpEntry(req, RTM_NEWROUTE));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  // A table past 255 lives only in RTA_TABLE; a default route has no RTA_DST.
  Route d{Cidr{}, Ip("169.254.64.11"), 3, 1000, kProtoBoot};
  BuildRoute(req, RTM_NEWROUTE, d);
  EXPECT_EQ(static_cast<const rtmsg*>(mnl_nlmsg_get_payload(req.nlh))->rtm_table, RT_TABLE_UNSPEC);
  EXPECT_EQ(*ParseRoute(AsDumpEntry(req, RTM_NEWROUTE)), d);
  // A delete asks for no creation and matches any scope.
  BuildRoute(req, RTM_DELROUTE, d);
  EXPECT_EQ(req.nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
  EXPECT_EQ(static_cast<const rtmsg*>(mnl_nlmsg_get_payload(req.nlh))->rtm_scope, RT_SCOPE_NOWHERE);
}

TEST(NetlinkCodec, RuleNeighborAddressRoundTrip) {
  NlRequest req;
  Rule rule{50001, C("10.0.4.0/24"), 101};
  BuildNewRule(req, rule);
  EXPECT_EQ(req.nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  EXPECT_EQ(*ParseRule(AsDumpEntry(req, RTM_NEWRULE)), rule);
  BuildDelRule(req, 40000);
  auto del = ParseRule(AsDumpEntry(req, RTM_NEWRULE));
  EXPECT_FALSE(del);  // no action: not a lookup rule
  Neighbor n{Ip("10.0.3.11"), M("fa:16:3e:00:00:0b"), 9, true};
  BuildNeighbor(req, RTM_NEWNEIGH, n);
  EXPECT_EQ(static_cast<const ndmsg*>(mnl_nlmsg_get_payload(req.nlh))->ndm_state, NUD_PERMANENT);
  EXPECT_EQ(*ParseNeighbor(AsDumpEntry(req, RTM_NEWNEIGH)), n);
  LinkAddress a{4, *IfaceAddress::Parse("172.24.1.3/32")};
  BuildAddress(req, RTM_NEWADDR, a);
  auto back = ParseAddress(AsDumpEntry(req, RTM_NEWADDR));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->ifindex, 4);
  EXPECT_EQ(back->addr.ToString(), "172.24.1.3/32");
}

TEST(NetlinkCodec, SetLinkCarriesMacMtuAndUp) {
  NlRequest req;
  BuildSetLink(req, "qr-3a7c1f00-11", {M("fa:16:3e:00:00:01"), 1450, true});
  auto l = ParseLink(AsDumpEntry(req, RTM_NEWLINK));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->name, "qr-3a7c1f00-11");
  EXPECT_EQ(l->mac, M("fa:16:3e:00:00:01"));
  EXPECT_EQ(l->mtu, 1450);
  EXPECT_TRUE(l->up);
  EXPECT_EQ(req.nlh->nlmsg_flags & NLM_F_CREATE, 0);  // never makes a link
  // A get answers the link and no ack unless asked: the socket waits for one.
  BuildGetLink(req, "lo");
  EXPECT_EQ(req.nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
}

// The peer of a veth: IFLA_LINKINFO { KIND "veth", DATA { PEER { ifinfomsg,
// IFNAME, NET_NS_FD } } }.
TEST(NetlinkCodec, VethNestsItsPeerWithItsNamespace) {
  NlRequest req;
  BuildNewVeth(req, "qp-3a7c1f00-11", "qr-3a7c1f00-11", 42);
  std::string kind, peer;
  uint32_t fd = 0;
  const nlattr* a;
  for (a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(req.nlh, sizeof(ifinfomsg)));
       mnl_attr_ok(a, static_cast<int>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(req.nlh)) -
                                        reinterpret_cast<const char*>(a)));
       a = mnl_attr_next(a)) {
    if (mnl_attr_get_type(a) != IFLA_LINKINFO) continue;
    const nlattr* info = static_cast<const nlattr*>(mnl_attr_get_payload(a));
    const char* info_end = static_cast<const char*>(mnl_attr_get_payload(a)) + mnl_attr_get_payload_len(a);
    for (; mnl_attr_ok(info, static_cast<int>(info_end - reinterpret_cast<const char*>(info))); info = mnl_attr_next(info)) {
      if (mnl_attr_get_type(info) == IFLA_INFO_KIND) kind = mnl_attr_get_str(info);
      if (mnl_attr_get_type(info) != IFLA_INFO_DATA) continue;
      const auto* p = static_cast<const nlattr*>(mnl_attr_get_payload(info));
      ASSERT_EQ(mnl_attr_get_type(p), VETH_INFO_PEER);
      const char* pp = static_cast<const char*>(mnl_attr_get_payload(p)) + NLMSG_ALIGN(sizeof(ifinfomsg));
      const char* pend = static_cast<const char*>(mnl_attr_get_payload(p)) + mnl_attr_get_payload_len(p);
      for (auto* q = reinterpret_cast<const nlattr*>(pp); mnl_attr_ok(q, static_cast<int>(pend - reinterpret_cast<const char*>(q)));
           q = mnl_attr_next(q)) {
        if (mnl_attr_get_type(q) == IFLA_IFNAME) peer = mnl_attr_get_str(q);
        if (mnl_attr_get_type(q) == IFLA_NET_NS_FD) fd = mnl_attr_get_u32(q);
      }
    }
  }
  EXPECT_EQ(kind, "veth");
  EXPECT_EQ(peer, "qr-3a7c1f00-11");
  EXPECT_EQ(fd, 42u);
  EXPECT_EQ(ParseLink(AsDumpEntry(req, RTM_NEWLINK))->name, "qp-3a7c1f00-11");
}

// An error answer: errno and the kernel's extended-ack text, after the
// echoed request (or right after the header when capped).
TEST(NetlinkCodec, ErrorsCarryTheKernelsMessage) {
  alignas(nlmsghdr) char buf[512] = {};
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = NLMSG_ERROR;
  nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
  auto* err = static_cast<nlmsgerr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nlmsgerr)));
  err->error = -ENETUNREACH;
  err->msg.nlmsg_len = 64;  // the request's length: not echoed (capped)
  mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "Nexthop has invalid gateway");
  NlError e = ParseError(nlh);
  EXPECT_EQ(e.error, ENETUNREACH);
  EXPECT_EQ(e.message, "Nexthop has invalid gateway");
  err->error = 0;
  nlh->nlmsg_flags = 0;
  EXPECT_EQ(ParseError(nlh).error, 0);  // an ack
  EXPECT_EQ(ParseError(nlh).message, "");
}

}  // namespace
}  // namespace isthmus::agent
