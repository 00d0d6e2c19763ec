#include "lab/lab_commands.h"

#include <sstream>

#include "lab/topology_file.h"

namespace isthmus::lab {

const std::vector<LabCommand>& LabCommands() {
  static const std::vector<LabCommand> commands = {
      {"up", "up TOPOLOGY [--legacy] [--no-dvr-mac-federation] [--gateway-mode=anycast|per-cloud]",
       R"T(build a topology on this machine: its clouds (a controller each), their
hosts (a namespace with Open vSwitch and an agent each), an external
network per cloud upstream of which sits the lab's internet namespace,
then its networks, routers and instances through the central API; and
print the east-west connectivity matrix and the north-south table.
TOPOLOGY is a JSON file (format: docs/topology.md) or the name of a
shipped one (the repository's topologies/ folder, `isthmus lab --help`
lists them). --legacy: every router centralized on its cloud's network
node, whatever the file says. --no-dvr-mac-federation: the clouds do not
trust each other's DVR MACs (the seed's failure comes back).
--gateway-mode: every subnet's, whatever the file says: anycast (one
gateway IP, a MAC per cloud) or per-cloud (Tricircle's: each cloud's
router has its own gateway IP).)T"},
      {"down", "down", "remove everything the lab made: processes, namespaces, bridges, files"},
      {"exec", "exec <instance|host|internet|underlay> -- <command...>",
       R"T(run a command inside an instance, host or the internet namespace (on a
host, the ovs-* tools talk to that host's Open vSwitch))T"},
      {"matrix", "matrix [--json]",
       R"T(measure the east-west connectivity matrix again: ICMP from every
instance to every other one whose pair the routers can carry (the others
print "no route": docs/topology.md, "Routing"), 8 pairs at a time)T"},
      {"north-south", "north-south [--json]",
       R"T(measure the north-south table again: each instance fetches the
internet's page (through its gateway router's external network), the
internet fetches each floating IP's)T"},
      {"lease", "lease <instance> [--dev DEV] [--renew]",
       R"T(the NIC's latest DHCP lease (JSON, with the server that answered);
--renew forces a renewal and prints its answer)T"},
      {"show", "show [--get PATH | --dot [TOPOLOGY] | --svg [TOPOLOGY]]",
       R"T(print what the lab built (lab.json), or one fact of it, e.g.
--get instance.instance1.ip, --get router.R2.net4.mac, --get hosts.
--dot: the topology as a Graphviz graph (clouds as clusters with their
hosts, routers and instances; networks with their CIDRs); --svg: the same
drawn by Graphviz's `dot -Tsvg`. Without TOPOLOGY, the lab that is up;
with it (a shipped name or a file), no lab and no root needed.)T"},
      {"openrc", "openrc [--project admin|demo]",
       R"T(environment for the openstack CLI, as the lab's admin or the demo
project's member: eval "$(isthmus lab openrc)"; openstack network list)T"},
      {"token", "token [--project admin|demo]", "a token for X-Auth-Token (curl)"},
      {"leftovers", "leftovers", "list anything of a lab still present (empty when clean)"},
      {"add-instance", "add-instance <name> (--host H --network N [--ip IP] | --port ID)",
       R"T(--host/--network: create a port bound to H and an instance on it
(DHCP); --port: an instance on an existing port (bound to a lab host))T"},
      {"wait-converged", "wait-converged [--timeout S]",
       "wait until every agent applied its latest desired state (default 60 s)"},
      {"daemons", "daemons",
       R"T(list the lab's daemons and whether they run: central, cloud-*,
agent-*, each host's ovsdb-server-<host> and ovs-vswitchd-<host>, DHCP
clients, services)T"},
      {"kill", "kill <daemon> [--signal N] | kill --cloud NAME [--signal N]",
       R"T(signal a daemon (default 9: a crash); --cloud: every process of the
cloud (controller, agents, each host's Open vSwitch, dnsmasq), not its
instances)T"},
      {"start", "start <daemon> | start --cloud NAME",
       R"T(start a stopped or killed daemon again, with its arguments (in its
namespace; a restarted ovs-vswitchd also gets the host's VTEP address
back on br-phy); --cloud: what of the cloud is not running, in boot
order (ovsdb-server, ovs-vswitchd, controller, agents))T"},
      {"serve", "serve --listen ADDR:PORT --name NAME",
       R"T(the lab's HTTP service (answers "NAME: hello <caller's address>"))T"},
  };
  return commands;
}

const LabCommand* FindLabCommand(std::string_view name) {
  for (const auto& c : LabCommands())
    if (c.name == name) return &c;
  return nullptr;
}

namespace {

std::string Indent(std::string_view text, const std::string& pad) {
  std::string out;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) out += pad + line + "\n";
  return out;
}

}  // namespace

std::string LabHelp() {
  std::string out = "usage: isthmus lab <command> [options]   (isthmus lab <command> --help: one command)\n\n";
  for (const auto& c : LabCommands()) out += "  " + std::string(c.usage) + "\n" + Indent(c.description, "        ");
  out += "\nshipped topologies (isthmus lab up NAME):\n";
  for (const auto& t : ShippedTopologies()) out += "  " + t.name + ": " + t.description + "\n";
  return out;
}

std::string LabCommandHelp(const LabCommand& c) {
  return "usage: isthmus lab " + std::string(c.usage) + "\n\n" + Indent(c.description, "  ");
}

bool LabWantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--") return false;
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

}  // namespace isthmus::lab
