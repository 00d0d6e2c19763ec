// One cloud's outage in the lab (`lab kill --cloud`, `lab start --cloud`): every
// process of the cloud (its controller, each of its hosts' agent, Open vSwitch
// and whatever runs in the host's namespaces, e.g. the agents' dnsmasq) signalled
// at once, and brought back in the order a cloud boots. Instances are not the
// cloud's processes (they are VMs): they are left alone.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/status.h"

namespace isthmus::lab {

// The lab daemons of a cloud, in start-up order: each host's ovsdb-server, each
// host's ovs-vswitchd, the controller (cloud-<name>), each host's agent.
struct CloudDaemons {
  std::vector<std::string> hosts;  // sorted
  std::vector<std::string> ovsdb_servers;
  std::vector<std::string> vswitchds;
  std::string controller;
  std::vector<std::string> agents;
};
// NotFound (naming the lab's clouds) when the facts have no such cloud.
Result<CloudDaemons> DaemonsOfCloud(const nlohmann::json& facts, const std::string& cloud);

// Of the machine's namespace names, those of the given host: isth-<host> and
// the agent's isth-<host>-* (qrouter, snat, fip, qdhcp), never an instance's.
std::vector<std::string> HostNamespaces(const std::vector<std::string>& all_namespaces,
                                        const std::string& host,
                                        const std::vector<std::string>& instances);

struct CloudKillReport {
  std::vector<std::string> daemons;  // signalled (were running)
  std::vector<std::string> already_stopped;
  std::vector<std::string> others;   // "dnsmasq[1234] in isth-c3-net-qdhcp-..."
};
// Sends `signal` to every process of the cloud: agents first (so none reacts
// to the rest), the controller, then every process in its hosts' namespaces
// (Open vSwitch, dnsmasq, ...). With SIGKILL, returns once all are gone.
// Daemons keep their pid files, so StartCloud can start them again.
Result<CloudKillReport> KillCloud(const nlohmann::json& facts, const std::string& cloud, int signal,
                                  Runner& runner);

// Starts what of the cloud is not running, in start-up order: ovsdb-servers,
// ovs-vswitchds (each host's VTEP address put back on br-phy), the controller
// (waiting until it answers), the agents (which start their dnsmasq again).
// Returns the daemons it started.
Result<std::vector<std::string>> StartCloud(const nlohmann::json& facts, const std::string& cloud,
                                            Runner& runner);

// `lab kill --cloud NAME [--signal N]` and `lab start --cloud NAME` (args
// after kill/start): prints what it did; returns the exit code.
int CloudOutageCmd(const std::string& cmd, const std::vector<std::string>& args);

}  // namespace isthmus::lab
