// Router instances on this host (docs/architecture.md, "Data plane"): one
// namespace per router instance, of three kinds (state::RouterInstance):
//   qrouter-<id> (dvr, legacy): qr- legs on br-int holding the gateway IP and
//       MAC, permanent ARP for every port of its subnets in every cloud; a
//       legacy router also has its qg- gateway on br-ex, SNAT and floating IPs;
//       a DVR router policy-routes to its SNAT legs and, for this host's
//       floating IPs, through an rfp-/fpr- link into fip-<external network>;
//   snat-<id>: a DVR router's centralized SNAT on the network node: sg- legs on
//       br-int and the qg- gateway on br-ex;
//   fip-<external network>: this host's floating-IP gateway (fg- on br-ex,
//       proxy ARP for the floating IPs routed to it).
// Converges them idempotently; a router whose desired state did not change
// costs nothing, one whose ports changed only rewrites ARP entries.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/netns.h"
#include "agent/ovs.h"
#include "common/process.h"
#include "state/host_state.h"

namespace isthmus::agent {

class RouterNamespaces {
 public:
  // prefix: put before "qrouter-", "snat-", "fip-" so several lab hosts can
  // share one kernel.
  RouterNamespaces(Netns& netns, Ovs& ovs, std::string prefix)
      : netns_(netns), ovs_(ovs), prefix_(std::move(prefix)) {}

  // Converges to `routers` and `fips`; removes namespaces with this prefix that
  // are not desired (also ones left by an earlier run) and legs' OVS ports that
  // no longer exist (existing_ports: OVS port names now).
  Status Sync(const std::vector<state::RouterInstance>& routers,
              const std::vector<state::FipGateway>& fips, const std::set<std::string>& existing_ports);

 private:
  std::string NamespaceOf(const state::RouterInstance& r) const;
  Status SyncFipGateway(const state::FipGateway& fip, const std::set<std::string>& existing_ports);
  Status SyncRouter(const state::RouterInstance& router, const state::RouterInstance* applied,
                    const std::set<std::string>& existing_ports);
  // nl: a netlink socket in the router's namespace ns.
  Status SyncFipLink(Rtnetlink& nl, const std::string& ns, const state::RouterInstance& router);
  Status SyncRules(Rtnetlink& nl, const state::RouterInstance& router, const state::RouterInstance* applied);
  // The nat table, replaced whole unless `applied` (the last good sync) had the
  // same, or the namespace is `fresh` (this pass created it) and needs no rule.
  Status SyncNat(const std::string& ns, const state::RouterInstance& router, const state::RouterInstance* applied,
                 bool fresh);
  Status SyncExtraRoutes(Rtnetlink& nl, const state::RouterInstance& router);
  // applied: what this router had when last synced (nullptr: read the kernel).
  Status SyncNeighbors(Rtnetlink& nl, const state::RouterInstance& router, const state::RouterInstance* applied);

  Netns& netns_;
  Ovs& ovs_;
  std::string prefix_;
  std::map<std::string, state::RouterInstance> applied_;  // by namespace name
  std::map<std::string, state::FipGateway> applied_fips_;  // by namespace name
  bool swept_ = false;
};

// The nat table (iptables-restore input) of a router instance: floating IPs'
// DNAT/SNAT and the SNAT of everything else leaving through its gateway.
// InvalidArgument if any value is not an IPv4 address or ID (nothing is written).
Result<std::string> NatTable(const state::RouterInstance& router);

// What makes a router namespace's extra routes (main table, proto static)
// `router.routes`, given the main table's routes now (`current`; those of
// other protocols are left alone) and the index of each link by name: the
// others removed, then a replace of each route whose nexthop one of its legs
// connects. InvalidArgument if a route is not a CIDR via an IPv4 address
// (nothing is written).
struct RouteChanges {
  std::vector<Route> remove;
  std::vector<Route> replace;
};
Result<RouteChanges> ExtraRouteChanges(const state::RouterInstance& router, const std::vector<Route>& current,
                                       const std::map<std::string, int>& link_index);

}  // namespace isthmus::agent
