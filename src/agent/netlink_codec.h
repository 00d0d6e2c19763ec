// rtnetlink (NETLINK_ROUTE) messages as typed values, with no socket: the
// requests the agent sends (links and veths, addresses, routes, policy rules,
// neighbours) built into a buffer with libmnl, and the kernel's answers (dump
// entries, errors with their extended-ack text) parsed back.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <string>

#include "common/net.h"

namespace isthmus::agent {

inline constexpr uint32_t kMainTable = 254;   // RT_TABLE_MAIN
inline constexpr uint8_t kProtoBoot = 3;      // RTPROT_BOOT: what `ip route` marks by default
inline constexpr uint8_t kProtoStatic = 4;    // RTPROT_STATIC: `proto static`

struct Link {
  int index = 0;
  std::string name;
  Mac mac;
  int mtu = 0;
  bool up = false;
};

// What SetLink changes: the MAC and MTU when given, and the link brought up.
struct LinkSettings {
  std::optional<Mac> mac;
  int mtu = 0;  // 0: left as is
  bool up = true;
};

// An IPv4 unicast route. gateway 0.0.0.0: none (on-link through ifindex).
struct Route {
  Cidr dst;
  Ipv4 gateway;
  int ifindex = 0;
  uint32_t table = kMainTable;
  uint8_t protocol = kProtoBoot;
  bool operator==(const Route&) const = default;
};

// A policy rule `priority P from SRC lookup TABLE`.
struct Rule {
  uint32_t priority = 0;
  Cidr src;
  uint32_t table = 0;
  bool operator==(const Rule&) const = default;
  auto operator<=>(const Rule& o) const {
    if (auto c = priority <=> o.priority; c != 0) return c;
    if (auto c = src.network <=> o.src.network; c != 0) return c;
    if (auto c = src.prefix_len <=> o.src.prefix_len; c != 0) return c;
    return table <=> o.table;
  }
};

// An IPv4 neighbour (ARP entry); permanent ones are the agent's.
struct Neighbor {
  Ipv4 ip;
  Mac mac;
  int ifindex = 0;
  bool permanent = true;
  bool operator==(const Neighbor&) const = default;
};

// An address on a link.
struct LinkAddress {
  int ifindex = 0;
  IfaceAddress addr;
};

// A buffer one request is built in (every request of the agent fits).
struct NlRequest {
  alignas(nlmsghdr) char buf[4096];
  nlmsghdr* nlh = nullptr;
};

// Requests. Each fills `req` (flags NLM_F_REQUEST|NLM_F_ACK plus what the
// operation needs; the socket sets seq). peer_ns_fd: the namespace the veth's
// peer goes to (-1: the same one).
void BuildDump(NlRequest& req, uint16_t type, uint8_t family);
void BuildGetLink(NlRequest& req, const std::string& name);
void BuildNewVeth(NlRequest& req, const std::string& name, const std::string& peer, int peer_ns_fd);
void BuildSetLink(NlRequest& req, const std::string& name, const LinkSettings& s);
void BuildDelLink(NlRequest& req, const std::string& name);
// type: RTM_NEWADDR (replace) or RTM_DELADDR.
void BuildAddress(NlRequest& req, uint16_t type, const LinkAddress& a);
// type: RTM_NEWROUTE (replace) or RTM_DELROUTE.
void BuildRoute(NlRequest& req, uint16_t type, const Route& r);
void BuildNewRule(NlRequest& req, const Rule& r);
void BuildDelRule(NlRequest& req, uint32_t priority);
// type: RTM_NEWNEIGH (replace, permanent) or RTM_DELNEIGH (ip and ifindex only).
void BuildNeighbor(NlRequest& req, uint16_t type, const Neighbor& n);

// Answers (std::nullopt: a message of another kind or family, skipped).
std::optional<Link> ParseLink(const nlmsghdr* nlh);
std::optional<LinkAddress> ParseAddress(const nlmsghdr* nlh);
std::optional<Route> ParseRoute(const nlmsghdr* nlh);  // IPv4 unicast only
std::optional<Rule> ParseRule(const nlmsghdr* nlh);    // IPv4 `lookup` rules only
std::optional<Neighbor> ParseNeighbor(const nlmsghdr* nlh);

// An NLMSG_ERROR (or a dump's NLMSG_DONE): errno (positive, 0 = an ack) and
// the kernel's extended-ack message ("" when it gave none).
struct NlError {
  int error = 0;
  std::string message;
};
NlError ParseError(const nlmsghdr* nlh);

}  // namespace isthmus::agent
