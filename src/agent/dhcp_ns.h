// DHCP servers of this host (its cloud's network node): for each network one
// qdhcp-<network_id> namespace with a tap leg on br-int holding the DHCP port's
// addresses, and one dnsmasq answering only the hosts in its DhcpServer entry
// (this cloud's instance ports). Converges to the desired set idempotently.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/netns.h"
#include "agent/ovs.h"
#include "state/host_state.h"

namespace isthmus::agent {

class DhcpServers {
 public:
  // prefix: put before "qdhcp-" (lab hosts share one kernel); state_dir: where
  // each server's files live (<state_dir>/<network_id>/{hosts,opts,pid,leases}).
  DhcpServers(Netns& netns, Ovs& ovs, std::string prefix, std::string state_dir)
      : netns_(netns), ovs_(ovs), prefix_(std::move(prefix)), state_dir_(std::move(state_dir)) {}

  Status Sync(const std::vector<state::DhcpServer>& servers, const std::set<std::string>& existing_ports);

 private:
  Netns& netns_;
  Ovs& ovs_;
  std::string prefix_;
  std::string state_dir_;
  std::map<std::string, state::DhcpServer> applied_;  // by network id
  bool swept_ = false;
};

// The dnsmasq options file of a server: per subnet the router (option 3), DNS
// servers and, with host routes, option 121 (and 249) holding them and the
// default route via the router.
std::string DhcpOptsFile(const state::DhcpServer& s);

}  // namespace isthmus::agent
