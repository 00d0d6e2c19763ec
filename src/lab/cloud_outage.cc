#include "lab/cloud_outage.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "common/http.h"
#include "lab/daemons.h"
#include "lab/facts.h"
#include "lab/machine.h"
#include "lab/paths.h"
#include "lab/topology.h"

namespace isthmus::lab {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// `ip netns list` prints "name (id: N)" or "name".
Result<std::vector<std::string>> AllNamespaces(Runner& runner) {
  auto out = runner.Check({{"ip", "netns", "list"}, "", {}});
  if (!out.ok()) return out.status();
  std::vector<std::string> names;
  for (const auto& line : Lines(*out)) names.push_back(line.substr(0, line.find(' ')));
  return names;
}

std::string Comm(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm.empty() ? "?" : comm;
}

// Gone, or a zombie (init reaps it soon; it holds nothing any more).
bool Gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!std::getline(stat, s)) return true;
  auto close = s.rfind(')');
  return close != std::string::npos && s.size() > close + 2 && s[close + 2] == 'Z';
}

// Every process in the cloud's hosts' namespaces but the given daemons' pids.
Result<std::vector<std::pair<pid_t, std::string>>> OtherProcesses(const nlohmann::json& facts,
                                                                  const CloudDaemons& d,
                                                                  const std::set<pid_t>& daemons,
                                                                  Runner& runner) {
  auto all = AllNamespaces(runner);
  if (!all.ok()) return all.status();
  std::vector<std::string> instances;
  if (facts.contains("instances"))
    for (const auto& [name, _] : facts["instances"].items()) instances.push_back(name);
  std::vector<std::pair<pid_t, std::string>> out;
  for (const auto& host : d.hosts)
    for (const auto& ns : HostNamespaces(*all, host, instances)) {
      auto pids = NamespacePids(runner, ns);
      if (!pids.ok()) return pids.status();
      for (pid_t p : *pids)
        if (p > 1 && p != getpid() && !daemons.count(p)) out.push_back({p, ns});
    }
  return out;
}

Status WaitControllerAnswers(const nlohmann::json& facts, const std::string& cloud) {
  auto ep = Endpoint::Parse(facts["clouds"][cloud].value("endpoint", ""));
  if (!ep.ok()) return ep.status();
  return WaitFor("controller of " + cloud + " answering on " + ep->ToString(), 10000,
                 [&] { return HttpCall(*ep, "GET", "/", nullptr, 500).ok(); });
}

}  // namespace

Result<CloudDaemons> DaemonsOfCloud(const nlohmann::json& facts, const std::string& cloud) {
  if (!facts.contains("clouds") || !facts["clouds"].contains(cloud)) {
    std::string names;
    if (facts.contains("clouds"))
      for (const auto& [name, _] : facts["clouds"].items()) names += (names.empty() ? "" : ", ") + name;
    return NotFound("no cloud named '" + cloud + "' in this lab (clouds: " + names + ")");
  }
  CloudDaemons d;
  d.controller = "cloud-" + cloud;
  if (facts.contains("hosts"))
    for (const auto& [host, h] : facts["hosts"].items())
      if (h.value("cloud", "") == cloud) d.hosts.push_back(host);
  std::sort(d.hosts.begin(), d.hosts.end());
  for (const auto& h : d.hosts) {
    d.ovsdb_servers.push_back(OvsdbServerDaemon(h));
    d.vswitchds.push_back(VswitchdDaemon(h));
    d.agents.push_back("agent-" + h);
  }
  return d;
}

std::vector<std::string> HostNamespaces(const std::vector<std::string>& all_namespaces,
                                        const std::string& host,
                                        const std::vector<std::string>& instances) {
  const std::string own = HostNamespace(host), prefix = own + "-";
  std::vector<std::string> out;
  for (const auto& ns : all_namespaces) {
    bool instance = std::any_of(instances.begin(), instances.end(),
                                [&](const std::string& i) { return InstanceNamespace(i) == ns; });
    if (!instance && (ns == own || ns.rfind(prefix, 0) == 0)) out.push_back(ns);
  }
  return out;
}

Result<CloudKillReport> KillCloud(const nlohmann::json& facts, const std::string& cloud, int signal,
                                  Runner& runner) {
  if (signal < 1 || signal > SIGRTMAX)
    return InvalidArgument("--signal " + std::to_string(signal) + ": not a signal (1-" +
                           std::to_string(SIGRTMAX) + ")");
  auto d = DaemonsOfCloud(facts, cloud);
  if (!d.ok()) return d.status();
  // Agents first, then the controller: neither sees the rest go.
  std::vector<std::string> order = d->agents;
  order.push_back(d->controller);
  order.insert(order.end(), d->vswitchds.begin(), d->vswitchds.end());
  order.insert(order.end(), d->ovsdb_servers.begin(), d->ovsdb_servers.end());
  std::set<pid_t> daemon_pids;
  for (const auto& name : order)
    if (pid_t p = DaemonPid(name)) daemon_pids.insert(p);
  // The others are listed before any signal: a dying agent starts nothing new.
  auto others = OtherProcesses(facts, *d, daemon_pids, runner);
  if (!others.ok()) return others.status();
  CloudKillReport report;
  std::vector<pid_t> signalled;
  for (const auto& name : order) {
    pid_t p = DaemonPid(name);
    if (p == 0) {
      report.already_stopped.push_back(name);
      continue;
    }
    if (kill(p, signal) != 0) return Unavailable("cannot signal " + name + " (pid " + std::to_string(p) + ")");
    report.daemons.push_back(name);
    signalled.push_back(p);
  }
  for (const auto& [p, ns] : *others) {
    std::string comm = Comm(p);
    if (kill(p, signal) != 0) continue;  // it ended meanwhile
    report.others.push_back(comm + "[" + std::to_string(p) + "] in " + ns);
    signalled.push_back(p);
  }
  if (signal != SIGKILL) return report;
  ISTHMUS_RETURN_IF_ERROR(WaitFor("every process of " + cloud + " to end", 5000, [&] {
    return std::all_of(signalled.begin(), signalled.end(), Gone);
  }));
  return report;
}

Result<std::vector<std::string>> StartCloud(const nlohmann::json& facts, const std::string& cloud,
                                            Runner& runner) {
  auto d = DaemonsOfCloud(facts, cloud);
  if (!d.ok()) return d.status();
  std::vector<std::string> started;
  auto start = [&](const std::string& name) -> Result<bool> {
    if (DaemonRunning(name)) return false;
    auto pid = RestartDaemon(name);
    if (!pid.ok()) return pid.status();
    started.push_back(name);
    return true;
  };
  for (const auto& name : d->ovsdb_servers)
    if (auto s = start(name); !s.ok()) return s.status();
  std::vector<std::string> restarted_vswitchd_hosts;
  for (size_t k = 0; k < d->hosts.size(); ++k) {
    auto s = start(d->vswitchds[k]);
    if (!s.ok()) return s.status();
    if (*s) restarted_vswitchd_hosts.push_back(d->hosts[k]);
  }
  // A restarted vswitchd made br-phy's port anew, without the VTEP address.
  for (const auto& host : restarted_vswitchd_hosts)
    ISTHMUS_RETURN_IF_ERROR(
        RestoreHostVtep(runner, host, facts["hosts"][host].value("vtep_ip", "") + kUnderlayPrefix));
  auto controller = start(d->controller);
  if (!controller.ok()) return controller.status();
  ISTHMUS_RETURN_IF_ERROR(WaitControllerAnswers(facts, cloud));
  for (const auto& name : d->agents)
    if (auto s = start(name); !s.ok()) return s.status();
  return started;
}

namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

int Fail(const Status& st) {
  std::cerr << "isthmus lab: " << st.message() << "\n";
  return st.code() == Code::kInvalidArgument ? 2 : 1;
}

}  // namespace

int CloudOutageCmd(const std::string& cmd, const std::vector<std::string>& args) {
  const std::string usage = "(isthmus lab " + cmd + " --help)";
  std::string cloud;
  int signal = SIGKILL;
  for (size_t k = 0; k < args.size(); ++k) {
    bool has_value = k + 1 < args.size();
    if (args[k] == "--cloud" && has_value && cloud.empty()) {
      cloud = args[++k];
    } else if (args[k] == "--signal" && has_value && cmd == "kill") {
      const std::string& v = args[++k];
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > SIGRTMAX)
        return Fail(InvalidArgument("--signal " + v + ": not a signal number (1-" + std::to_string(SIGRTMAX) + ") " + usage));
      signal = static_cast<int>(n);
    } else if ((args[k] == "--cloud" || args[k] == "--signal") && !has_value) {
      return Fail(InvalidArgument(args[k] + " needs a value " + usage));
    } else {
      return Fail(InvalidArgument("unexpected argument " + args[k] + " " + usage));
    }
  }
  if (cloud.empty()) return Fail(InvalidArgument("which cloud? " + usage));
  auto facts = LoadFacts(LabFactsPath());
  if (!facts.ok()) return Fail(facts.status());
  SystemRunner runner;
  if (cmd == "kill") {
    auto r = KillCloud(*facts, cloud, signal, runner);
    if (!r.ok()) return Fail(r.status());
    std::cout << cloud << ": signal " << signal << " to " << Join(r->daemons) << "; in its hosts' namespaces: "
              << Join(r->others) << "\n";
    if (!r->already_stopped.empty()) std::cout << "  not running already: " << Join(r->already_stopped) << "\n";
    return 0;
  }
  auto started = StartCloud(*facts, cloud, runner);
  if (!started.ok()) return Fail(started.status());
  std::cout << cloud << ": started " << Join(*started) << "\n";
  return 0;
}

}  // namespace isthmus::lab
