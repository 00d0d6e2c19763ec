#include "agent/dhcp_ns.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/pipeline.h"
#include "common/log.h"
#include "common/net.h"

namespace isthmus::agent {

namespace {

// dnsmasq answers only the MACs of its hosts file (static ranges), so the cap
// is never what limits it; keep it far above any network's size.
constexpr int kLeaseMax = 65536;
constexpr char kLeaseTime[] = "86400s";
// Files of a server's state dir; nothing else there is ever removed.
const char* const kStateFiles[] = {"hosts", "opts", "pid", "leases", "dnsmasq.log",
                                   "hosts.tmp", "opts.tmp"};

std::string Tag(const state::DhcpSubnet& s) { return "s" + s.subnet_id.substr(0, 8); }

// Network IDs become a directory and a namespace name: refuse anything that
// could leave state_dir or is not a valid namespace name.
Status CheckNetworkId(const std::string& id) {
  if (id.empty() || id[0] == '.' || id.find('/') != std::string::npos ||
      id.find('\0') != std::string::npos)
    return InvalidArgument("DHCP server: bad network id '" + id + "'");
  return Status::Ok();
}

// Every value that reaches dnsmasq's files and command line, checked against
// its grammar (defense in depth: the agent validated the HostState already):
// a value can never add a line, an option or a path.
Status CheckServer(const state::DhcpServer& s) {
  ISTHMUS_RETURN_IF_ERROR(CheckNetworkId(s.network_id));
  auto bad = [&](const std::string& what, const std::string& v) {
    return InvalidArgument("DHCP server of network " + s.network_id + ": refusing " + what + " " +
                           nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  };
  if (!IsValidId(s.network_id)) return bad("network id", s.network_id);
  if (!IsValidId(s.port_id)) return bad("port id", s.port_id);
  if (!Mac::Parse(s.mac).ok()) return bad("MAC", s.mac);
  for (const auto& a : s.ip_cidrs)
    if (!IfaceAddress::Parse(a).ok()) return bad("address", a);
  for (const auto& sub : s.subnets) {
    if (!IsValidId(sub.subnet_id)) return bad("subnet id", sub.subnet_id);
    if (!Cidr::Parse(sub.cidr).ok()) return bad("CIDR", sub.cidr);
    if (!sub.router.empty() && !Ipv4::Parse(sub.router).ok()) return bad("router", sub.router);
    for (const auto& d : sub.dns)
      if (!Ipv4::Parse(d).ok()) return bad("DNS server", d);
    for (const auto& r : sub.host_routes) {
      if (!Cidr::Parse(r.destination).ok()) return bad("host route destination", r.destination);
      if (!Ipv4::Parse(r.nexthop).ok()) return bad("host route nexthop", r.nexthop);
    }
  }
  for (const auto& h : s.hosts) {
    if (!Mac::Parse(h.mac).ok()) return bad("host MAC", h.mac);
    if (!Ipv4::Parse(h.ip).ok()) return bad("host IP", h.ip);
    if (!IsValidDnsLabel(h.hostname)) return bad("host name", h.hostname);
  }
  return Status::Ok();
}

std::string HostsFile(const state::DhcpServer& s) {
  std::string out;
  for (const auto& h : s.hosts) out += h.mac + "," + h.hostname + "," + h.ip + "\n";
  return out;
}

// A subnet's host routes as option 121's ",DEST,NEXTHOP" pairs, with the
// default route via the router unless a host route is the default (a client
// that takes option 121 ignores option 3, RFC 3442). "" without host routes.
std::string ClasslessRoutes(const state::DhcpSubnet& sub) {
  if (sub.host_routes.empty()) return "";
  std::string out;
  bool has_default = false;
  for (const auto& r : sub.host_routes) {
    out += "," + r.destination + "," + r.nexthop;
    has_default |= r.destination == "0.0.0.0/0";
  }
  if (!has_default && !sub.router.empty()) out += ",0.0.0.0/0," + sub.router;
  return out;
}

}  // namespace

std::string DhcpOptsFile(const state::DhcpServer& s) {
  std::string out;
  for (const auto& sub : s.subnets) {
    std::string tag = "tag:" + Tag(sub);
    // With no router option dnsmasq would offer its own address as the default
    // gateway; an empty one tells it to send none.
    out += tag + ",option:router" + (sub.router.empty() ? "" : "," + sub.router) + "\n";
    if (!sub.dns.empty()) {
      out += tag + ",option:dns-server";
      for (const auto& d : sub.dns) out += "," + d;
      out += "\n";
    }
    std::string routes = ClasslessRoutes(sub);
    if (!routes.empty()) out += tag + ",option:classless-static-route" + routes + "\n";
  }
  return out;
}

namespace {

Result<std::vector<std::string>> DnsmasqArgv(const state::DhcpServer& s, const std::string& dir) {
  std::string dev = LegDeviceName("tap", s.port_id);
  std::vector<std::string> argv = {"dnsmasq",
                                   "--no-hosts",
                                   "--no-resolv",
                                   "--port=0",
                                   "--strict-order",
                                   "--bind-interfaces",
                                   "--interface=" + dev,
                                   "--except-interface=lo",
                                   "--pid-file=" + dir + "/pid",
                                   "--dhcp-hostsfile=" + dir + "/hosts",
                                   "--dhcp-optsfile=" + dir + "/opts",
                                   "--dhcp-leasefile=" + dir + "/leases",
                                   "--dhcp-lease-max=" + std::to_string(kLeaseMax)};
  for (const auto& sub : s.subnets) {
    auto c = Cidr::Parse(sub.cidr);
    if (!c.ok()) return c.status();
    argv.push_back("--dhcp-range=set:" + Tag(sub) + "," + c->network.ToString() + ",static," +
                   Ipv4{c->Mask()}.ToString() + "," + kLeaseTime);
  }
  argv.insert(argv.end(), {"--dhcp-option-force=option:mtu," + std::to_string(s.mtu),
                           "--dhcp-authoritative", "--log-dhcp",
                           "--log-facility=" + dir + "/dnsmasq.log", "--user=root",
                           "--group=root"});
  return argv;
}

// What needs the leg re-plugged and dnsmasq restarted (a SIGHUP covers the rest:
// hosts, and the router and DNS options).
bool SameLeg(const state::DhcpServer& a, const state::DhcpServer& b) {
  if (a.port_id != b.port_id || a.mac != b.mac || a.ip_cidrs != b.ip_cidrs || a.mtu != b.mtu ||
      a.subnets.size() != b.subnets.size())
    return false;
  for (size_t i = 0; i < a.subnets.size(); ++i)
    if (a.subnets[i].subnet_id != b.subnets[i].subnet_id || a.subnets[i].cidr != b.subnets[i].cidr)
      return false;
  return true;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

// Writes path atomically (tmp + rename) unless it already holds content.
// Returns whether it changed.
Result<bool> WriteIfChanged(const std::string& path, const std::string& content) {
  std::string cur;
  if (ReadFile(path, &cur) && cur == content) return false;
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << content;
    f.flush();
    if (!f) return Unavailable("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Unavailable("cannot rename " + tmp + ": " + std::strerror(errno));
  return true;
}

Status MakeDirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string part = dir.substr(0, pos);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
      return Unavailable("cannot create " + part + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

// The process's argv, NUL-separated ("" once it has exited, even as a zombie).
std::string Cmdline(pid_t pid) {
  std::string s;
  ReadFile("/proc/" + std::to_string(pid) + "/cmdline", &s);
  return s;
}

// A live dnsmasq of this state dir: its pid file names a process that is a
// dnsmasq given that pid file (a recycled pid is someone else).
bool IsOurs(pid_t pid, const std::string& dir) {
  std::string cmd = Cmdline(pid);
  return cmd.find("dnsmasq") != std::string::npos &&
         cmd.find("--pid-file=" + dir + "/pid") != std::string::npos;
}

pid_t RunningPid(const std::string& dir) {
  std::string text;
  if (!ReadFile(dir + "/pid", &text)) return 0;
  char* end = nullptr;
  long pid = std::strtol(text.c_str(), &end, 10);
  if (pid <= 1 || end == text.c_str()) return 0;
  return IsOurs(static_cast<pid_t>(pid), dir) ? static_cast<pid_t>(pid) : 0;
}

std::vector<std::string> SplitCmdline(const std::string& cmd) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < cmd.size()) {
    size_t nul = cmd.find('\0', start);
    if (nul == std::string::npos) nul = cmd.size();
    out.push_back(cmd.substr(start, nul - start));
    start = nul + 1;
  }
  return out;
}

// SIGTERM, a short wait, then SIGKILL. The pid file goes too.
void StopDnsmasq(const std::string& dir) {
  pid_t pid = RunningPid(dir);
  if (pid > 0) {
    LOG_INFO("stopping dnsmasq " << pid << " of " << dir);
    kill(pid, SIGTERM);
    for (int i = 0; i < 50 && IsOurs(pid, dir); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (IsOurs(pid, dir)) kill(pid, SIGKILL);
  }
  unlink((dir + "/pid").c_str());
}

void RemoveStateDir(const std::string& dir) {
  for (const char* f : kStateFiles) unlink((dir + "/" + f).c_str());
  rmdir(dir.c_str());  // left alone if something else is in it
}

}  // namespace

Status DhcpServers::Sync(const std::vector<state::DhcpServer>& servers,
                         const std::set<std::string>& existing_ports) {
  std::set<std::string> wanted_ids, wanted_ns, wanted_peers;
  // All checked before anything is touched: a bad server refuses the whole pass.
  for (const auto& s : servers) ISTHMUS_RETURN_IF_ERROR(CheckServer(s));
  for (const auto& s : servers) {
    wanted_ids.insert(s.network_id);
    wanted_ns.insert(DhcpNamespaceName(prefix_, s.network_id));
    wanted_peers.insert(LegPeerName("tap", s.port_id));
  }
  auto dir_of = [&](const std::string& network_id) { return state_dir_ + "/" + network_id; };

  // Servers that went away: dnsmasq, namespace (tolerating one already gone),
  // OVS port, state dir.
  std::set<std::string> deleted_ports;
  for (auto it = applied_.begin(); it != applied_.end();) {
    if (wanted_ids.count(it->first)) {
      ++it;
      continue;
    }
    std::string ns = DhcpNamespaceName(prefix_, it->first);
    std::string peer = LegPeerName("tap", it->second.port_id);
    LOG_INFO("removing DHCP server of network " << it->first);
    StopDnsmasq(dir_of(it->first));
    if (Status del = netns_.Delete(ns); !del.ok() && Netns::Exists(ns)) return del;
    ISTHMUS_RETURN_IF_ERROR(ovs_.DeletePort("br-int", peer));
    deleted_ports.insert(peer);
    RemoveStateDir(dir_of(it->first));
    it = applied_.erase(it);
  }
  // Once: what an earlier run left (namespaces, and state dirs whose dnsmasq
  // may still run without one).
  if (!swept_) {
    std::string head = prefix_ + "qdhcp-";
    for (const auto& ns : Netns::List(head)) {
      if (wanted_ns.count(ns)) continue;
      std::string id = ns.substr(head.size());
      LOG_INFO("removing leftover DHCP namespace " << ns);
      if (CheckNetworkId(id).ok()) StopDnsmasq(dir_of(id));
      ISTHMUS_RETURN_IF_ERROR(netns_.Delete(ns));
      if (CheckNetworkId(id).ok()) RemoveStateDir(dir_of(id));
    }
    if (DIR* d = opendir(state_dir_.c_str())) {
      while (dirent* e = readdir(d)) {
        std::string id = e->d_name;
        if (id == "." || id == ".." || wanted_ids.count(id) || !CheckNetworkId(id).ok()) continue;
        struct stat st;
        if (stat((dir_of(id) + "/pid").c_str(), &st) != 0 &&
            stat((dir_of(id) + "/hosts").c_str(), &st) != 0)
          continue;
        StopDnsmasq(dir_of(id));
        RemoveStateDir(dir_of(id));
      }
      closedir(d);
    }
    swept_ = true;
  }
  for (const auto& port : existing_ports)
    if (port.rfind("dp-", 0) == 0 && !wanted_peers.count(port) && !deleted_ports.count(port))
      ISTHMUS_RETURN_IF_ERROR(ovs_.DeletePort("br-int", port));

  for (const auto& s : servers) {
    std::string dir = dir_of(s.network_id);
    auto it = applied_.find(s.network_id);
    // Unchanged and still running: nothing to spawn.
    if (it != applied_.end() && it->second == s && RunningPid(dir) > 0) continue;
    std::optional<state::DhcpServer> prev;
    if (it != applied_.end()) prev = it->second;
    applied_.erase(s.network_id);
    Status st = [&]() -> Status {
      std::string ns = DhcpNamespaceName(prefix_, s.network_id);
      std::string dev = LegDeviceName("tap", s.port_id);
      std::string peer = LegPeerName("tap", s.port_id);
      auto argv = DnsmasqArgv(s, dir);
      if (!argv.ok()) return argv.status();
      bool replug = !prev || !SameLeg(*prev, s);
      pid_t pid = RunningPid(dir);
      // A dnsmasq this process did not start (an earlier run's) is kept only
      // when it was started exactly as it would be now.
      if (pid > 0 && (prev ? replug : SplitCmdline(Cmdline(pid)) != *argv)) {
        StopDnsmasq(dir);
        pid = 0;
      }
      if (replug) {
        LOG_INFO("plugging DHCP server of network " << s.network_id << " in " << ns);
        ISTHMUS_RETURN_IF_ERROR(netns_.Ensure(ns, /*forwarding=*/false));
        if (prev && prev->port_id != s.port_id) {
          ISTHMUS_RETURN_IF_ERROR(ovs_.DeletePort("br-int", LegPeerName("tap", prev->port_id)));
          ISTHMUS_RETURN_IF_ERROR(netns_.RemoveStaleDevices(ns, "tap", {dev}));
        }
        ISTHMUS_RETURN_IF_ERROR(netns_.PlugVeth(
            {ns, dev, peer, kBrInt, s.port_id, s.mac, s.mtu, s.ip_cidrs}, ovs_, existing_ports));
      }
      ISTHMUS_RETURN_IF_ERROR(MakeDirs(dir));
      auto hosts = WriteIfChanged(dir + "/hosts", HostsFile(s));
      if (!hosts.ok()) return hosts.status();
      auto opts = WriteIfChanged(dir + "/opts", DhcpOptsFile(s));
      if (!opts.ok()) return opts.status();
      if (pid > 0) {
        if ((*hosts || *opts) && kill(pid, SIGHUP) != 0)
          return Unavailable("cannot signal dnsmasq " + std::to_string(pid) + ": " +
                             std::strerror(errno));
        return Status::Ok();
      }
      LOG_INFO("starting dnsmasq for network " << s.network_id);
      return netns_.Exec(ns, *argv).status();
    }();
    if (!st.ok()) return st;
    applied_[s.network_id] = s;
  }
  return Status::Ok();
}

}  // namespace isthmus::agent
