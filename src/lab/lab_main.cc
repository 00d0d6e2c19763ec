#include "lab/lab_main.h"

#include <sys/stat.h>

#include <iostream>

#include "common/log.h"
#include "lab/builder.h"
#include "lab/facts.h"
#include "lab/paths.h"
#include "lab/matrix.h"
#include "lab/daemons.h"
#include "lab/topology.h"
#include "lab/machine.h"

namespace isthmus::lab {
namespace {

constexpr char kHelp[] = R"(usage: isthmus lab <command>

  up s2 [--legacy] [--no-dvr-mac-federation] [--gateway-mode=anycast|per-cloud]
        build the seed's scenario S2 on this machine (two clouds, two compute
        hosts each, net3 and net4 stretched over both, routers R1 and R2) and
        print its connectivity matrix. --legacy: centralized routers on one
        network node per cloud. --no-dvr-mac-federation: the clouds do not trust
        each other's DVR MACs (the seed's failure comes back). --gateway-mode:
        anycast (default: one gateway IP, a MAC per cloud) or per-cloud
        (Tricircle's: each cloud's router has its own gateway IP).
  down  remove everything the lab made: processes, namespaces, bridges, files
  exec <instance|host|underlay> -- <command...>
        run a command inside an instance or host namespace (on a host, the
        ovs-* tools talk to that host's Open vSwitch)
  matrix [--json]   measure the connectivity matrix again
  show [--get PATH] print what the lab built (lab.json), or one fact of it,
        e.g. --get instance.instance1.ip, --get router.R2.net4.mac, --get hosts
  leftovers         list anything of a lab still present (empty when clean)
  add-instance <name> --host H --network N [--ip IP]
                    create a port bound to H and an instance namespace on it
  wait-converged [--timeout S]  wait until every agent applied its latest state
  daemons           list the lab's daemons and whether they run
  kill <daemon> [--signal N]   signal a daemon (default 9: a crash)
  start <daemon>    start a stopped or killed daemon again, with its arguments
)";

int Fail(const Status& st) {
  std::cerr << "isthmus lab: " << st.message() << "\n";
  return st.code() == Code::kInvalidArgument ? 2 : 1;
}

bool LabIsUp() {
  struct stat st;
  return stat(LabRoot().c_str(), &st) == 0;
}

int Up(const std::vector<std::string>& args) {
  std::string name;
  LabOptions options;
  for (const auto& a : args) {
    if (a == "--legacy") options.legacy = true;
    else if (a == "--no-dvr-mac-federation") options.dvr_mac_federation = false;
    else if (a == "--dvr-mac-federation") options.dvr_mac_federation = true;
    else if (a == "--gateway-mode=per-cloud") options.gateway_mode = "per-cloud";
    else if (a == "--gateway-mode=anycast") options.gateway_mode = "anycast";
    else if (a.rfind("--", 0) == 0) return Fail(InvalidArgument("unknown option " + a));
    else if (name.empty()) name = a;
    else return Fail(InvalidArgument("unexpected argument " + a));
  }
  if (name.empty()) return Fail(InvalidArgument("which topology? known: s2"));
  auto topology = MakeTopology(name, options);
  if (!topology) return Fail(InvalidArgument("unknown topology '" + name + "'; known: s2"));
  if (LabIsUp())
    return Fail(Conflict("a lab is already up (" + LabRoot() + " exists); run `isthmus lab down` first"));
  std::cout << "isthmus lab: bringing up " << name << " ("
            << (options.legacy ? "legacy routers" : "distributed routers")
            << ", DVR MAC federation " << (options.dvr_mac_federation ? "on" : "off")
            << ", " << options.gateway_mode << " gateways)\n";
  SystemRunner runner;
  auto facts = BuildLab(*topology, runner, std::cout);
  if (!facts.ok()) {
    std::cerr << "isthmus lab: " << facts.status().message() << "\n"
              << "logs are in " << LabRoot() << "/logs; `isthmus lab down` removes it all\n";
    return 1;
  }
  std::cout << "\nconnectivity (ICMP, every ordered pair):\n";
  MeasureMatrix(*facts, runner, 3).Print(std::cout);
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
  if (args.size() < 3 || args[1] != "--")
    return Fail(InvalidArgument("usage: isthmus lab exec <instance|host|underlay> -- <command...>"));
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
  } else {
    return Fail(NotFound("no instance or host named '" + target + "' in this lab"));
  }
  return ExecInteractive(ns, cmd, env);
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
  if (!args.empty()) return Fail(InvalidArgument("usage: isthmus lab show [--get PATH]"));
  std::cout << facts->dump(2) << "\n";
  return 0;
}

int AddInstanceCmd(const std::vector<std::string>& args) {
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  LabInstance i;
  for (size_t k = 0; k < args.size(); ++k) {
    auto value = [&]() -> std::string { return k + 1 < args.size() ? args[++k] : ""; };
    if (args[k] == "--host") i.host = value();
    else if (args[k] == "--network") i.network = value();
    else if (args[k] == "--ip") i.ip = value();
    else if (i.name.empty() && args[k].rfind("--", 0) != 0) i.name = args[k];
    else return Fail(InvalidArgument("unexpected argument " + args[k]));
  }
  if (i.name.empty() || i.host.empty() || i.network.empty())
    return Fail(InvalidArgument("usage: isthmus lab add-instance <name> --host H --network N [--ip IP]"));
  SystemRunner runner;
  Status st = AddInstance(*facts, i, "", runner);
  if (st.ok()) st = SaveFacts(LabFactsPath(), *facts);
  if (!st.ok()) return Fail(st);
  std::cout << "instance " << i.name << " " << (*facts)["instances"][i.name].value("ip", "") << " on "
            << i.host << "\n";
  return 0;
}

int MatrixCmd(const std::vector<std::string>& args) {
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  SystemRunner runner;
  Matrix m = MeasureMatrix(*facts, runner, 3);
  if (!args.empty() && args[0] == "--json") std::cout << m.ToJson().dump(2) << "\n";
  else m.Print(std::cout);
  return 0;
}

}  // namespace

int Main(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kHelp;
    return args.empty() ? 2 : 0;
  }
  if (geteuid() != 0) return Fail(Status(Code::kForbidden, "the lab needs root (namespaces, Open vSwitch)"));
  SetLogTag("lab");
  const std::string& cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "up") return Up(rest);
  if (cmd == "down") return Down();
  if (cmd == "exec") return Exec(rest);
  if (cmd == "show") return Show(rest);
  if (cmd == "matrix") return MatrixCmd(rest);
  if (cmd == "add-instance") return AddInstanceCmd(rest);
  if (cmd == "wait-converged") {
    auto facts = LoadFacts(LabFactsPath());
    if (!facts.ok()) return Fail(facts.status());
    int secs = rest.size() == 2 && rest[0] == "--timeout" ? std::atoi(rest[1].c_str()) : 60;
    Status st = WaitForConvergence(*facts, secs * 1000);
    return st.ok() ? 0 : Fail(st);
  }
  if (cmd == "daemons") {
    for (const auto& n : DaemonNames())
      std::cout << n << (DaemonRunning(n) ? " running" : " stopped") << "\n";
    return 0;
  }
  if (cmd == "kill" || cmd == "start") {
    if (rest.empty()) return Fail(InvalidArgument("usage: isthmus lab " + cmd + " <daemon>"));
    int sig = 9;
    if (rest.size() == 3 && rest[1] == "--signal") sig = std::atoi(rest[2].c_str());
    if (cmd == "kill") {
      Status st = SignalDaemon(rest[0], sig);
      return st.ok() ? 0 : Fail(st);
    }
    auto pid = RestartDaemon(rest[0]);
    return pid.ok() ? 0 : Fail(pid.status());
  }
  if (cmd == "leftovers") {
    std::cout << LeftoversReport();
    return 0;
  }
  std::cerr << "isthmus lab: unknown command '" << cmd << "'\n" << kHelp;
  return 2;
}

}  // namespace isthmus::lab
