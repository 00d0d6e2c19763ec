// Distributed (and legacy) router instances on this host: one qrouter-<id>
// network namespace per router, one qr- veth leg per subnet holding the gateway
// IP and MAC, its peer qp- plugged into br-int, and permanent ARP entries for
// every port of its subnets in every cloud. Owns those namespaces; converges
// them to the desired routers idempotently (docs/architecture.md, "Data plane").
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/ovs.h"
#include "common/process.h"
#include "state/host_state.h"

namespace isthmus::agent {

class RouterNamespaces {
 public:
  // host_netns: the namespace OVS runs in ("" = this one); prefix: put before
  // "qrouter-" so several lab hosts can share one kernel.
  RouterNamespaces(Runner& runner, Ovs& ovs, std::string host_netns, std::string prefix)
      : runner_(runner), ovs_(ovs), host_netns_(std::move(host_netns)), prefix_(std::move(prefix)) {}

  // Converges to `routers`; removes router namespaces with this prefix that are
  // not desired (also ones left by an earlier run) and qp- ports of legs that
  // no longer exist (existing_ports: br-int's current port names).
  Status Sync(const std::vector<state::RouterInstance>& routers,
              const std::set<std::string>& existing_ports);

 private:
  Status SyncRouter(const state::RouterInstance& router, const std::set<std::string>& existing_ports);
  // applied: what this router had when last synced (nullptr: read the kernel).
  Status SyncNeighbors(const std::string& ns, const state::RouterInstance& router,
                       const state::RouterInstance* applied);
  Status DeleteRouter(const std::string& ns);
  Result<std::string> Ip(const std::vector<std::string>& args, const std::string& netns,
                         const std::string& input = "");
  bool NamespaceExists(const std::string& ns) const;
  bool LinkExists(const std::string& netns, const std::string& dev);

  Runner& runner_;
  Ovs& ovs_;
  std::string host_netns_;
  std::string prefix_;
  std::map<std::string, state::RouterInstance> applied_;  // by router id
  bool swept_ = false;
};

}  // namespace isthmus::agent
