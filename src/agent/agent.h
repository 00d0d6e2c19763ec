// The host agent: registers the host with its cloud, watches its HostState
// (long-poll) and its OVSDB interfaces (monitor), and converges OVS and the
// router namespaces to them. Owns nothing durable: after a restart the first
// pass is a full resync, later passes send only differences. A failed pass is
// retried with backoff and the data plane keeps its last good programming.
// When ovs-vswitchd or ovsdb-server restarts (VswitchdWatch, OvsdbMonitor) the
// next pass reinstalls everything: bridges, ports and every flow.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "agent/applied_reporter.h"
#include "agent/cloud_client.h"
#include "agent/dhcp_ns.h"
#include "agent/flows.h"
#include "agent/ovs.h"
#include "agent/netns.h"
#include "agent/ovsdb_monitor.h"
#include "agent/router_ns.h"
#include "agent/vswitchd_watch.h"
#include "common/process.h"

namespace isthmus::agent {

struct AgentConfig {
  std::string host;
  std::string role = "compute";
  std::string local_ip;     // VTEP
  std::string cloud_url;
  OvsTarget ovs;
  std::string host_netns;   // namespace OVS runs in ("" = ours)
  std::string ns_prefix;    // before "qrouter-<id>"
  std::string status_file;  // where to write {"revision", "flows"} after each pass
  std::string state_dir;    // DHCP servers' files
};

class Agent {
 public:
  Agent(AgentConfig config, Runner& runner);
  // Runs until Stop(); returns non-zero only on a fatal configuration error.
  int Run();
  void Stop();

 private:
  using StatePtr = std::shared_ptr<const state::HostState>;
  void WatchState();
  void OnInterfaces(const InterfaceTable& table);
  // From the watches: OVS lost (vswitchd closed its connection) / OVS back
  // (vswitchd answers again, or ovsdb-server does): resync everything.
  void OnOvsLost();
  void OnOvsBack(const char* what);

  // Two workers, each converging its part to the newest state and retrying a
  // failed pass with backoff, so that a router's namespace work (an OVSDB round
  // trip to vswitchd per leg, veths, addresses, iptables-restore: ~100 ms) never
  // holds back the flows of the next revision. Flows: tunnels, both bridges'
  // flows, conntrack. Namespaces: routers' and DHCP servers'. A leg's flows wait
  // for its OVS port, which the OVSDB monitor reports once the namespace worker
  // plugged it.
  void FlowLoop();
  void NamespaceLoop();
  // Waits for work of the worker whose flag is `dirty`; false when stopping.
  bool WaitForWork(bool Agent::*dirty, StatePtr* s, InterfaceTable* ifaces);
  // True when every flow of the state is in: no router leg waits for its port.
  Result<bool> ReconcileFlows(const state::HostState& s, const InterfaceTable& ifaces);
  Status ReconcileNamespaces(const state::HostState& s, const InterfaceTable& ifaces);
  OvsPorts PortsFor(const state::HostState& s, const InterfaceTable& ifaces) const;
  // Compiles the state's flows for `ports` and sends both bridges' differences.
  Result<CompiledFlows> InstallFlows(const state::HostState& s, const OvsPorts& ports);
  // After a worker's good pass: the revision both workers applied goes to the
  // status file, the metrics and the cloud.
  void Publish();
  void WriteStatus(int64_t revision, size_t flows);
  // After a port's rules changed: deletes the conntrack entries of its zone
  // that its rules no longer allow (conntrack_sweep.h). Failures are logged.
  void SweepConntrack(const state::HostState& s, const OvsPorts& ports);

  AgentConfig config_;
  Runner& runner_;
  Ovs ovs_;     // the flow worker's (OpenFlow, tunnels, conntrack)
  Ovs ns_ovs_;  // the namespace worker's (its own OVSDB connection)
  Netns netns_;
  RouterNamespaces routers_;
  DhcpServers dhcp_;
  std::optional<CloudClient> cloud_;
  std::optional<AppliedReporter> reporter_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool flows_dirty_ = false;
  bool ns_dirty_ = false;
  StatePtr state_;
  InterfaceTable ifaces_;
  bool have_ifaces_ = false;
  bool ovs_lost_ = false;    // vswitchd went away and has not answered since
  bool resync_all_ = false;  // the next flow pass reinstalls bridges and every flow
  bool wake_ = false;        // cuts a retry backoff short (OVS is back)
  int64_t flows_applied_ = 0;  // the newest revision whose every flow is in
  int64_t ns_applied_ = 0;     // the newest revision whose namespaces are in
  size_t flows_installed_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> applied_revision_{0};  // what both workers applied
  std::mutex status_mu_;                      // the status file's writer

  // Owned by the flow worker only.
  bool full_resync_ = true;
  bool bridges_ok_ = false;  // EnsureBridges succeeded since the last loss
  size_t flow_changes_ = 0;  // sent by this pass so far
  FlowTable installed_int_, installed_tun_;
  std::map<std::string, int> installed_ofports_;  // interface -> ofport at the last pass's flows
  std::map<std::string, std::string> rule_digests_;  // port id -> RulesDigest last applied
};

}  // namespace isthmus::agent
