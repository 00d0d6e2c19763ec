// The desired state of one host, computed from the cloud's FederationView by
// pure functions (docs/architecture.md, "HostState", states every rule). The
// controller allocates local VLANs between the two steps.
#pragma once

#include <map>
#include <set>
#include <string>

#include "cloud/federation_view.h"
#include "cloud/state_context.h"
#include "state/host_state.h"

namespace isthmus::cloud {

struct DesiredStateOptions {
  bool dvr_mac_federation = true;
};

// Networks present on `host`: its instance ports' networks and the networks of
// the legs of routers instantiated on it.
std::set<std::string> HostNetworks(const FederationView& view, const std::string& host);

// lvids: network id -> local VLAN on this host, for every network HostNetworks returned.
state::HostState ComputeHostState(const FederationView& view, const std::string& host,
                                  const std::map<std::string, int>& lvids,
                                  const DesiredStateOptions& options);

// The same from a context shared by the hosts of one recompute (its options
// are the context's): what it reads of the whole view is computed once.
std::set<std::string> HostNetworks(const StateContext& ctx, const std::string& host);
// A port bound to a host as its state lists it (its address pairs and the
// groups this cloud knows when port security is on: a group not known yet
// allows nothing).
state::LocalPort LocalPortOf(const StateContext& ctx, const model::Port& p);
// A network's flood list on a host: the VTEPs of `hosts` (a network's, sorted
// by VTEP: StateContext::NetworkPorts) other than `self`, once each; with
// `cloud` set, only those of that cloud.
std::vector<std::string> FloodVteps(const std::vector<const model::Host*>& hosts, const model::Host* self,
                                    const std::string* cloud);
state::HostState ComputeHostState(const StateContext& ctx, const std::string& host,
                                  const std::map<std::string, int>& lvids);

}  // namespace isthmus::cloud
