#include "agent/netlink.h"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/netns_kernel.h"

namespace isthmus::agent {

namespace {

constexpr size_t kReceiveBuffer = 1 << 16;  // dumps fill at most 32 KiB per read
constexpr int kReceiveTimeoutSeconds = 5;   // the kernel answers at once; never hang a pass

std::string Where(const std::string& ns) { return ns.empty() ? "host namespace" : "namespace " + ns; }

std::string Dev(int ifindex) { return " dev #" + std::to_string(ifindex); }

std::string RouteText(const Route& r) {
  std::string s = r.dst.prefix_len == 0 ? "default" : r.dst.ToString();
  if (r.gateway.v != 0) s += " via " + r.gateway.ToString();
  if (r.ifindex > 0) s += Dev(r.ifindex);
  return s + " table " + std::to_string(r.table) + " proto " + std::to_string(r.protocol);
}

}  // namespace

Result<Rtnetlink> Rtnetlink::Open(const std::string& ns) {
  mnl_socket* nl = nullptr;
  Status st = RunInNetns(ns, [&]() -> Status {
    nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl) return Unavailable(std::string("netlink socket: ") + std::strerror(errno));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  Rtnetlink out(nl, ns);
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
    return Unavailable("netlink bind in " + Where(ns) + ": " + std::strerror(errno));
  // The kernel's own words on a failure, and acks without the request echoed.
  int on = 1;
  mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &on, sizeof on);
  mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &on, sizeof on);
  timeval tv{kReceiveTimeoutSeconds, 0};
  setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return out;
}

Rtnetlink::Rtnetlink(Rtnetlink&& o) noexcept : nl_(o.nl_), ns_(std::move(o.ns_)), seq_(o.seq_) { o.nl_ = nullptr; }

Rtnetlink& Rtnetlink::operator=(Rtnetlink&& o) noexcept {
  if (this != &o) {
    if (nl_) mnl_socket_close(nl_);
    nl_ = o.nl_;
    ns_ = std::move(o.ns_);
    seq_ = o.seq_;
    o.nl_ = nullptr;
  }
  return *this;
}

Rtnetlink::~Rtnetlink() {
  if (nl_) mnl_socket_close(nl_);
}

Status Rtnetlink::Fail(const std::string& what, int error, const std::string& extack) const {
  return Unavailable("netlink " + what + " in " + Where(ns_) + ": " + std::strerror(error) +
                     (extack.empty() ? "" : " (" + extack + ")"));
}

Status Rtnetlink::Request(NlRequest& req, const std::string& what, std::initializer_list<int> done) {
  Status st = Status::Ok();
  bool answered = false;
  req.nlh->nlmsg_seq = ++seq_;
  if (mnl_socket_sendto(nl_, req.nlh, req.nlh->nlmsg_len) < 0) return Fail(what, errno, "");
  std::vector<char> buf(kReceiveBuffer);
  uint32_t portid = mnl_socket_get_portid(nl_);
  while (!answered) {
    ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(what, errno, "");
    }
    int len = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
      if (nlh->nlmsg_seq != seq_ || nlh->nlmsg_pid != portid) continue;  // an earlier request's
      if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
        NlError e = ParseError(nlh);
        answered = true;
        if (e.error != 0 && std::find(done.begin(), done.end(), e.error) == done.end())
          st = Fail(what, e.error, e.message);
        break;
      }
      if (dump_each_) dump_each_(nlh);
    }
  }
  return st;
}

Status Rtnetlink::Dump(NlRequest& req, const std::string& what,
                       const std::function<void(const nlmsghdr*)>& each) {
  dump_each_ = each;
  Status st = Request(req, what);
  dump_each_ = nullptr;
  return st;
}

Result<std::vector<Link>> Rtnetlink::Links() {
  NlRequest req;
  BuildDump(req, RTM_GETLINK, AF_UNSPEC);
  std::vector<Link> out;
  ISTHMUS_RETURN_IF_ERROR(Dump(req, "link dump", [&](const nlmsghdr* nlh) {
    if (auto l = ParseLink(nlh)) out.push_back(std::move(*l));
  }));
  return out;
}

Result<std::optional<Link>> Rtnetlink::FindLink(const std::string& name) {
  NlRequest req;
  BuildGetLink(req, name);
  std::optional<Link> found;
  dump_each_ = [&](const nlmsghdr* nlh) {
    if (auto l = ParseLink(nlh); l && l->name == name) found = std::move(*l);
  };
  Status st = Request(req, "get link " + name, {ENODEV});  // none by that name: not found
  dump_each_ = nullptr;
  if (!st.ok()) return st;
  return found;
}

Result<int> Rtnetlink::LinkIndex(const std::string& name) {
  auto l = FindLink(name);
  if (!l.ok()) return l.status();
  if (!*l) return NotFound("no link " + name + " in " + Where(ns_));
  return (*l)->index;
}

Status Rtnetlink::AddVeth(const std::string& name, const std::string& peer, const std::string& peer_ns) {
  int fd = -1;
  if (!peer_ns.empty()) {
    fd = open(NetnsPath(peer_ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Unavailable("cannot open namespace " + peer_ns + ": " + std::strerror(errno));
  }
  NlRequest req;
  BuildNewVeth(req, name, peer, fd);
  Status st = Request(req, "add veth " + name + " peer " + peer + (peer_ns.empty() ? "" : " in " + peer_ns));
  if (fd >= 0) close(fd);
  return st;
}

Status Rtnetlink::SetLink(const std::string& name, const LinkSettings& s) {
  NlRequest req;
  BuildSetLink(req, name, s);
  return Request(req, "set link " + name + (s.mac ? " address " + s.mac->ToString() : "") +
                          (s.mtu > 0 ? " mtu " + std::to_string(s.mtu) : "") + (s.up ? " up" : ""));
}

Status Rtnetlink::DeleteLink(const std::string& name) {
  NlRequest req;
  BuildDelLink(req, name);
  return Request(req, "delete link " + name, {ENODEV});
}

Result<std::vector<IfaceAddress>> Rtnetlink::Addresses(int ifindex) {
  NlRequest req;
  BuildDump(req, RTM_GETADDR, AF_INET);
  std::vector<IfaceAddress> out;
  ISTHMUS_RETURN_IF_ERROR(Dump(req, "address dump", [&](const nlmsghdr* nlh) {
    if (auto a = ParseAddress(nlh); a && a->ifindex == ifindex) out.push_back(a->addr);
  }));
  return out;
}

Status Rtnetlink::ReplaceAddress(int ifindex, const IfaceAddress& a) {
  NlRequest req;
  BuildAddress(req, RTM_NEWADDR, {ifindex, a});
  return Request(req, "replace address " + a.ToString() + Dev(ifindex));
}

Status Rtnetlink::DeleteAddress(int ifindex, const IfaceAddress& a) {
  NlRequest req;
  BuildAddress(req, RTM_DELADDR, {ifindex, a});
  return Request(req, "delete address " + a.ToString() + Dev(ifindex), {EADDRNOTAVAIL});
}

Result<std::vector<Route>> Rtnetlink::Routes(uint32_t table) {
  NlRequest req;
  BuildDump(req, RTM_GETROUTE, AF_INET);
  std::vector<Route> out;
  ISTHMUS_RETURN_IF_ERROR(Dump(req, "route dump", [&](const nlmsghdr* nlh) {
    if (auto r = ParseRoute(nlh); r && (table == 0 || r->table == table)) out.push_back(*r);
  }));
  return out;
}

Status Rtnetlink::ReplaceRoute(const Route& r) {
  NlRequest req;
  BuildRoute(req, RTM_NEWROUTE, r);
  return Request(req, "replace route " + RouteText(r));
}

Status Rtnetlink::DeleteRoute(const Route& r) {
  NlRequest req;
  BuildRoute(req, RTM_DELROUTE, r);
  return Request(req, "delete route " + RouteText(r), {ESRCH});
}

Status Rtnetlink::FlushTables(const std::set<uint32_t>& tables) {
  if (tables.empty()) return Status::Ok();
  auto routes = Routes(0);
  if (!routes.ok()) return routes.status();
  for (const auto& r : *routes)
    if (tables.count(r.table)) ISTHMUS_RETURN_IF_ERROR(DeleteRoute(r));
  return Status::Ok();
}

Result<std::vector<Rule>> Rtnetlink::Rules() {
  NlRequest req;
  BuildDump(req, RTM_GETRULE, AF_INET);
  std::vector<Rule> out;
  ISTHMUS_RETURN_IF_ERROR(Dump(req, "rule dump", [&](const nlmsghdr* nlh) {
    if (auto r = ParseRule(nlh)) out.push_back(*r);
  }));
  return out;
}

Status Rtnetlink::AddRule(const Rule& r) {
  NlRequest req;
  BuildNewRule(req, r);
  return Request(req,
                 "add rule priority " + std::to_string(r.priority) + " from " + r.src.ToString() + " lookup " +
                     std::to_string(r.table),
                 {EEXIST});
}

Status Rtnetlink::DeleteRule(uint32_t priority) {
  NlRequest req;
  BuildDelRule(req, priority);
  return Request(req, "delete rule priority " + std::to_string(priority), {ENOENT});
}

Result<std::vector<Neighbor>> Rtnetlink::Neighbors() {
  NlRequest req;
  BuildDump(req, RTM_GETNEIGH, AF_INET);
  std::vector<Neighbor> out;
  ISTHMUS_RETURN_IF_ERROR(Dump(req, "neighbour dump", [&](const nlmsghdr* nlh) {
    if (auto n = ParseNeighbor(nlh)) out.push_back(*n);
  }));
  return out;
}

Status Rtnetlink::ReplaceNeighbor(const Neighbor& n) {
  NlRequest req;
  BuildNeighbor(req, RTM_NEWNEIGH, n);
  return Request(req, "replace neighbour " + n.ip.ToString() + " lladdr " + n.mac.ToString() + Dev(n.ifindex));
}

Status Rtnetlink::DeleteNeighbor(Ipv4 ip, int ifindex) {
  NlRequest req;
  BuildNeighbor(req, RTM_DELNEIGH, Neighbor{ip, {}, ifindex, true});
  return Request(req, "delete neighbour " + ip.ToString() + Dev(ifindex), {ENOENT});
}

}  // namespace isthmus::agent
