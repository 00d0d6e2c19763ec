// The agent's kernel state through rtnetlink, in-process (no `ip`): one
// NETLINK_ROUTE socket per network namespace, opened from a thread that joined
// the namespace (a socket stays in the namespace it was made in). Typed
// operations on links, veths, addresses, routes, policy rules and permanent
// neighbours; each is idempotent (replace, or a delete of what is gone
// already succeeds) and fails with the kernel's error and extended-ack text.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/netlink_codec.h"
#include "common/status.h"

struct mnl_socket;

namespace isthmus::agent {

class Rtnetlink {
 public:
  // A socket in namespace ns ("" = the caller's).
  [[nodiscard]] static Result<Rtnetlink> Open(const std::string& ns);
  Rtnetlink(Rtnetlink&& o) noexcept;
  Rtnetlink& operator=(Rtnetlink&& o) noexcept;
  Rtnetlink(const Rtnetlink&) = delete;
  Rtnetlink& operator=(const Rtnetlink&) = delete;
  ~Rtnetlink();

  // Links.
  Result<std::vector<Link>> Links();
  Result<std::optional<Link>> FindLink(const std::string& name);
  // The index of link `name`; NotFound when there is none.
  Result<int> LinkIndex(const std::string& name);
  // A veth pair: `name` here, `peer` in namespace peer_ns ("" = here too).
  Status AddVeth(const std::string& name, const std::string& peer, const std::string& peer_ns);
  Status SetLink(const std::string& name, const LinkSettings& s);
  Status DeleteLink(const std::string& name);  // none by that name: done

  // IPv4 addresses of link ifindex.
  Result<std::vector<IfaceAddress>> Addresses(int ifindex);
  Status ReplaceAddress(int ifindex, const IfaceAddress& a);
  Status DeleteAddress(int ifindex, const IfaceAddress& a);  // not there: done

  // IPv4 unicast routes of a table (any protocol); table 0: of every table.
  Result<std::vector<Route>> Routes(uint32_t table);
  Status ReplaceRoute(const Route& r);
  Status DeleteRoute(const Route& r);  // not there: done
  // Deletes every route of these tables (one dump; empty tables are done already).
  Status FlushTables(const std::set<uint32_t>& tables);

  Result<std::vector<Rule>> Rules();
  Status AddRule(const Rule& r);                 // there already: done
  Status DeleteRule(uint32_t priority);          // none of that priority: done

  Result<std::vector<Neighbor>> Neighbors();     // IPv4, any state
  Status ReplaceNeighbor(const Neighbor& n);     // permanent
  Status DeleteNeighbor(Ipv4 ip, int ifindex);   // not there: done

 private:
  Rtnetlink(mnl_socket* nl, std::string ns) : nl_(nl), ns_(std::move(ns)) {}
  // Sends req and waits for its ack (or a dump's end), passing every answer
  // before it to dump_each_.
  // An error whose errno is in `done` counts as
  // success (the state is already what was asked).
  Status Request(NlRequest& req, const std::string& what, std::initializer_list<int> done = {});
  Status Dump(NlRequest& req, const std::string& what, const std::function<void(const nlmsghdr*)>& each);
  Status Fail(const std::string& what, int error, const std::string& extack) const;

  mnl_socket* nl_ = nullptr;
  std::string ns_;
  uint32_t seq_ = 0;
  std::function<void(const nlmsghdr*)> dump_each_;  // what Request does with answers before the ack
};

}  // namespace isthmus::agent
