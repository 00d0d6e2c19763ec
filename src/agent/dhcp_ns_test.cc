#include "agent/dhcp_ns.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace isthmus::agent {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A real process whose command line says "dnsmasq ... --pid-file=<pid_file>"
// (a `sleep` renamed), so the code under test finds it through /proc and can
// signal it. Returns its pid once the exec is done.
pid_t SpawnFakeDnsmasq(const std::string& pid_file) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  std::string name = "dnsmasq --pid-file=" + pid_file;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    execlp("sleep", name.c_str(), "600", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(p[1]);
  char c;
  while (read(p[0], &c, 1) > 0) {
  }
  close(p[0]);
  std::ofstream(pid_file) << pid << "\n";
  return pid;
}

// Records every command and succeeds; "running" dnsmasq starts a fake one that
// writes its pid file like the real daemon.
class FakeRunner : public Runner {
 public:
  Result<CommandOutput> Run(const Command& cmd) override {
    commands.push_back((cmd.netns.empty() ? "" : "[in " + cmd.netns + "] ") + JoinArgv(cmd.argv));
    for (const auto& a : cmd.argv)
      if (a == "dnsmasq") {
        for (const auto& b : cmd.argv)
          if (b.rfind("--pid-file=", 0) == 0) children.push_back(SpawnFakeDnsmasq(b.substr(11)));
        break;
      }
    return CommandOutput{};
  }
  int Count(const std::string& needle) const {
    int n = 0;
    for (const auto& c : commands) n += c.find(needle) != std::string::npos;
    return n;
  }
  std::vector<std::string> commands;
  std::vector<pid_t> children;
};

// Records the kernel operations (they need root and namespaces) among the
// runner's commands; plugging a leg still adds its OVS port through the runner.
class FakeNetns : public Netns {
 public:
  explicit FakeNetns(FakeRunner& runner) : Netns(runner, ""), runner_(runner) {}
  Result<Rtnetlink> Netlink(const std::string& ns) override { return Unavailable("no kernel here: " + ns); }
  Status Ensure(const std::string& ns, bool forwarding) override {
    return Note("ensure " + ns + (forwarding ? " forwarding" : ""));
  }
  Status Delete(const std::string& ns) override { return Note("delete " + ns); }
  Status Sysctl(const std::string& ns, const std::string& name, const std::string& value) override {
    return Note("sysctl " + name + "=" + value + " in " + ns);
  }
  Status PlugVeth(const VethLeg& leg, Ovs& ovs, const std::set<std::string>& existing_ports) override {
    std::string addrs;
    for (const auto& a : leg.addrs) addrs += " " + a;
    ISTHMUS_RETURN_IF_ERROR(Note("plug " + leg.dev + " in " + leg.ns + " peer " + leg.peer + " mac " + leg.mac +
                                 " mtu " + std::to_string(leg.mtu) + addrs));
    if (existing_ports.count(leg.peer)) return Status::Ok();
    return ovs.AddPort(leg.bridge, leg.peer, leg.iface_id);
  }
  Status RemoveStaleDevices(const std::string& ns, const std::string& prefix,
                            const std::set<std::string>&) override {
    return Note("remove stale " + prefix + " in " + ns);
  }

 private:
  Status Note(const std::string& what) {
    runner_.commands.push_back(what);
    return Status::Ok();
  }
  FakeRunner& runner_;
};

// Records the OVS ports it would add or delete among the runner's commands.
class RecordingOvs : public Ovs {
 public:
  explicit RecordingOvs(FakeRunner& runner) : Ovs({}), runner_(runner) {}
  Status AddPort(const std::string& bridge, const std::string& name, const std::string& iface_id) override {
    runner_.commands.push_back("add-port " + bridge + " " + name + " iface-id=" + iface_id);
    return Status::Ok();
  }
  Status DeletePort(const std::string& bridge, const std::string& name) override {
    runner_.commands.push_back("del-port " + bridge + " " + name);
    return Status::Ok();
  }

 private:
  FakeRunner& runner_;
};

// How a child ended: the signal that killed it (0 = still running after wait_ms).
int EndSignal(pid_t pid, int wait_ms = 2000) {
  int status = 0;
  for (int i = 0; i < wait_ms / 10; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
    usleep(10000);
  }
  return 0;
}

class DhcpServersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("isthmus-dhcp-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    prefix_ = "isthut" + std::to_string(getpid()) + "-";
  }
  void TearDown() override {
    for (pid_t pid : runner_.children) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    fs::remove_all(dir_);
  }

  static state::DhcpServer Server() {
    state::DhcpServer s;
    s.network_id = "net3-0000-aaaa";
    s.port_id = "dhcpport0123456789";
    s.mac = "fa:16:3e:00:00:0d";
    s.ip_cidrs = {"10.0.3.2/24", "10.0.9.2/24"};
    s.mtu = 1450;
    s.subnets = {{"subnet31-xxxx", "10.0.3.0/24", "10.0.3.1", {"8.8.8.8", "1.1.1.1"}, {}},
                 {"subnet39-yyyy", "10.0.9.0/24", "", {}, {}}};
    s.hosts = {{"fa:16:3e:00:00:01", "10.0.3.10", "host-10-0-3-10"},
               {"fa:16:3e:00:00:02", "10.0.3.11", "host-10-0-3-11"}};
    return s;
  }
  std::string StateDir() const { return (dir_ / "net3-0000-aaaa").string(); }
  std::string Ns() const { return prefix_ + "qdhcp-net3-0000-aaaa"; }

  fs::path dir_;
  std::string prefix_;
  FakeRunner runner_;
  RecordingOvs ovs_{runner_};
  FakeNetns netns_{runner_};
};

TEST_F(DhcpServersTest, StartsOneServerThenSpawnsNothingWhenUnchanged) {
  DhcpServers dhcp(netns_, ovs_, prefix_, dir_.string());
  ASSERT_TRUE(dhcp.Sync({Server()}, {}).ok());

  EXPECT_EQ(Slurp(StateDir() + "/hosts"),
            "fa:16:3e:00:00:01,host-10-0-3-10,10.0.3.10\n"
            "fa:16:3e:00:00:02,host-10-0-3-11,10.0.3.11\n");
  // The second subnet has no router here: an empty router option, so dnsmasq
  // does not offer its own address as the gateway.
  EXPECT_EQ(Slurp(StateDir() + "/opts"),
            "tag:ssubnet31,option:router,10.0.3.1\n"
            "tag:ssubnet31,option:dns-server,8.8.8.8,1.1.1.1\n"
            "tag:ssubnet39,option:router\n");

  EXPECT_EQ(runner_.Count("ensure " + Ns()), 1);
  EXPECT_EQ(runner_.Count("plug tapdhcpport012 in " + Ns() + " peer dp-dhcpport012 mac fa:16:3e:00:00:0d mtu 1450 "
                          "10.0.3.2/24 10.0.9.2/24"),
            1);
  EXPECT_EQ(runner_.Count("add-port br-int dp-dhcpport012 iface-id=dhcpport0123456789"),
            1);
  ASSERT_EQ(runner_.Count("dnsmasq"), 1);
  std::string start;
  for (const auto& c : runner_.commands)
    if (c.find("dnsmasq") != std::string::npos) start = c;
  // Started inside the namespace, without `ip netns exec`.
  EXPECT_EQ(start.rfind("[in " + Ns() + "] dnsmasq --no-hosts --no-resolv --port=0 ", 0), 0u)
      << start;
  for (const std::string& arg : std::vector<std::string>{
           "--interface=tapdhcpport012", "--except-interface=lo", "--bind-interfaces",
        "--pid-file=" + StateDir() + "/pid", "--dhcp-hostsfile=" + StateDir() + "/hosts",
        "--dhcp-optsfile=" + StateDir() + "/opts", "--dhcp-leasefile=" + StateDir() + "/leases",
        std::string("--dhcp-range=set:ssubnet31,10.0.3.0,static,255.255.255.0,86400s"),
        std::string("--dhcp-range=set:ssubnet39,10.0.9.0,static,255.255.255.0,86400s"),
        std::string("--dhcp-option-force=option:mtu,1450"), std::string("--dhcp-authoritative")})
    EXPECT_NE(start.find(" " + arg + " "), std::string::npos) << arg << " missing in " << start;
  ASSERT_EQ(runner_.children.size(), 1u);

  runner_.commands.clear();
  ASSERT_TRUE(dhcp.Sync({Server()}, {"dp-dhcpport012"}).ok());
  EXPECT_TRUE(runner_.commands.empty()) << runner_.commands.front();
  EXPECT_EQ(EndSignal(runner_.children[0], 200), 0);  // left running
}

TEST_F(DhcpServersTest, NewHostIsASighupNotARestart) {
  DhcpServers dhcp(netns_, ovs_, prefix_, dir_.string());
  ASSERT_TRUE(dhcp.Sync({Server()}, {}).ok());
  auto s = Server();
  s.hosts.push_back({"fa:16:3e:00:00:03", "10.0.9.10", "host-10-0-9-10"});
  runner_.commands.clear();
  ASSERT_TRUE(dhcp.Sync({s}, {"dp-dhcpport012"}).ok());
  EXPECT_TRUE(runner_.commands.empty()) << runner_.commands.front();
  EXPECT_NE(Slurp(StateDir() + "/hosts").find("fa:16:3e:00:00:03,host-10-0-9-10,10.0.9.10\n"),
            std::string::npos);
  EXPECT_EQ(EndSignal(runner_.children[0]), SIGHUP);
}

// A subnet's host routes: option 121 with the default route via the router
// (a client taking 121 ignores option 3), none when a host route is the
// default; a change is a SIGHUP (dnsmasq re-reads its options file).
TEST_F(DhcpServersTest, HostRoutesAreOfferedAsClasslessStaticRoutes) {
  DhcpServers dhcp(netns_, ovs_, prefix_, dir_.string());
  ASSERT_TRUE(dhcp.Sync({Server()}, {}).ok());
  auto s = Server();
  s.subnets[0].host_routes = {{"198.51.100.0/24", "10.0.3.20"}, {"203.0.113.0/25", "10.0.3.21"}};
  s.subnets[1].host_routes = {{"0.0.0.0/0", "10.0.9.254"}};
  runner_.commands.clear();
  ASSERT_TRUE(dhcp.Sync({s}, {"dp-dhcpport012"}).ok());
  EXPECT_TRUE(runner_.commands.empty()) << runner_.commands.front();
  EXPECT_EQ(Slurp(StateDir() + "/opts"),
            "tag:ssubnet31,option:router,10.0.3.1\n"
            "tag:ssubnet31,option:dns-server,8.8.8.8,1.1.1.1\n"
            "tag:ssubnet31,option:classless-static-route,198.51.100.0/24,10.0.3.20,203.0.113.0/25,10.0.3.21,"
            "0.0.0.0/0,10.0.3.1\n"
            "tag:ssubnet39,option:router\n"
            "tag:ssubnet39,option:classless-static-route,0.0.0.0/0,10.0.9.254\n");
  EXPECT_EQ(EndSignal(runner_.children[0]), SIGHUP);
  s.subnets[0].host_routes = {{"198.51.100.0/24,0.0.0.0/0", "10.0.3.20"}};
  EXPECT_FALSE(dhcp.Sync({s}, {"dp-dhcpport012"}).ok());
}

TEST_F(DhcpServersTest, MtuChangeRestartsDnsmasq) {
  DhcpServers dhcp(netns_, ovs_, prefix_, dir_.string());
  ASSERT_TRUE(dhcp.Sync({Server()}, {}).ok());
  auto s = Server();
  s.mtu = 1400;
  runner_.commands.clear();
  ASSERT_TRUE(dhcp.Sync({s}, {"dp-dhcpport012"}).ok());
  EXPECT_EQ(EndSignal(runner_.children[0]), SIGTERM);
  EXPECT_EQ(runner_.Count("--dhcp-option-force=option:mtu,1400"), 1);
  EXPECT_EQ(runner_.Count("mtu 1400"), 1);  // the leg, both ends
}

TEST_F(DhcpServersTest, AdoptsOrReplacesAnEarlierRunsDnsmasq) {
  // A dnsmasq of an earlier run whose command line is not what this run wants.
  fs::create_directories(StateDir());
  runner_.children.push_back(SpawnFakeDnsmasq(StateDir() + "/pid"));
  DhcpServers dhcp(netns_, ovs_, prefix_, dir_.string());
  ASSERT_TRUE(dhcp.Sync({Server()}, {}).ok());
  EXPECT_EQ(EndSignal(runner_.children[0]), SIGTERM);
  EXPECT_EQ(runner_.Count(" dnsmasq "), 1);
}

TEST_F(DhcpServersTest, EmptyListRemovesTheServer) {
  DhcpServers dhcp(netns_, ovs_, prefix_, dir_.string());
  ASSERT_TRUE(dhcp.Sync({Server()}, {}).ok());
  runner_.commands.clear();
  ASSERT_TRUE(dhcp.Sync({}, {"dp-dhcpport012", "qp-other"}).ok());
  EXPECT_EQ(EndSignal(runner_.children[0]), SIGTERM);
  EXPECT_EQ(runner_.Count("delete " + Ns()), 1);
  EXPECT_EQ(runner_.Count("del-port br-int dp-dhcpport012"), 1);
  EXPECT_EQ(runner_.Count("qp-other"), 0);
  EXPECT_FALSE(fs::exists(StateDir()));
  runner_.commands.clear();
  ASSERT_TRUE(dhcp.Sync({}, {}).ok());
  EXPECT_TRUE(runner_.commands.empty());
}

TEST_F(DhcpServersTest, FirstPassSweepsLeftoverStateDirs) {
  std::string old = (dir_ / "gone-net").string();
  fs::create_directories(old);
  std::ofstream(old + "/hosts") << "x\n";
  runner_.children.push_back(SpawnFakeDnsmasq(old + "/pid"));
  fs::create_directories(dir_ / "unrelated");
  DhcpServers dhcp(netns_, ovs_, prefix_, dir_.string());
  ASSERT_TRUE(dhcp.Sync({Server()}, {}).ok());
  EXPECT_EQ(EndSignal(runner_.children[0]), SIGTERM);
  EXPECT_FALSE(fs::exists(old));
  EXPECT_TRUE(fs::exists(dir_ / "unrelated"));
}

TEST_F(DhcpServersTest, RefusesANetworkIdThatLeavesTheStateDir) {
  DhcpServers dhcp(netns_, ovs_, prefix_, dir_.string());
  auto s = Server();
  s.network_id = "../etc";
  EXPECT_FALSE(dhcp.Sync({s}, {}).ok());
  EXPECT_TRUE(runner_.commands.empty());
}

// Defense in depth: a value outside its grammar never reaches dnsmasq's files or
// command line, and the whole pass is refused before anything is touched.
TEST_F(DhcpServersTest, RefusesValuesOutsideTheirGrammarBeforeTouchingAnything) {
  std::vector<std::function<void(state::DhcpServer&)>> spoil = {
      [](state::DhcpServer& s) { s.hosts[1].mac = "fa:16:3e:00:00:02\ndhcp-option=3,6.6.6.6"; },
      [](state::DhcpServer& s) { s.hosts[1].hostname = "h,10.0.3.99"; },
      [](state::DhcpServer& s) { s.hosts[1].ip = "10.0.3.11\n"; },
      [](state::DhcpServer& s) { s.subnets[0].router = "10.0.3.1,6.6.6.6"; },
      [](state::DhcpServer& s) { s.subnets[0].dns.push_back("8.8.4.4\ntag:x"); },
      [](state::DhcpServer& s) { s.subnets[0].cidr = "10.0.3.0/24 --dhcp-script=/tmp/x"; },
      [](state::DhcpServer& s) { s.port_id = "p --conf-file=/tmp/x"; },
      [](state::DhcpServer& s) { s.ip_cidrs[0] = "10.0.3.2"; },
  };
  for (size_t i = 0; i < spoil.size(); ++i) {
    DhcpServers dhcp(netns_, ovs_, prefix_, dir_.string());
    auto bad = Server();
    spoil[i](bad);
    Status st = dhcp.Sync({Server(), bad}, {});
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << i;
    EXPECT_TRUE(runner_.commands.empty()) << i << ": " << runner_.commands.front();
    EXPECT_FALSE(fs::exists(StateDir())) << i;
  }
}

}  // namespace
}  // namespace isthmus::agent
