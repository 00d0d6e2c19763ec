#include "lab/machine.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "lab/daemons.h"

namespace isthmus::lab {
namespace {

// Interface names are at most 15 characters.
std::string Short(const std::string& prefix, const std::string& name) {
  std::string s = prefix + name;
  return s.size() <= 15 ? s : s.substr(0, 15);
}

Status Ip(Runner& r, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  return r.Check({argv, "", {}}).status();
}

Status InNs(Runner& r, const std::string& ns, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> argv = {"ip", "netns", "exec", ns};
  argv.insert(argv.end(), args.begin(), args.end());
  return r.Check({argv, "", env}).status();
}

bool NamespaceExists(const std::string& ns) {
  struct stat st;
  return stat(("/run/netns/" + ns).c_str(), &st) == 0;
}

// A namespace quiet enough for clean captures: lo up, no IPv6 chatter.
Status NewNamespace(Runner& r, const std::string& ns) {
  if (!NamespaceExists(ns)) ISTHMUS_RETURN_IF_ERROR(Ip(r, {"netns", "add", ns}));
  ISTHMUS_RETURN_IF_ERROR(InNs(r, ns, {"sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                                       "net.ipv6.conf.default.disable_ipv6=1"}));
  return Ip(r, {"-n", ns, "link", "set", "lo", "up"});
}

std::map<std::string, std::string> OvsVars(const std::string& host) {
  std::string dir = HostDir(host);
  return {{"OVS_RUNDIR", dir}, {"OVS_DBDIR", dir}, {"OVS_LOGDIR", dir}};
}

std::vector<pid_t> LabOvsProcesses() {
  std::vector<pid_t> pids;
  std::string root = LabRoot();
  DIR* d = opendir("/proc");
  if (!d) return pids;
  while (dirent* e = readdir(d)) {
    pid_t pid = atoi(e->d_name);
    if (pid <= 0) continue;
    std::ifstream in("/proc/" + std::string(e->d_name) + "/cmdline");
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmd.find(root + "/") != std::string::npos && pid != getpid()) pids.push_back(pid);
  }
  closedir(d);
  return pids;
}

std::vector<std::string> LabNamespaces() {
  std::vector<std::string> out;
  DIR* d = opendir("/run/netns");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind(kNamespacePrefix, 0) == 0) out.push_back(n);
  }
  closedir(d);
  return out;
}

}  // namespace

Status CreateUnderlay(Runner& r) {
  mkdir("/run/isthmus", 0755);
  mkdir(LabRoot().c_str(), 0755);
  ISTHMUS_RETURN_IF_ERROR(NewNamespace(r, kUnderlayNamespace));
  ISTHMUS_RETURN_IF_ERROR(
      Ip(r, {"-n", kUnderlayNamespace, "link", "add", kUnderlayBridge, "type", "bridge"}));
  return Ip(r, {"-n", kUnderlayNamespace, "link", "set", kUnderlayBridge, "up"});
}

Status AttachHostToUnderlay(Runner& r, const std::string& host, const std::string& vtep_cidr) {
  std::string ns = HostNamespace(host);
  std::string peer = Short("ul-", host);
  ISTHMUS_RETURN_IF_ERROR(NewNamespace(r, ns));
  ISTHMUS_RETURN_IF_ERROR(Ip(r, {"-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name",
                                 peer, "netns", kUnderlayNamespace}));
  ISTHMUS_RETURN_IF_ERROR(
      Ip(r, {"-n", kUnderlayNamespace, "link", "set", peer, "master", kUnderlayBridge, "up"}));
  ISTHMUS_RETURN_IF_ERROR(Ip(r, {"-n", ns, "link", "set", "eth0", "mtu", "1500", "up"}));
  // eth0 belongs to br-phy, but the kernel sees its frames too: it must not
  // answer ARP for the VTEP address with eth0's MAC.
  ISTHMUS_RETURN_IF_ERROR(InNs(r, ns, {"sysctl", "-q", "-w", "net.ipv4.conf.all.arp_ignore=1",
                                       "net.ipv4.conf.eth0.arp_ignore=1"}));
  // Userspace OVS and veth checksum offload do not mix (docs/architecture.md, "Data plane: bridges and ports").
  ISTHMUS_RETURN_IF_ERROR(InNs(r, ns, {"ethtool", "-K", "eth0", "tx", "off"}));
  return InNs(r, kUnderlayNamespace, {"ethtool", "-K", peer, "tx", "off"});
}

OvsEnvironment OvsEnv(const std::string& host) {
  return {"unix:" + HostDir(host) + "/db.sock", HostDir(host)};
}

std::string OvsdbServerDaemon(const std::string& host) { return "ovsdb-server-" + host; }
std::string VswitchdDaemon(const std::string& host) { return "ovs-vswitchd-" + host; }

namespace {

// ovsdb-server or ovs-vswitchd of a host as a lab daemon (foreground, no
// --detach): `lab kill`/`lab start` act on it with the same arguments and
// environment, inside the host's namespace.
Status StartOvsDaemon(const std::string& name, const std::string& host,
                      const std::vector<std::string>& program) {
  std::vector<std::string> argv = {"env"};
  for (const auto& [k, v] : OvsVars(host)) argv.push_back(k + "=" + v);
  for (const char* a : {"ip", "netns", "exec"}) argv.push_back(a);
  argv.push_back(HostNamespace(host));
  argv.insert(argv.end(), program.begin(), program.end());
  return StartDaemon(name, argv, LabRoot() + "/logs/" + name + ".log").status();
}

}  // namespace

Status StartHostOvs(Runner& r, const std::string& host, const std::string& vtep_cidr) {
  std::string dir = HostDir(host);
  std::filesystem::create_directories(dir);
  auto env = OvsVars(host);
  ISTHMUS_RETURN_IF_ERROR(r.Check({{"ovsdb-tool", "create", dir + "/conf.db",
                                    "/usr/share/openvswitch/vswitch.ovsschema"},
                                   "",
                                   env})
                              .status());
  ISTHMUS_RETURN_IF_ERROR(StartOvsDaemon(
      OvsdbServerDaemon(host), host,
      {"ovsdb-server", dir + "/conf.db", "--remote=punix:" + dir + "/db.sock",
       "--pidfile=" + dir + "/ovsdb-server.pid", "--log-file=" + dir + "/ovsdb-server.log"}));
  std::string db = "--db=unix:" + dir + "/db.sock";
  ISTHMUS_RETURN_IF_ERROR(
      r.Check({{"ovs-vsctl", db, "--retry", "--timeout=20", "--no-wait", "init"}, "", env}).status());
  ISTHMUS_RETURN_IF_ERROR(StartOvsDaemon(
      VswitchdDaemon(host), host,
      {"ovs-vswitchd", "unix:" + dir + "/db.sock", "--pidfile=" + dir + "/ovs-vswitchd.pid",
       "--log-file=" + dir + "/ovs-vswitchd.log"}));
  ISTHMUS_RETURN_IF_ERROR(r.Check({{"ovs-vsctl", db, "--timeout=20", "add-br", "br-phy", "--",
                                    "set", "bridge", "br-phy", "datapath_type=netdev", "--",
                                    "add-port", "br-phy", "eth0"},
                                   "",
                                   env})
                              .status());
  return RestoreHostVtep(r, host, vtep_cidr);
}

Status RestoreHostVtep(Runner& r, const std::string& host, const std::string& vtep_cidr) {
  std::string ns = HostNamespace(host);
  // vswitchd creates br-phy's port as it starts (and again after a restart).
  ISTHMUS_RETURN_IF_ERROR(WaitFor("br-phy in " + ns, 20000, [&] {
    auto out = r.Run({{"ip", "-n", ns, "link", "show", "br-phy"}, "", {}});
    return out.ok() && out->exit_code == 0;
  }));
  ISTHMUS_RETURN_IF_ERROR(Ip(r, {"-n", ns, "addr", "replace", vtep_cidr, "dev", "br-phy"}));
  return Ip(r, {"-n", ns, "link", "set", "br-phy", "up"});
}

Status CreateInstance(Runner& r, const InstanceSpec& s) {
  std::string ns = InstanceNamespace(s.name), host_ns = HostNamespace(s.host);
  ISTHMUS_RETURN_IF_ERROR(NewNamespace(r, ns));
  auto env = OvsVars(s.host);
  for (size_t k = 0; k < s.nics.size(); ++k) {
    const auto& nic = s.nics[k];
    std::string peer = Short(k == 0 ? "t-" : "t" + std::to_string(k) + "-", s.name);
    std::string mtu = std::to_string(nic.mtu);
    ISTHMUS_RETURN_IF_ERROR(Ip(r, {"-n", host_ns, "link", "add", peer, "type", "veth", "peer",
                                   "name", nic.dev, "netns", ns}));
    ISTHMUS_RETURN_IF_ERROR(
        Ip(r, {"-n", ns, "link", "set", nic.dev, "address", nic.mac, "mtu", mtu, "up"}));
    ISTHMUS_RETURN_IF_ERROR(Ip(r, {"-n", host_ns, "link", "set", peer, "mtu", mtu, "up"}));
    ISTHMUS_RETURN_IF_ERROR(InNs(r, ns, {"ethtool", "-K", nic.dev, "tx", "off"}));
    ISTHMUS_RETURN_IF_ERROR(InNs(r, host_ns, {"ethtool", "-K", peer, "tx", "off"}));
    // Plug the VIF as Nova's os-vif does; br-int may not exist yet (the agent
    // makes it with the same idempotent command).
    ISTHMUS_RETURN_IF_ERROR(
        r.Check({{"ovs-vsctl", "--db=" + OvsEnv(s.host).db, "--timeout=20", "--may-exist", "add-br",
                  "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev",
                  "fail_mode=secure", "--", "--may-exist", "add-port", "br-int", peer, "--", "set",
                  "Interface", peer, "external_ids:iface-id=" + nic.port_id,
                  "external_ids:attached-mac=" + nic.mac, "external_ids:iface-status=active"},
                 "",
                 env})
            .status());
  }
  return Status::Ok();
}

Result<CommandOutput> Exec(Runner& r, const std::string& netns,
                           const std::vector<std::string>& argv) {
  std::vector<std::string> full = {"ip", "netns", "exec", netns};
  full.insert(full.end(), argv.begin(), argv.end());
  return r.Run({full, "", {}});
}

int ExecInteractive(const std::string& netns, const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env) {
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  std::vector<std::string> full = {"ip", "netns", "exec", netns};
  full.insert(full.end(), argv.begin(), argv.end());
  std::vector<char*> args;
  for (auto& a : full) args.push_back(a.data());
  args.push_back(nullptr);
  execvp("ip", args.data());
  perror("isthmus lab exec");
  return 127;
}

Result<std::vector<pid_t>> NamespacePids(Runner& runner, const std::string& ns) {
  auto out = runner.Check({{"ip", "netns", "pids", ns}, "", {}});
  if (!out.ok()) return out.status();
  std::vector<pid_t> pids;
  std::stringstream lines(*out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) pids.push_back(static_cast<pid_t>(std::atol(line.c_str())));
  return pids;
}

Status DestroyEverything(Runner& r) {
  StopAllDaemons();
  // Each host's OVS: ask politely, then make sure.
  std::string hosts = LabRoot() + "/hosts";
  if (DIR* d = opendir(hosts.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string h = e->d_name;
      if (h == "." || h == "..") continue;
      auto env = OvsVars(h);
      r.Run({{"ovs-appctl", "-t", "ovs-vswitchd", "exit"}, "", env});
      r.Run({{"ovs-appctl", "-t", "ovsdb-server", "exit"}, "", env});
    }
    closedir(d);
  }
  for (pid_t pid : LabOvsProcesses()) kill(pid, SIGKILL);
  for (int i = 0; i < 100 && !LabOvsProcesses().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (const auto& ns : LabNamespaces()) {
    if (auto pids = NamespacePids(r, ns); pids.ok())
      for (pid_t pid : *pids) kill(pid, SIGKILL);
    Ip(r, {"netns", "del", ns});
  }
  std::error_code ec;
  std::filesystem::remove_all(LabRoot(), ec);
  if (ec) return Unavailable("cannot remove " + LabRoot() + ": " + ec.message());
  return Status::Ok();
}

std::string LeftoversReport() {
  std::string report;
  for (const auto& ns : LabNamespaces()) report += "namespace " + ns + "\n";
  for (pid_t pid : LabOvsProcesses()) report += "process " + std::to_string(pid) + "\n";
  struct stat st;
  if (stat(LabRoot().c_str(), &st) == 0) report += "directory " + LabRoot() + "\n";
  return report;
}

Status WaitFor(const std::string& what, int timeout_ms, const std::function<bool()>& fn) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!fn()) {
    if (std::chrono::steady_clock::now() > deadline)
      return Unavailable("timed out after " + std::to_string(timeout_ms) + " ms waiting for " + what);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::Ok();
}

}  // namespace isthmus::lab
