#include "lab/lab_main.h"

#include <sys/stat.h>

#include <csignal>

#include <iostream>

#include "common/log.h"
#include "lab/builder.h"
#include "lab/cloud_outage.h"
#include "common/keystone_client.h"
#include "lab/facts.h"
#include "lab/internet.h"
#include "lab/lab_commands.h"
#include "lab/lab_topology.h"
#include "lab/north_south.h"
#include "lab/routes.h"
#include "lab/topology_dot.h"
#include "lab/paths.h"
#include "lab/matrix.h"
#include "lab/daemons.h"
#include "lab/dhcp_client.h"
#include "lab/topology.h"
#include "lab/topology_file.h"
#include "lab/machine.h"

namespace isthmus::lab {
namespace {

int Fail(const Status& st) {
  std::cerr << "isthmus lab: " << st.message() << "\n";
  return st.code() == Code::kInvalidArgument ? 2 : 1;
}

// A usage mistake: says so and where the command's usage is.
int UsageError(const std::string& cmd, const std::string& what) {
  return Fail(InvalidArgument(what + " (isthmus lab " + cmd + " --help)"));
}

// The route model of the lab that is up (routes.h); one that knows nothing
// (every pair measured) when the lab saved no topology.
Routes LabRoutes(const nlohmann::json& facts) {
  auto t = LoadLabTopology(facts);
  return Routes(t.ok() ? *t : Topology{});
}

std::string ShippedNames() {
  std::string names;
  for (const auto& t : ShippedTopologies()) names += (names.empty() ? "" : ", ") + t.name;
  return names;
}

bool LabIsUp() {
  struct stat st;
  return stat(LabRoot().c_str(), &st) == 0;
}

int Up(const std::vector<std::string>& args) {
  std::string name;
  LabOptions options;
  for (const auto& a : args) {
    if (a == "--legacy") options.force_legacy = true;
    else if (a == "--no-dvr-mac-federation") options.dvr_mac_federation = false;
    else if (a == "--dvr-mac-federation") options.dvr_mac_federation = true;
    else if (a.rfind("--gateway-mode=", 0) == 0) {
      auto mode = ParseGatewayMode(a.substr(std::string("--gateway-mode=").size()));
      if (!mode.ok()) return Fail(InvalidArgument("--gateway-mode: " + mode.status().message()));
      options.gateway_mode = *mode;
    } else if (a.rfind("--", 0) == 0) return UsageError("up", "unknown option " + a);
    else if (name.empty()) name = a;
    else return UsageError("up", "unexpected argument " + a);
  }
  if (name.empty()) return UsageError("up", "which topology? a file, or one of: " + ShippedNames());
  auto topology = LoadTopology(name);
  if (!topology.ok()) return Fail(topology.status());
  topology->Apply(options);
  if (LabIsUp())
    return Fail(Conflict("a lab is already up (" + LabRoot() + " exists); run `isthmus lab down` first"));
  int distributed = 0;
  for (const auto& r : topology->routers) distributed += r.distributed;
  std::cout << "isthmus lab: bringing up " << topology->name << " (" << topology->clouds.size() << " clouds, "
            << topology->hosts.size() << " hosts, " << distributed << " distributed and "
            << topology->routers.size() - distributed << " legacy routers, DVR MAC federation "
            << (options.dvr_mac_federation ? "on" : "off") << ")\n";
  SystemRunner runner;
  auto facts = BuildLab(*topology, runner, std::cout);
  if (!facts.ok()) {
    std::cerr << "isthmus lab: " << facts.status().message() << "\n"
              << "logs are in " << LabRoot() << "/logs; `isthmus lab down` removes it all\n";
    return 1;
  }
  if (!facts->contains("instances") || (*facts)["instances"].empty()) {
    std::cout << "\nno instances yet: `eval \"$(isthmus lab openrc)\"` and build with the openstack CLI\n";
    return 0;
  }
  Routes routes(*topology);
  std::cout << "\neast-west connectivity (ICMP, every ordered pair with a route):\n";
  MeasureMatrix(*facts, routes, runner, 3).Print(std::cout);
  std::cout << "\nnorth-south (HTTP to the internet service " << kInternetServiceIp
            << ", and from the internet to each floating IP):\n";
  MeasureNorthSouth(*facts, routes, runner, 3).Print(std::cout);
  return 0;
}

int Down() {
  SystemRunner runner;
  Status st = DestroyEverything(runner);
  if (!st.ok()) return Fail(st);
  std::string left = LeftoversReport();
  if (!left.empty()) {
    std::cerr << "isthmus lab: still present after down:\n" << left;
    return 1;
  }
  std::cout << "isthmus lab: down, nothing left behind\n";
  return 0;
}

int Exec(const std::vector<std::string>& args) {
  if (args.size() < 3 || args[1] != "--") return UsageError("exec", "expected <target> -- <command...>");
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  const std::string& target = args[0];
  std::vector<std::string> cmd(args.begin() + 2, args.end());
  std::map<std::string, std::string> env;
  std::string ns;
  if ((*facts)["instances"].contains(target)) {
    ns = InstanceNamespace(target);
  } else if ((*facts)["hosts"].contains(target)) {
    ns = HostNamespace(target);
    auto ovs = OvsEnv(target);
    env = {{"OVS_RUNDIR", ovs.rundir}, {"OVS_DBDIR", ovs.rundir}};
  } else if (target == "underlay") {
    ns = kUnderlayNamespace;
  } else if (target == "internet") {
    ns = kInternetNamespace;
  } else {
    return Fail(NotFound("no instance or host named '" + target + "' in this lab"));
  }
  return ExecInteractive(ns, cmd, env);
}

// `lab show --dot|--svg [TOPOLOGY]`: a shipped topology or file (no lab, no
// root needed), or the lab that is up.
int ShowGraph(const std::vector<std::string>& args) {
  bool svg = args[0] == "--svg";
  if (args.size() > 2) return UsageError("show", "unexpected argument " + args[2]);
  Result<Topology> t = NotFound("");
  if (args.size() == 2) {
    t = LoadTopology(args[1]);
  } else {
    auto facts = LoadFacts(LabFactsPath());
    t = LoadLabTopology(facts.ok() ? *facts : nlohmann::json::object());
  }
  if (!t.ok()) return Fail(t.status());
  std::string dot = TopologyDot(*t);
  if (!svg) {
    std::cout << dot;
    return 0;
  }
  SystemRunner runner;
  auto out = runner.Run(Command{{"dot", "-Tsvg"}, dot, {}, 30000});
  if (!out.ok())
    return Fail(Unavailable("cannot run Graphviz's `dot` (" + out.status().message() +
                            "); install the package graphviz (scripts/setup does)"));
  if (out->exit_code != 0) return Fail(Internal("dot -Tsvg failed: " + out->err));
  std::cout << out->out;
  return 0;
}

int Show(const std::vector<std::string>& args) {
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  if (args.size() == 2 && args[0] == "--get") {
    auto v = GetFact(*facts, args[1]);
    if (!v.ok()) return Fail(v.status());
    std::cout << *v << "\n";
    return 0;
  }
  if (!args.empty()) return UsageError("show", "unexpected argument " + args[0]);
  std::cout << facts->dump(2) << "\n";
  return 0;
}

int AddInstanceCmd(const std::vector<std::string>& args) {
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  LabInstance i;
  LabNic nic;
  std::string port;
  for (size_t k = 0; k < args.size(); ++k) {
    auto value = [&]() -> std::string { return k + 1 < args.size() ? args[++k] : ""; };
    if (args[k] == "--port") port = value();
    else if (args[k] == "--host") i.host = value();
    else if (args[k] == "--network") nic.network = value();
    else if (args[k] == "--ip") nic.ip = value();
    else if (i.name.empty() && args[k].rfind("--", 0) != 0) i.name = args[k];
    else return UsageError("add-instance", "unexpected argument " + args[k]);
  }
  if (i.name.empty() || (port.empty() && (i.host.empty() || nic.network.empty())) ||
      (!port.empty() && (!i.host.empty() || !nic.network.empty())))
    return UsageError("add-instance", "a name and either --host and --network, or --port");
  i.nics.push_back(nic);
  SystemRunner runner;
  Status st = port.empty() ? AddInstance(*facts, i, "", runner) : AddInstanceForPort(*facts, i.name, port, runner);
  if (st.ok()) st = SaveFacts(LabFactsPath(), *facts);
  // Its own cloud's agents (its host, the DHCP server) must have the port;
  // other clouds may be down and learn of it later.
  if (st.ok()) st = WaitForConvergence(*facts, 30000, (*facts)["instances"][i.name].value("cloud", ""));
  if (st.ok()) st = StartDhcpClients(*facts, i.name);
  if (st.ok()) st = WaitDhcpLeases(*facts, i.name, 30000);
  if (st.ok()) st = StartService(i.name, InstanceNamespace(i.name), "0.0.0.0:" + std::to_string(kInstanceServicePort));
  if (st.ok()) st = SaveFacts(LabFactsPath(), *facts);
  if (!st.ok()) return Fail(st);
  std::cout << "instance " << i.name << " " << (*facts)["instances"][i.name].value("ip", "") << " on "
            << (*facts)["instances"][i.name].value("host", "") << "\n";
  return 0;
}

// `lab lease <instance> [--dev DEV] [--renew]`: the instance's latest DHCP
// lease; --renew makes its client renew (SIGUSR1) and waits for the answer.
int LeaseCmd(const std::vector<std::string>& args) {
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  std::string instance, dev = "eth0";
  bool renew = false;
  for (size_t k = 0; k < args.size(); ++k) {
    if (args[k] == "--dev" && k + 1 < args.size()) dev = args[++k];
    else if (args[k] == "--renew") renew = true;
    else if (instance.empty() && args[k].rfind("--", 0) != 0) instance = args[k];
    else return UsageError("lease", "unexpected argument " + args[k]);
  }
  if (!(*facts)["instances"].contains(instance))
    return Fail(NotFound("no instance named '" + instance + "' in this lab"));
  Result<nlohmann::json> lease = ReadLease(instance, dev);
  if (renew) {
    int before = LeaseEvents(instance, dev);
    Status st = SignalDaemon(DhcpClientDaemon(instance, dev), SIGUSR1);
    if (!st.ok()) return Fail(st);
    lease = WaitLease(instance, dev, before, 20000);
  }
  if (!lease.ok()) return Fail(lease.status());
  std::cout << lease->dump() << "\n";
  return 0;
}

// `lab openrc [--project NAME]` and `lab token [--project NAME]`: point the
// openstack CLI (or curl) at the lab's central, as the admin or the demo member.
std::string ProjectArg(const std::vector<std::string>& args, const std::string& cmd, Status& st) {
  std::string project = "admin";
  for (size_t k = 0; k < args.size(); ++k) {
    if (args[k] == "--project" && k + 1 < args.size()) project = args[++k];
    else st = InvalidArgument("unexpected argument " + args[k] + " (isthmus lab " + cmd + " --help)");
  }
  return project;
}

int OpenrcCmd(const std::vector<std::string>& args, bool token_only) {
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  Status st;
  std::string project = ProjectArg(args, token_only ? "token" : "openrc", st);
  if (!st.ok()) return Fail(st);
  Credentials creds = LabCredentials(*facts, project);
  if (creds.user.empty()) return Fail(NotFound("no user of project '" + project + "' in this lab (admin, demo)"));
  if (token_only) {
    TokenSource tokens(*Endpoint::Parse(facts->value("central", "")), creds);
    auto h = tokens.Headers();
    if (!h.ok()) return Fail(h.status());
    std::cout << h->find("X-Auth-Token")->second << "\n";
    return 0;
  }
  std::cout << "export OS_AUTH_URL=" << (*facts)["identity"].value("auth_url", "") << "\n"
            << "export OS_IDENTITY_API_VERSION=3\n"
            << "export OS_AUTH_TYPE=password\n"
            << "export OS_USERNAME=" << creds.user << "\n"
            << "export OS_PASSWORD=" << creds.password << "\n"
            << "export OS_PROJECT_NAME=" << creds.project << "\n"
            << "export OS_USER_DOMAIN_NAME=Default\n"
            << "export OS_PROJECT_DOMAIN_NAME=Default\n"
            << "export OS_REGION_NAME=RegionOne\n"
            << "export OS_INTERFACE=public\n";
  if ((*facts).contains("tls")) std::cout << "export OS_CACERT=" << (*facts)["tls"].value("ca", "") << "\n";
  return 0;
}

// `--json` or nothing (lab matrix, lab north-south).
Result<bool> JsonFlag(const std::vector<std::string>& args, const std::string& cmd) {
  if (args.empty()) return false;
  if (args.size() == 1 && args[0] == "--json") return true;
  return InvalidArgument("unexpected argument " + args[0] + " (isthmus lab " + cmd + " --help)");
}

int NorthSouthCmd(const std::vector<std::string>& args) {
  auto json = JsonFlag(args, "north-south");
  if (!json.ok()) return Fail(json.status());
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  SystemRunner runner;
  NorthSouth t = MeasureNorthSouth(*facts, LabRoutes(*facts), runner, 3);
  if (*json) std::cout << t.ToJson().dump(2) << "\n";
  else t.Print(std::cout);
  return t.AllPassed() ? 0 : 1;
}

int MatrixCmd(const std::vector<std::string>& args) {
  auto json = JsonFlag(args, "matrix");
  if (!json.ok()) return Fail(json.status());
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  SystemRunner runner;
  Matrix m = MeasureMatrix(*facts, LabRoutes(*facts), runner, 3);
  if (*json) std::cout << m.ToJson().dump(2) << "\n";
  else m.Print(std::cout);
  return 0;
}

// `lab start NAME`: a daemon again, with the arguments it was first given. A
// restarted ovs-vswitchd also gets its host's VTEP address back on br-phy
// (which it recreated empty), as `lab up` did.
int StartCmd(const std::string& name) {
  auto pid = RestartDaemon(name);
  if (!pid.ok()) return Fail(pid.status());
  const std::string prefix = "ovs-vswitchd-";
  if (name.rfind(prefix, 0) != 0) return 0;
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  std::string host = name.substr(prefix.size());
  if (!(*facts)["hosts"].contains(host)) return Fail(NotFound("no host named '" + host + "' in this lab"));
  SystemRunner runner;
  Status st = RestoreHostVtep(runner, host, (*facts)["hosts"][host].value("vtep_ip", "") + kUnderlayPrefix);
  return st.ok() ? 0 : Fail(st);
}

}  // namespace

int Main(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << LabHelp();
    return args.empty() ? 2 : 0;
  }
  const LabCommand* command = FindLabCommand(args[0]);
  if (!command) {
    std::cerr << "isthmus lab: unknown command '" << args[0] << "' (isthmus lab --help)\n";
    return 2;
  }
  // Help and drawings of a named topology need neither root nor a lab.
  if (LabWantsHelp(std::vector<std::string>(args.begin() + 1, args.end()))) {
    std::cout << LabCommandHelp(*command);
    return 0;
  }
  if (args[0] == "show" && args.size() >= 2 && (args[1] == "--dot" || args[1] == "--svg"))
    return ShowGraph(std::vector<std::string>(args.begin() + 1, args.end()));
  if (args[0] == "serve") return ServeMain(std::vector<std::string>(args.begin() + 1, args.end()));
  if (geteuid() != 0) return Fail(Status(Code::kForbidden, "the lab needs root (namespaces, Open vSwitch)"));
  SetLogTag("lab");
  const std::string& cmd = args[0];
  // Commands that talk to the lab's daemons do so as its operator (docs/trust.md).
  if (auto facts = LoadFacts(LabFactsPath()); cmd != "up" && facts.ok()) {
    Status st = UseOperatorTls(*facts);
    if (!st.ok()) return Fail(st);
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if ((cmd == "down" || cmd == "daemons" || cmd == "leftovers") && !rest.empty())
    return UsageError(cmd, "unexpected argument " + rest[0]);
  if (cmd == "up") return Up(rest);
  if (cmd == "down") return Down();
  if (cmd == "exec") return Exec(rest);
  if (cmd == "show") return Show(rest);
  if (cmd == "matrix") return MatrixCmd(rest);
  if (cmd == "north-south") return NorthSouthCmd(rest);
  if (cmd == "lease") return LeaseCmd(rest);
  if (cmd == "openrc") return OpenrcCmd(rest, false);
  if (cmd == "token") return OpenrcCmd(rest, true);
  if (cmd == "add-instance") return AddInstanceCmd(rest);
  if (cmd == "wait-converged") {
    auto facts = LoadFacts(LabFactsPath());
    if (!facts.ok()) return Fail(facts.status());
    int secs = 60;
    if (rest.size() == 2 && rest[0] == "--timeout") secs = std::atoi(rest[1].c_str());
    else if (!rest.empty()) return UsageError(cmd, "unexpected argument " + rest[0]);
    if (secs <= 0) return UsageError(cmd, "--timeout takes a number of seconds");
    Status st = WaitForConvergence(*facts, secs * 1000);
    return st.ok() ? 0 : Fail(st);
  }
  if (cmd == "daemons") {
    for (const auto& n : DaemonNames())
      std::cout << n << (DaemonRunning(n) ? " running" : " stopped") << "\n";
    return 0;
  }
  if ((cmd == "kill" || cmd == "start") && !rest.empty() && rest[0] == "--cloud")
    return CloudOutageCmd(cmd, rest);
  if (cmd == "kill" || cmd == "start") {
    if (rest.empty()) return UsageError(cmd, "which daemon? (isthmus lab daemons lists them)");
    int sig = 9;
    if (cmd == "kill" && rest.size() == 3 && rest[1] == "--signal") sig = std::atoi(rest[2].c_str());
    else if (rest.size() != 1) return UsageError(cmd, "unexpected argument " + rest[1]);
    if (sig <= 0 || sig > 64) return UsageError(cmd, "--signal takes a signal number");
    if (cmd == "kill") {
      Status st = SignalDaemon(rest[0], sig);
      return st.ok() ? 0 : Fail(st);
    }
    return StartCmd(rest[0]);
  }
  if (cmd == "leftovers") {
    std::cout << LeftoversReport();
    return 0;
  }
  return Fail(Internal("command '" + cmd + "' has help but no implementation"));
}

}  // namespace isthmus::lab
