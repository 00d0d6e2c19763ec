// The host agent: registers the host with its cloud, watches its HostState
// (long-poll) and its OVSDB interfaces (monitor), and converges OVS and the
// router namespaces to them. Owns nothing durable: after a restart the first
// pass is a full resync, later passes send only differences. A failed pass is
// retried with backoff and the data plane keeps its last good programming.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "agent/cloud_client.h"
#include "agent/dhcp_ns.h"
#include "agent/flows.h"
#include "agent/ovs.h"
#include "agent/netns.h"
#include "agent/ovsdb_monitor.h"
#include "agent/router_ns.h"
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
  void WatchState();
  void OnInterfaces(const InterfaceTable& table);
  Status Reconcile(const state::HostState& s, const InterfaceTable& ifaces);
  void WriteStatus(int64_t revision, size_t flows);

  AgentConfig config_;
  Runner& runner_;
  Ovs ovs_;
  Netns netns_;
  RouterNamespaces routers_;
  DhcpServers dhcp_;
  std::optional<CloudClient> cloud_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false;
  std::optional<state::HostState> state_;
  InterfaceTable ifaces_;
  bool have_ifaces_ = false;
  std::atomic<bool> stop_{false};

  // Owned by the reconcile loop only.
  bool full_resync_ = true;
  FlowTable installed_int_, installed_tun_;
  std::set<std::string> installed_ports_;  // OVS ports the installed flows may name
};

}  // namespace isthmus::agent
