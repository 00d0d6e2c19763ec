#include "cloud/live_view.h"

#include <optional>

#include "cloud/security_groups.h"
#include "common/log.h"

namespace isthmus::cloud {
namespace {

using nlohmann::json;

template <typename T>
std::optional<T> Parse(const std::string& kind, const std::string& id, const json& body) {
  try {
    return body.get<T>();
  } catch (const std::exception& e) {
    LOG_WARN("ignoring malformed " << kind << " " << id << ": " << e.what());
    return std::nullopt;
  }
}

// An upsert puts the parsed body (a malformed one removes the resource, as
// BuildView leaves it out); a delete removes it.
template <typename T>
void Put(std::map<std::string, T>& into, const std::string& kind, const std::string& op,
         const std::string& id, const json& body) {
  std::optional<T> x;
  if (op == "upsert") x = Parse<T>(kind, id, body);
  if (x) into[id] = std::move(*x);
  else into.erase(id);
}

}  // namespace

FederationView BuildView(const std::string& cloud, const StoredResources& resources,
                         const std::map<std::string, model::Host>& own_hosts) {
  FederationView v;
  v.cloud = cloud;
  auto each = [&](const std::string& kind, auto& into) {
    auto items = resources.find(kind);
    if (items == resources.end()) return;
    for (const auto& [id, body] : items->second)
      if (auto x = Parse<typename std::decay_t<decltype(into)>::mapped_type>(kind, id, body)) into[id] = *x;
  };
  each("cloud", v.clouds);
  each("host", v.hosts);
  each("network", v.networks);
  each("subnet", v.subnets);
  each("port", v.ports);
  each("router", v.routers);
  each("floatingip", v.floatingips);
  each("securitygroup", v.security_groups);
  each("securitygrouprule", v.security_group_rules);
  each("groupmember", v.group_members);
  // This cloud's own registry is authoritative for its hosts.
  for (auto it = v.hosts.begin(); it != v.hosts.end();)
    it = it->second.cloud == cloud ? v.hosts.erase(it) : std::next(it);
  for (const auto& [n, h] : own_hosts) v.hosts[n] = h;
  v.Reindex();
  return v;
}

LiveView::LiveView(const std::string& cloud) {
  view_.cloud = cloud;
  view_.Reindex();
}

AffectedHosts LiveView::SetOwnHost(const model::Host& host) {
  view_.hosts[host.name] = host;
  view_.Reindex();  // a network node may have changed, and with it where ports are bound
  return {true, {}};
}

void LiveView::SetHostNetworks(const std::string& host, const std::set<std::string>& networks) {
  auto& old = host_networks_[host];
  for (const auto& n : old) {
    auto it = network_hosts_.find(n);
    if (it == network_hosts_.end()) continue;
    it->second.erase(host);
    if (it->second.empty()) network_hosts_.erase(it);
  }
  old = networks;
  for (const auto& n : networks) network_hosts_[n].insert(host);
}

AffectedHosts LiveView::Apply(const std::string& kind, const std::string& op, const std::string& id,
                              const json& body) {
  AffectedHosts out;
  if (kind == "cloud") {  // cloud indexes order the serving legs; DVR MAC prefixes
    Put(view_.clouds, kind, op, id, body);
    out.all = true;
    return out;
  }
  if (kind == "host") {  // network nodes, VTEPs, DVR MACs: read by every host
    ApplyHost(op, id, body);
    out.all = true;
    return out;
  }
  auto shared = SharedFacts();
  if (kind == "port") {
    ApplyPort(op, id, body, out);
  } else if (kind == "network") {
    ApplyNetwork(op, id, body, out);
  } else if (kind == "subnet") {
    ApplySubnet(op, id, body, out);
  } else if (kind == "router") {
    AddRouterReaders(id, out);
    Put(view_.routers, kind, op, id, body);
    AddRouterReaders(id, out);
  } else if (kind == "floatingip") {
    if (auto it = view_.floatingips.find(id); it != view_.floatingips.end()) AddFloatingIpReaders(it->second, out);
    Put(view_.floatingips, kind, op, id, body);
    if (auto it = view_.floatingips.find(id); it != view_.floatingips.end()) AddFloatingIpReaders(it->second, out);
  } else if (kind == "securitygroup") {
    // Its members' states list it (or leave it out while it is unknown).
    AddGroupMemberHosts(id, out.hosts);
    Put(view_.security_groups, kind, op, id, body);
  } else if (kind == "securitygrouprule") {
    ApplyRule(op, id, body, out);
  } else if (kind == "groupmember") {
    ApplyGroupMember(op, id, body, out);
  }
  if (SharedFacts() != shared) out.all = true;
  return out;
}

// A port's groups and addresses are read, as a remote group's members, by the
// hosts of the ports whose rules name one of its groups as remote: when they
// change, those hosts are recomputed before and after. An instance port's
// own entries (and the network's flood lists) are read by the hosts of its
// network (SliceOnly): patched there.
void LiveView::ApplyPort(const std::string& op, const std::string& id, const json& body, AffectedHosts& out) {
  auto it = view_.ports.find(id);
  const model::Port* before = it == view_.ports.end() ? nullptr : &it->second;
  std::optional<model::Port> p;
  if (op == "upsert") p = Parse<model::Port>("port", id, body);
  std::optional<std::string> slice = SliceOnly(before, p ? &*p : nullptr);
  // The port's own hosts before and after (its element in their `ports`),
  // and this cloud's DHCP server (on the network node: computed).
  auto own = [&](const model::Port& q) {
    if (!q.host.empty()) out.own_ports[q.host].insert(q.id);
    if (const model::Host* nn = view_.NetworkNode(view_.cloud)) out.hosts.insert(nn->name);
  };
  std::vector<std::string> member_before;
  if (before) {
    member_before = MemberFacts(*before);
    if (slice) own(*before);
    else AddPortReaders(*before, out);
    view_.UnindexPort(*before);
    view_.ports.erase(it);
  }
  std::vector<std::string> member_after = p ? MemberFacts(*p) : std::vector<std::string>{};
  if (member_before != member_after) {
    AddRemoteReaders(member_before, out);
    AddRemoteReaders(member_after, out);
  }
  if (p) {
    const model::Port& now = view_.ports.emplace(id, std::move(*p)).first->second;
    view_.IndexPort(now);
    if (slice) own(now);
    else AddPortReaders(now, out);
  }
  if (!slice) return;
  out.sliced_networks.insert(*slice);
  AddNetworkHosts(*slice, out.slice_readers);
}

std::optional<std::string> LiveView::SliceOnly(const model::Port* before, const model::Port* after) const {
  if (!before && !after) return std::nullopt;
  const std::string& network_id = (after ? after : before)->network_id;
  for (const model::Port* q : {before, after}) {
    if (!q) continue;
    if (!q->IsInstance() || q->network_id != network_id) return std::nullopt;
    for (const auto& f : q->fixed_ips)
      if (auto sub = view_.subnets.find(f.subnet_id); sub != view_.subnets.end() && sub->second.network_id != network_id)
        return std::nullopt;
    for (const auto& [fid, fip] : view_.floatingips)
      if (fip.port_id == q->id) return std::nullopt;
  }
  auto net = view_.networks.find(network_id);
  if (net != view_.networks.end() && net->second.external) return std::nullopt;
  for (const model::Port* q : view_.PortsOn(network_id))
    if (!q->IsInstance() && q->device_owner != model::kOwnerDhcp) return std::nullopt;
  return network_id;
}

// A rule is read by the hosts of its group's members, before and after.
void LiveView::ApplyRule(const std::string& op, const std::string& id, const json& body, AffectedHosts& out) {
  if (auto it = view_.security_group_rules.find(id); it != view_.security_group_rules.end()) {
    AddGroupMemberHosts(it->second.security_group_id, out.hosts);
    view_.UnindexRule(it->second);
    view_.security_group_rules.erase(it);
  }
  if (op != "upsert") return;
  if (auto r = Parse<model::SecurityGroupRule>("securitygrouprule", id, body)) {
    const model::SecurityGroupRule& now = view_.security_group_rules.emplace(id, std::move(*r)).first->second;
    view_.IndexRule(now);
    AddGroupMemberHosts(now.security_group_id, out.hosts);
  }
}

// A member record is read as a port's membership is (ApplyPort): by the hosts
// of the rules naming one of its old or new groups as remote, when its groups
// or addresses change.
void LiveView::ApplyGroupMember(const std::string& op, const std::string& id, const json& body,
                                AffectedHosts& out) {
  std::vector<std::string> member_before;
  if (auto it = view_.group_members.find(id); it != view_.group_members.end()) {
    member_before = MemberFacts(it->second.security_groups, MemberAddresses(it->second));
    view_.UnindexMember(it->second);
    view_.group_members.erase(it);
  }
  std::optional<model::GroupMember> m;
  if (op == "upsert") m = Parse<model::GroupMember>("groupmember", id, body);
  std::vector<std::string> member_after =
      m ? MemberFacts(m->security_groups, MemberAddresses(*m)) : std::vector<std::string>{};
  if (member_before != member_after) {
    AddRemoteReaders(member_before, out);
    AddRemoteReaders(member_after, out);
  }
  if (!m) return;
  view_.IndexMember(view_.group_members.emplace(id, std::move(*m)).first->second);
}

// What a port is as a member of its groups: the groups, then (after "") its addresses.
std::vector<std::string> LiveView::MemberFacts(const model::Port& p) {
  return MemberFacts(p.security_groups, MemberAddresses(p));
}

std::vector<std::string> LiveView::MemberFacts(const std::vector<std::string>& groups,
                                               std::vector<std::string> addresses) {
  if (groups.empty()) return {};
  std::vector<std::string> facts = groups;
  facts.push_back("");
  for (auto& a : addresses) facts.push_back(std::move(a));
  return facts;
}

void LiveView::AddGroupMemberHosts(const std::string& group_id, std::set<std::string>& out) const {
  if (view_.Indexed()) {  // the index of the hosts of its members: O(hosts), not O(members)
    auto it = view_.group_hosts.find(group_id);
    if (it != view_.group_hosts.end())
      for (const auto& [host, members] : it->second) out.insert(host);
    return;
  }
  for (const model::Port* p : view_.GroupMembers(group_id))
    if (std::string bound = view_.BoundHost(*p); !bound.empty()) out.insert(bound);
}

// The hosts whose rules read the members of these groups (MemberFacts' groups),
// and the groups those rules are in: only those groups' text can change there.
void LiveView::AddRemoteReaders(const std::vector<std::string>& facts, AffectedHosts& out) const {
  for (const auto& g : facts) {
    if (g.empty()) break;
    for (const model::SecurityGroupRule* r : view_.RulesWithRemote(g)) {
      out.reading_groups.insert(r->security_group_id);
      AddGroupMemberHosts(r->security_group_id, out.remote_readers);
    }
  }
}

// Where a network's ports are bound (and whether they count as on our
// networks) depends on the network: they are unindexed around the change.
void LiveView::ApplyNetwork(const std::string& op, const std::string& id, const json& body, AffectedHosts& out) {
  AddNetworkHosts(id, out);
  std::vector<const model::Port*> ports = view_.PortsOn(id);
  for (const model::Port* p : ports) {
    AddPortReaders(*p, out);
    view_.UnindexPort(*p);
  }
  Put(view_.networks, "network", op, id, body);
  for (const model::Port* p : ports) {
    view_.IndexPort(*p);
    AddPortReaders(*p, out);
  }
}

// A subnet is read by the hosts of its network and by the readers of every
// port with an address on it (router legs, gateway, SNAT, DHCP and FIP gateway ports).
void LiveView::ApplySubnet(const std::string& op, const std::string& id, const json& body, AffectedHosts& out) {
  auto readers = [&] {
    if (auto it = view_.subnets.find(id); it != view_.subnets.end()) AddNetworkHosts(it->second.network_id, out);
    auto ports = view_.ports_by_subnet.find(id);
    if (ports != view_.ports_by_subnet.end())
      for (const model::Port* p : ports->second) AddPortReaders(*p, out);
  };
  readers();
  Put(view_.subnets, "subnet", op, id, body);
  readers();
}

// As BuildView: central's word on another cloud's host; this cloud's own
// registry for its own (their names are never taken from central).
void LiveView::ApplyHost(const std::string& op, const std::string& id, const json& body) {
  auto it = view_.hosts.find(id);
  if (it != view_.hosts.end() && it->second.cloud == view_.cloud) return;
  std::optional<model::Host> h;
  if (op == "upsert") h = Parse<model::Host>("host", id, body);
  if (h && h->cloud != view_.cloud) view_.hosts[id] = *h;
  else view_.hosts.erase(id);
  view_.Reindex();  // network nodes decide where DHCP and SNAT ports are bound
}

void LiveView::AddNetworkHosts(const std::string& network_id, AffectedHosts& out) const {
  AddNetworkHosts(network_id, out.hosts);
}

void LiveView::AddNetworkHosts(const std::string& network_id, std::set<std::string>& out) const {
  auto it = network_hosts_.find(network_id);
  if (it != network_hosts_.end()) out.insert(it->second.begin(), it->second.end());
}

// Who reads a port: the hosts of its network and of its subnets' networks,
// the host it is bound to (or names: FIP gateway ports), the hosts of its
// router (legs, gateway and SNAT ports) and of the routers of its floating IPs.
void LiveView::AddPortReaders(const model::Port& p, AffectedHosts& out) const {
  AddNetworkHosts(p.network_id, out);
  for (const auto& f : p.fixed_ips)
    if (auto s = view_.subnets.find(f.subnet_id); s != view_.subnets.end()) AddNetworkHosts(s->second.network_id, out);
  if (!p.host.empty()) out.hosts.insert(p.host);
  if (std::string bound = view_.BoundHost(p); !bound.empty()) out.hosts.insert(bound);
  if (p.IsRouterInterface() || p.device_owner == model::kOwnerRouterGateway ||
      p.device_owner == model::kOwnerRouterSnat)
    AddRouterReaders(p.device_id, out);
  for (const auto& [fid, f] : view_.floatingips)
    if (f.port_id == p.id) AddRouterReaders(f.router_id, out);
}

// A router is on this cloud's network node (legacy routers, SNAT, serving
// legs) and on the hosts with an instance port on one of its legs' networks,
// which have that network.
void LiveView::AddRouterReaders(const std::string& router_id, AffectedHosts& out) const {
  if (const model::Host* nn = view_.NetworkNode(view_.cloud)) out.hosts.insert(nn->name);
  for (const model::Port* leg : view_.router_interfaces)
    if (leg->device_id == router_id) AddNetworkHosts(leg->network_id, out);
}

void LiveView::AddFloatingIpReaders(const model::FloatingIp& f, AffectedHosts& out) const {
  AddRouterReaders(f.router_id, out);
  if (auto p = view_.ports.find(f.port_id); p != view_.ports.end() && !p->second.host.empty())
    out.hosts.insert(p->second.host);
}

std::pair<std::set<std::string>, std::set<std::string>> LiveView::SharedFacts() const {
  std::pair<std::set<std::string>, std::set<std::string>> facts;
  for (const auto& [host, n] : view_.hosts_on_our_networks) facts.first.insert(host);
  facts.second = view_.OtherCloudsWithDistributedLegs();
  return facts;
}

}  // namespace isthmus::cloud
