// The cross-host packet tracer behind `isthmus trace`: starts from an
// instance's VIF with ofproto/trace on its host, follows the packet through
// router namespaces (the kernel's route and neighbour tables) and tunnels (to
// the host owning the remote VTEP, in any cloud), and ends with a verdict:
// delivered, dropped (by which table and rule), or leaving the federation.
// docs/architecture.md, "isthmus trace".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/status.h"
#include "trace/ofproto_trace.h"

namespace isthmus::trace {

// A host the tracer can reach: its Open vSwitch (OVS_RUNDIR) and namespaces.
struct TraceHost {
  std::string name;
  std::string vtep_ip;
  std::string ovs_rundir;
  std::string netns;      // the host's own namespace ("" = this one)
  std::string ns_prefix;  // its agent's namespace prefix ("isth-c1-h1-")
};

struct Hop {
  std::string host;
  std::string where;   // "br-int", "br-tun", "qrouter-<id>", "tunnel"
  int table = -1;      // flow table, or -1
  std::string table_name;
  int priority = -1;
  std::string match;
  std::string actions;  // comma separated
};

struct TraceReport {
  std::vector<Hop> hops;
  std::string verdict;  // "delivered", "dropped", "flooded", "leaves", "unknown"
  std::string detail;   // "to instance4 (port t-instance4 on c2-h2)", "by br-int table 25 ..."
};

class Tracer {
 public:
  // port_labels: Neutron port id -> what to call its owner ("instance4").
  Tracer(Runner& runner, std::vector<TraceHost> hosts, std::map<std::string, std::string> port_labels)
      : runner_(runner), hosts_(std::move(hosts)), labels_(std::move(port_labels)) {}

  // Follows `p` (p.in_port on host `host`'s br-int) until a verdict, at most
  // 12 segments (a loop is reported as such).
  Result<TraceReport> Run(const std::string& host, Packet p);

  // The VIF (OVS port) whose external_ids:iface-id is `port_id` on `host`.
  Result<std::string> VifOf(const std::string& host, const std::string& port_id);

 private:
  const TraceHost* Host(const std::string& name) const;
  const TraceHost* HostOfVtep(const std::string& ip) const;
  Result<std::string> OvsTool(const TraceHost& h, std::vector<std::string> argv);
  Result<std::string> Ip(const std::string& netns, std::vector<std::string> argv);
  Result<std::string> PortName(const TraceHost& h, const std::string& bridge, const std::string& number);
  // "in_port=2,... output:4" with the bridge's port names instead of numbers.
  Result<std::string> NamePorts(const TraceHost& h, const std::string& bridge, const std::string& text);
  // The kernel hop: a packet entering a router namespace by device `dev`.
  // Fills `p` as it leaves (in_port = the OVS peer of the egress device) or
  // sets the report's verdict.
  Status RouterHop(const TraceHost& h, const std::string& dev, Packet& p, TraceReport& r, bool& go_on);

  Runner& runner_;
  std::vector<TraceHost> hosts_;
  std::map<std::string, std::string> labels_;
  std::map<std::string, std::map<std::string, std::string>> port_names_;  // host/bridge -> number -> name
};

// "25" on "br-int" -> "MAC_SPOOF" (docs/architecture.md's names); "" if unknown.
std::string TableName(const std::string& bridge, int table);

// Prints the report as the CLI shows it: one line per hop, then the verdict.
std::string FormatReport(const TraceReport& r);

}  // namespace isthmus::trace
