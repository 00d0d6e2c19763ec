// LiveView: the cloud's FederationView kept current event by event (no re-parse
// of the stored resources), the index network -> this cloud's hosts that have
// it, and the rule for which hosts an event can change (docs/architecture.md,
// "Incremental recompute"). BuildView, the whole build, stays: for loads,
// snapshots, and as the oracle of the incremental path in the tests.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "cloud/event_validation.h"
#include "cloud/federation_view.h"

namespace isthmus::cloud {

// The view of what central pushed and this cloud's own registry (authoritative
// for its hosts), indexed. Malformed resources are left out (and logged).
FederationView BuildView(const std::string& cloud, const StoredResources& resources,
                         const std::map<std::string, model::Host>& own_hosts);

// The hosts whose desired state an event can change: `all`, or those named
// (names of other clouds' hosts may appear; they are not computed here).
struct AffectedHosts {
  bool all = false;
  std::set<std::string> hosts;
  // Hosts whose state can change only in the rules of `reading_groups` that
  // name a remote group whose members changed (their remote_ips): patched
  // where `hosts` does not name them too (cloud/group_patch.h).
  std::set<std::string> remote_readers;
  std::set<std::string> reading_groups;
  // Hosts whose state can change only in the fdb and ARP entries, flood
  // lists and tunnels of `sliced_networks` (an instance port came, went or
  // changed on a network without routers): patched where `hosts` does not
  // name them.
  std::set<std::string> slice_readers;
  std::set<std::string> sliced_networks;
  // Such a port's own hosts (before and after) -> the ports: their element
  // in `ports` changes too.
  std::map<std::string, std::set<std::string>> own_ports;

  bool Contains(const std::string& host) const { return all || hosts.count(host) > 0; }
  // Whether what can change of its state can be patched (cloud/host_patch.h).
  bool Patchable(const std::string& host) const {
    return !Contains(host) &&
           (remote_readers.count(host) > 0 || slice_readers.count(host) > 0 || own_ports.count(host) > 0);
  }
  void Merge(AffectedHosts&& other) {
    all = all || other.all;
    if (!all) hosts.merge(other.hosts);
    remote_readers.merge(other.remote_readers);
    reading_groups.merge(other.reading_groups);
    slice_readers.merge(other.slice_readers);
    sliced_networks.merge(other.sliced_networks);
    for (auto& [host, ports] : other.own_ports) own_ports[host].merge(ports);
  }
};

class LiveView {
 public:
  explicit LiveView(const std::string& cloud);  // empty until events or Reset
  // Takes a whole view (moved: its index moves with it). Every host's state
  // must then be computed again (and its networks recorded).
  void Reset(FederationView view) { view_ = std::move(view); }
  const FederationView& view() const { return view_; }

  // A host registered (or changed) here; every host can change.
  AffectedHosts SetOwnHost(const model::Host& host);
  // Applies one of central's events (kind, "upsert" or "delete", id, body) to
  // the view in place, as BuildView would see it, and returns the hosts it can change.
  AffectedHosts Apply(const std::string& kind, const std::string& op, const std::string& id,
                      const nlohmann::json& body);
  // Records the networks a host's state was last computed with (HostNetworks):
  // the index Apply reads the hosts of a network from.
  void SetHostNetworks(const std::string& host, const std::set<std::string>& networks);
  // Those last recorded for a host (nullptr: never computed).
  const std::set<std::string>* NetworksOf(const std::string& host) const {
    auto it = host_networks_.find(host);
    return it == host_networks_.end() ? nullptr : &it->second;
  }

 private:
  // Adds the hosts that read a resource, from the view as it is (called
  // before and after each change).
  void AddNetworkHosts(const std::string& network_id, AffectedHosts& out) const;
  void AddNetworkHosts(const std::string& network_id, std::set<std::string>& out) const;
  void AddPortReaders(const model::Port& p, AffectedHosts& out) const;
  void AddRouterReaders(const std::string& router_id, AffectedHosts& out) const;
  void AddFloatingIpReaders(const model::FloatingIp& f, AffectedHosts& out) const;

  void ApplyPort(const std::string& op, const std::string& id, const nlohmann::json& body, AffectedHosts& out);
  // The network whose fdb and ARP entries are all a port's change (before,
  // after) can change for the hosts that have it but are not its own: an
  // instance port (either side) on one network that is not external, has no
  // port but instances' and DHCP's, and where no floating IP names the port.
  std::optional<std::string> SliceOnly(const model::Port* before, const model::Port* after) const;
  void ApplyNetwork(const std::string& op, const std::string& id, const nlohmann::json& body, AffectedHosts& out);
  void ApplySubnet(const std::string& op, const std::string& id, const nlohmann::json& body, AffectedHosts& out);
  void ApplyHost(const std::string& op, const std::string& id, const nlohmann::json& body);
  void ApplyRule(const std::string& op, const std::string& id, const nlohmann::json& body, AffectedHosts& out);
  // Security groups: the hosts with a member port of a group; the hosts whose
  // rules have one of a port's groups as remote group (MemberFacts: its groups
  // and addresses, as those rules read them).
  static std::vector<std::string> MemberFacts(const model::Port& p);
  static std::vector<std::string> MemberFacts(const std::vector<std::string>& groups,
                                              std::vector<std::string> addresses);
  void ApplyGroupMember(const std::string& op, const std::string& id, const nlohmann::json& body,
                        AffectedHosts& out);
  void AddGroupMemberHosts(const std::string& group_id, std::set<std::string>& out) const;
  void AddRemoteReaders(const std::vector<std::string>& member_facts, AffectedHosts& out) const;

  // Facts every host of the cloud reads: the hosts (any cloud) with an
  // instance port on our networks, and the clouds with a distributed router
  // leg on one. When they change, every host is recomputed.
  std::pair<std::set<std::string>, std::set<std::string>> SharedFacts() const;

  FederationView view_;
  std::map<std::string, std::set<std::string>> host_networks_;  // host -> networks
  std::map<std::string, std::set<std::string>> network_hosts_;  // network -> hosts
};

}  // namespace isthmus::cloud
