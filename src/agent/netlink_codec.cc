#include "agent/netlink_codec.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <cstring>

namespace isthmus::agent {

namespace {

nlmsghdr* Start(NlRequest& req, uint16_t type, uint16_t flags) {
  std::memset(req.buf, 0, sizeof req.buf);
  req.nlh = mnl_nlmsg_put_header(req.buf);
  req.nlh->nlmsg_type = type;
  req.nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  return req.nlh;
}

template <typename Header>
Header* PutHeader(nlmsghdr* nlh) {
  return static_cast<Header*>(mnl_nlmsg_put_extra_header(nlh, sizeof(Header)));
}

uint32_t Be(Ipv4 ip) { return htonl(ip.v); }
Ipv4 FromBe(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return Ipv4{ntohl(v)};
}

// Calls f(attr) for each attribute after the family header at `offset`.
template <typename F>
void ForEachAttr(const nlmsghdr* nlh, size_t offset, F f) {
  if (nlh->nlmsg_len < NLMSG_HDRLEN + MNL_ALIGN(offset)) return;
  const char* end = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, offset));
       mnl_attr_ok(a, static_cast<int>(end - reinterpret_cast<const char*>(a))); a = mnl_attr_next(a))
    f(a);
}

uint16_t Type(const nlattr* a) { return mnl_attr_get_type(a); }
bool Is(const nlattr* a, uint16_t type, size_t len) {
  return Type(a) == type && mnl_attr_get_payload_len(a) >= len;
}

}  // namespace

void BuildDump(NlRequest& req, uint16_t type, uint8_t family) {
  nlmsghdr* nlh = Start(req, type, NLM_F_DUMP);
  // The full family header of each kind, zeroed but for the family.
  switch (type) {
    case RTM_GETLINK: PutHeader<ifinfomsg>(nlh)->ifi_family = family; break;
    case RTM_GETADDR: PutHeader<ifaddrmsg>(nlh)->ifa_family = family; break;
    case RTM_GETROUTE: PutHeader<rtmsg>(nlh)->rtm_family = family; break;
    case RTM_GETRULE: PutHeader<fib_rule_hdr>(nlh)->family = family; break;
    case RTM_GETNEIGH: PutHeader<ndmsg>(nlh)->ndm_family = family; break;
    default: PutHeader<rtgenmsg>(nlh)->rtgen_family = family;
  }
}

void BuildGetLink(NlRequest& req, const std::string& name) {
  nlmsghdr* nlh = Start(req, RTM_GETLINK, NLM_F_ACK);  // the link, then an ack
  PutHeader<ifinfomsg>(nlh)->ifi_family = AF_UNSPEC;
  mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
}

void BuildNewVeth(NlRequest& req, const std::string& name, const std::string& peer, int peer_ns_fd) {
  nlmsghdr* nlh = Start(req, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  PutHeader<ifinfomsg>(nlh)->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  nlattr* peer_attr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  // The peer's own ifinfomsg, then its attributes.
  std::memset(mnl_nlmsg_get_payload_tail(nlh), 0, sizeof(ifinfomsg));
  nlh->nlmsg_len += MNL_ALIGN(sizeof(ifinfomsg));
  mnl_attr_put_strz(nlh, IFLA_IFNAME, peer.c_str());
  if (peer_ns_fd >= 0) mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, static_cast<uint32_t>(peer_ns_fd));
  mnl_attr_nest_end(nlh, peer_attr);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, info);
}

void BuildSetLink(NlRequest& req, const std::string& name, const LinkSettings& s) {
  nlmsghdr* nlh = Start(req, RTM_NEWLINK, NLM_F_ACK);
  auto* ifi = PutHeader<ifinfomsg>(nlh);
  ifi->ifi_family = AF_UNSPEC;
  if (s.up) {
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
  }
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  if (s.mac) mnl_attr_put(nlh, IFLA_ADDRESS, 6, s.mac->b.data());
  if (s.mtu > 0) mnl_attr_put_u32(nlh, IFLA_MTU, static_cast<uint32_t>(s.mtu));
}

void BuildDelLink(NlRequest& req, const std::string& name) {
  nlmsghdr* nlh = Start(req, RTM_DELLINK, NLM_F_ACK);
  PutHeader<ifinfomsg>(nlh)->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
}

void BuildAddress(NlRequest& req, uint16_t type, const LinkAddress& a) {
  uint16_t flags = NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_REPLACE : 0);
  nlmsghdr* nlh = Start(req, type, flags);
  auto* ifa = PutHeader<ifaddrmsg>(nlh);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = static_cast<uint8_t>(a.addr.prefix_len);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<uint32_t>(a.ifindex);
  mnl_attr_put_u32(nlh, IFA_LOCAL, Be(a.addr.ip));
  mnl_attr_put_u32(nlh, IFA_ADDRESS, Be(a.addr.ip));
}

void BuildRoute(NlRequest& req, uint16_t type, const Route& r) {
  uint16_t flags = NLM_F_ACK | (type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_REPLACE : 0);
  nlmsghdr* nlh = Start(req, type, flags);
  auto* rtm = PutHeader<rtmsg>(nlh);
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = static_cast<uint8_t>(r.dst.prefix_len);
  rtm->rtm_table = r.table < 256 ? static_cast<uint8_t>(r.table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  rtm->rtm_protocol = r.protocol;
  // A route via a gateway is universe scope; one without is on the link.
  rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE
                                        : (r.gateway.v != 0 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put_u32(nlh, RTA_TABLE, r.table);
  if (r.dst.prefix_len > 0) mnl_attr_put_u32(nlh, RTA_DST, Be(r.dst.network));
  if (r.gateway.v != 0) mnl_attr_put_u32(nlh, RTA_GATEWAY, Be(r.gateway));
  if (r.ifindex > 0) mnl_attr_put_u32(nlh, RTA_OIF, static_cast<uint32_t>(r.ifindex));
}

void BuildNewRule(NlRequest& req, const Rule& r) {
  nlmsghdr* nlh = Start(req, RTM_NEWRULE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  auto* frh = PutHeader<fib_rule_hdr>(nlh);
  frh->family = AF_INET;
  frh->src_len = static_cast<uint8_t>(r.src.prefix_len);
  frh->table = r.table < 256 ? static_cast<uint8_t>(r.table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  frh->action = FR_ACT_TO_TBL;
  mnl_attr_put_u32(nlh, FRA_PRIORITY, r.priority);
  mnl_attr_put_u32(nlh, FRA_TABLE, r.table);
  if (r.src.prefix_len > 0) mnl_attr_put_u32(nlh, FRA_SRC, Be(r.src.network));
}

void BuildDelRule(NlRequest& req, uint32_t priority) {
  nlmsghdr* nlh = Start(req, RTM_DELRULE, NLM_F_ACK);
  auto* frh = PutHeader<fib_rule_hdr>(nlh);
  frh->family = AF_INET;
  frh->action = FR_ACT_UNSPEC;  // any action: the rule of this priority
  mnl_attr_put_u32(nlh, FRA_PRIORITY, priority);
}

void BuildNeighbor(NlRequest& req, uint16_t type, const Neighbor& n) {
  uint16_t flags = NLM_F_ACK | (type == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_REPLACE : 0);
  nlmsghdr* nlh = Start(req, type, flags);
  auto* ndm = PutHeader<ndmsg>(nlh);
  ndm->ndm_family = AF_INET;
  ndm->ndm_ifindex = n.ifindex;
  if (type == RTM_NEWNEIGH) ndm->ndm_state = NUD_PERMANENT;
  mnl_attr_put_u32(nlh, NDA_DST, Be(n.ip));
  if (type == RTM_NEWNEIGH) mnl_attr_put(nlh, NDA_LLADDR, 6, n.mac.b.data());
}

std::optional<Link> ParseLink(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(ifinfomsg)) return std::nullopt;
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  Link l;
  l.index = ifi->ifi_index;
  l.up = (ifi->ifi_flags & IFF_UP) != 0;
  ForEachAttr(nlh, sizeof(ifinfomsg), [&](const nlattr* a) {
    if (Type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) l.name = mnl_attr_get_str(a);
    else if (Is(a, IFLA_MTU, 4)) l.mtu = static_cast<int>(mnl_attr_get_u32(a));
    else if (Is(a, IFLA_ADDRESS, 6) && mnl_attr_get_payload_len(a) == 6)
      std::memcpy(l.mac.b.data(), mnl_attr_get_payload(a), 6);
  });
  if (l.name.empty()) return std::nullopt;
  return l;
}

std::optional<LinkAddress> ParseAddress(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(ifaddrmsg)) return std::nullopt;
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  if (ifa->ifa_family != AF_INET) return std::nullopt;
  LinkAddress out;
  out.ifindex = static_cast<int>(ifa->ifa_index);
  out.addr.prefix_len = ifa->ifa_prefixlen;
  bool local = false, address = false;
  ForEachAttr(nlh, sizeof(ifaddrmsg), [&](const nlattr* a) {
    if (Is(a, IFA_LOCAL, 4)) {
      out.addr.ip = FromBe(mnl_attr_get_payload(a));
      local = true;
    } else if (Is(a, IFA_ADDRESS, 4) && !local) {
      out.addr.ip = FromBe(mnl_attr_get_payload(a));
      address = true;
    }
  });
  if (!local && !address) return std::nullopt;
  return out;
}

std::optional<Route> ParseRoute(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(rtmsg)) return std::nullopt;
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_family != AF_INET || rtm->rtm_type != RTN_UNICAST) return std::nullopt;
  Route r;
  r.dst.prefix_len = rtm->rtm_dst_len;
  r.table = rtm->rtm_table;
  r.protocol = rtm->rtm_protocol;
  ForEachAttr(nlh, sizeof(rtmsg), [&](const nlattr* a) {
    if (Is(a, RTA_TABLE, 4)) r.table = mnl_attr_get_u32(a);
    else if (Is(a, RTA_DST, 4)) r.dst.network = FromBe(mnl_attr_get_payload(a));
    else if (Is(a, RTA_GATEWAY, 4)) r.gateway = FromBe(mnl_attr_get_payload(a));
    else if (Is(a, RTA_OIF, 4)) r.ifindex = static_cast<int>(mnl_attr_get_u32(a));
  });
  return r;
}

std::optional<Rule> ParseRule(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWRULE || mnl_nlmsg_get_payload_len(nlh) < sizeof(fib_rule_hdr)) return std::nullopt;
  const auto* frh = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(nlh));
  if (frh->family != AF_INET || frh->action != FR_ACT_TO_TBL) return std::nullopt;
  Rule r;
  r.table = frh->table;
  r.src.prefix_len = frh->src_len;
  ForEachAttr(nlh, sizeof(fib_rule_hdr), [&](const nlattr* a) {
    if (Is(a, FRA_PRIORITY, 4)) r.priority = mnl_attr_get_u32(a);
    else if (Is(a, FRA_TABLE, 4)) r.table = mnl_attr_get_u32(a);
    else if (Is(a, FRA_SRC, 4)) r.src.network = FromBe(mnl_attr_get_payload(a));
  });
  return r;
}

std::optional<Neighbor> ParseNeighbor(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWNEIGH || mnl_nlmsg_get_payload_len(nlh) < sizeof(ndmsg)) return std::nullopt;
  const auto* ndm = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(nlh));
  if (ndm->ndm_family != AF_INET) return std::nullopt;
  Neighbor n;
  n.ifindex = ndm->ndm_ifindex;
  n.permanent = (ndm->ndm_state & NUD_PERMANENT) != 0;
  bool dst = false;
  ForEachAttr(nlh, sizeof(ndmsg), [&](const nlattr* a) {
    if (Is(a, NDA_DST, 4)) {
      n.ip = FromBe(mnl_attr_get_payload(a));
      dst = true;
    } else if (Is(a, NDA_LLADDR, 6) && mnl_attr_get_payload_len(a) == 6) {
      std::memcpy(n.mac.b.data(), mnl_attr_get_payload(a), 6);
    }
  });
  if (!dst) return std::nullopt;
  return n;
}

NlError ParseError(const nlmsghdr* nlh) {
  NlError out;
  if (nlh->nlmsg_type == NLMSG_DONE) {
    // A dump's end carries an int: 0, or the dump's error.
    if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
      int e;
      std::memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof e);
      out.error = -e;
    }
    if (out.error == 0) return out;
    ForEachAttr(nlh, sizeof(int), [&](const nlattr* a) {
      if (Type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
        out.message = mnl_attr_get_str(a);
    });
    return out;
  }
  if (nlh->nlmsg_type != NLMSG_ERROR || mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) {
    out.error = EBADMSG;
    return out;
  }
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  out.error = -err->error;
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return out;
  // The request follows the header unless the socket asked for it capped.
  size_t offset = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && err->msg.nlmsg_len >= NLMSG_HDRLEN)
    offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
  ForEachAttr(nlh, offset, [&](const nlattr* a) {
    if (Type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
      out.message = mnl_attr_get_str(a);
  });
  return out;
}

}  // namespace isthmus::agent
