// The oracle of the incremental recompute (docs/architecture.md, "Incremental
// recompute"): random sequences of central's events and host registrations
// applied to a LiveView, recomputing only the hosts each names; after every
// event, every host of the cloud must hold what a whole build of the view and
// a full recompute give.
#include "cloud/live_view.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

#include "cloud/allocation.h"
#include "cloud/desired_state.h"
#include "cloud/desired_state_reference.h"
#include "cloud/host_patch.h"
#include "state/host_state_json.h"

namespace isthmus::cloud {
namespace {

using nlohmann::json;

constexpr int kClouds = 3, kNetworks = 6, kSubnets = 8, kPorts = 30, kRouters = 4, kFloatingIps = 5;
constexpr int kGroups = 3, kRules = 8;
constexpr int kExternal = 5;  // the network routers mostly take as gateway

// Small pools of IDs, addresses and MACs, so that resources are replaced,
// deleted, re-created and collide.
class RandomFederation {
 public:
  explicit RandomFederation(unsigned seed) : rng_(seed) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  static std::string CloudName(int c) { return "cloud" + std::to_string(c + 1); }
  static std::string Net(int n) { return "net" + std::to_string(n); }
  static std::string Router(int r) { return "r" + std::to_string(r); }
  static std::string Port(int p) { return "port" + std::to_string(p); }
  // Where a router (and so its ports) mostly is.
  static int RouterCloud(int r) { return r % kClouds; }
  // Subnet i belongs to network i % kNetworks.
  static std::string Subnet(int s) { return "sub" + std::to_string(s); }

  // Each cloud's hosts: h1..h3 compute, n1 and n2 network (the first by name
  // registered is the network node).
  std::string HostName(int cloud) {
    int k = Pick(5);
    return "c" + std::to_string(cloud + 1) + (k < 3 ? "-h" + std::to_string(k + 1) : "-n" + std::to_string(k - 2));
  }
  model::Host Host(const std::string& name) {
    int cloud = name[1] - '1';
    int k = Pick(6) + 1;
    char mac[24];
    std::snprintf(mac, sizeof mac, "fa:16:3f:%02x:00:%02x", cloud + 1, k);
    return {name, CloudName(cloud), name.find("-n") != std::string::npos ? "network" : "compute",
            "10.255." + std::to_string(cloud + 1) + "." + std::to_string(Pick(6) + 1), mac};
  }

  json Cloud(int c) {
    // Clouds 2 and 3 sometimes swap indexes: the serving leg's cloud changes.
    int index = c == 0 ? 1 : (Chance(0.8) ? c + 1 : 5 - c);
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "fa:16:3f:%02x", c + 1);
    return model::Cloud{CloudName(c), "http://127.0.0.1:1", index, prefix};
  }

  json Network(int n) {
    model::Network net;
    net.id = net.name = Net(n);
    for (int c = 0; c < kClouds; ++c)
      if (Chance(0.6)) net.clouds.push_back(CloudName(c));
    if (net.clouds.empty()) net.clouds.push_back(CloudName(Pick(kClouds)));
    net.segmentation_id = 1000 + Pick(3);
    net.external = n == kExternal ? Chance(0.9) : Chance(0.1);
    return net;
  }

  json SubnetBody(int s) {
    int n = s % kNetworks;
    model::Subnet sub;
    sub.id = Subnet(s);
    sub.network_id = Net(n);
    sub.cidr = "10." + std::to_string(s) + ".0.0/24";
    sub.gateway_ip = Chance(0.8) ? "10." + std::to_string(s) + ".0.1" : "";
    sub.enable_dhcp = Chance(0.8);
    if (Chance(0.3)) sub.dns_nameservers = {"192.0.2." + std::to_string(Pick(3) + 1)};
    if (Chance(0.3)) sub.host_routes = {{"198.51.100.0/24", "10." + std::to_string(s) + ".0." + std::to_string(Pick(6) + 1)}};
    return sub;
  }

  json PortBody(int id) {
    static const char* kOwners[] = {model::kOwnerCompute,        "",
                                    model::kOwnerDhcp,           model::kOwnerRouterInterfaceDistributed,
                                    model::kOwnerRouterInterface, model::kOwnerRouterGateway,
                                    model::kOwnerRouterSnat,     model::kOwnerFipAgentGateway,
                                    model::kOwnerFloatingIp};
    model::Port p;
    p.id = Port(id);
    p.device_owner = Chance(0.3) ? model::kOwnerCompute : kOwners[Pick(9)];
    // North-south ports mostly on the external network routers take as gateway.
    bool north_south = p.device_owner == model::kOwnerRouterGateway || p.device_owner == model::kOwnerFipAgentGateway ||
                       p.device_owner == model::kOwnerFloatingIp;
    int n = north_south && Chance(0.8) ? kExternal : Pick(kNetworks);
    p.network_id = Net(n);
    int cloud = Chance(0.5) ? 0 : Pick(kClouds);
    if (!p.IsInstance() && p.device_owner != model::kOwnerFipAgentGateway) {
      int r = Pick(kRouters);
      p.device_id = Router(r);
      if (Chance(0.8)) cloud = RouterCloud(r);
    }
    p.cloud = CloudName(cloud);
    if (p.IsInstance() || p.device_owner == model::kOwnerFipAgentGateway)
      p.host = HostName(Chance(0.9) ? cloud : Pick(kClouds));
    // Addresses on the network's subnets (n and n + kNetworks), now and then on another's.
    for (int i = Pick(3); i > 0; --i) {
      int s = Chance(0.7) ? n + kNetworks * Pick(2) : Pick(kSubnets);
      if (s >= kSubnets) s = n;
      p.fixed_ips.push_back({Subnet(s), "10." + std::to_string(s) + ".0." + std::to_string(Pick(6) + 1)});
    }
    p.mac_address = "fa:16:3e:00:00:0" + std::to_string(Pick(9) + 1);
    // Security: mostly on, in 0 to 2 groups (sometimes one twice), now and
    // then with an address pair (one address or a prefix).
    p.port_security_enabled = Chance(0.85);
    for (int i = Pick(3); i > 0 && p.port_security_enabled; --i) p.security_groups.push_back(Group(Pick(kGroups)));
    if (Chance(0.3))
      p.allowed_address_pairs.push_back(
          {"10.0.0." + std::to_string(Pick(6) + 100) + (Chance(0.3) ? "/30" : ""),
           Chance(0.5) ? "" : "fa:16:3e:00:01:0" + std::to_string(Pick(9) + 1)});
    return p;
  }

  static std::string Group(int g) { return "sg" + std::to_string(g); }

  json GroupBody(int g) {
    model::SecurityGroup sg;
    sg.id = Group(g);
    sg.name = g == 0 ? "default" : "web";
    return sg;
  }

  json RuleBody(int id) {
    static const char* kProtocols[] = {"", "tcp", "udp", "icmp", "17", "112", "bogus"};
    model::SecurityGroupRule r;
    r.id = "rule" + std::to_string(id);
    r.security_group_id = Group(Pick(kGroups));
    r.direction = Chance(0.6) ? "ingress" : "egress";
    r.ethertype = Chance(0.9) ? "IPv4" : "IPv6";
    r.protocol = kProtocols[Pick(7)];
    if (Chance(0.5)) {
      r.port_range_min = Pick(100);
      r.port_range_max = Chance(0.8) ? r.port_range_min + Pick(50) : -1;
    }
    int remote = Pick(4);
    if (remote == 1) r.remote_ip_prefix = Chance(0.5) ? "10.0.0.0/24" : "10.0.0.5";
    if (remote >= 2) r.remote_group_id = Group(Pick(kGroups));
    return r;
  }

  // A port of a network this cloud does not have, as a member of its groups
  // (ids from the ports' pool: a view may hold both, which only adds addresses).
  json GroupMemberBody(int p) {
    model::GroupMember m;
    m.id = Port(p);
    for (int i = Pick(3); i > 0; --i) m.security_groups.push_back(Group(Pick(kGroups)));
    m.fixed_ips.push_back({"far" + std::to_string(Pick(2)), "10.9.0." + std::to_string(Pick(6) + 1)});
    if (Chance(0.3)) m.allowed_address_pairs.push_back({"10.9.1." + std::to_string(Pick(4)) + (Chance(0.3) ? "/30" : ""), ""});
    return m;
  }

  json RouterBody(int r) {
    model::Router router;
    router.id = Router(r);
    router.cloud = CloudName(Chance(0.8) ? RouterCloud(r) : Pick(kClouds));
    router.distributed = Chance(0.6);
    router.gateway_network_id = Chance(0.6) ? Net(Chance(0.8) ? kExternal : Pick(kNetworks)) : "";
    router.enable_snat = Chance(0.7);
    router.admin_state_up = Chance(0.8);
    // Extra routes: a nexthop on some subnet (a leg's, now and then a leg's own
    // address, or none of the router's), two to one destination now and then.
    for (int i = Pick(4); i > 0; --i)
      router.routes.push_back({Chance(0.5) ? "198.51.100.0/24" : "203.0.113." + std::to_string(Pick(2) * 128) + "/25",
                               "10." + std::to_string(Pick(kSubnets)) + ".0." + std::to_string(Pick(6) + 1)});
    return router;
  }

  json FloatingIpBody(int f) {
    model::FloatingIp fip;
    fip.id = "fip" + std::to_string(f);
    fip.floating_network_id = Net(Chance(0.8) ? kExternal : Pick(kNetworks));
    fip.floating_ip_address = "172.24.0." + std::to_string(Pick(5) + 1);
    fip.port_id = Chance(0.8) ? Port(Pick(kPorts)) : "";
    fip.fixed_ip_address = fip.port_id.empty() ? "" : "10.0.0." + std::to_string(Pick(6) + 1);
    fip.router_id = Router(Pick(kRouters));
    fip.cloud = CloudName(Pick(kClouds));
    return fip;
  }

 private:
  std::mt19937 rng_;
};

struct Event {
  std::string kind, op, id;
  json body;
};

// One cloud's controller without its DB: the incremental path, and the oracle.
class Harness {
 public:
  explicit Harness(const std::string& cloud) : cloud_(cloud), live_(cloud) {}

  // A batch, as the controller applies one: each event to the view, then the
  // hosts any of them named are recomputed.
  void ApplyBatch(const std::vector<Event>& batch) {
    AffectedHosts affected;
    for (const auto& e : batch) {
      if (e.op == "upsert") resources_[e.kind][e.id] = e.body;
      else resources_[e.kind].erase(e.id);
      affected.Merge(live_.Apply(e.kind, e.op, e.id, e.body));
    }
    Recompute(affected);
  }
  void Apply(const Event& e) { ApplyBatch({e}); }
  void Register(const model::Host& host) {
    own_[host.name] = host;
    Recompute(live_.SetOwnHost(host));
  }

  // Every host of the cloud: the networks and the state a whole build gives.
  ::testing::AssertionResult MatchesFullRecompute() const {
    FederationView full = BuildView(cloud_, resources_, own_);
    for (const auto& [name, host] : own_) {
      auto lvids = lvids_.find(name);
      auto state = states_.find(name);
      if (lvids == lvids_.end() || state == states_.end())
        return ::testing::AssertionFailure() << "host " << name << " was never computed";
      auto want_lvids = AssignLvids(HostNetworks(full, name), lvids->second);
      if (!want_lvids.ok() || *want_lvids != lvids->second)
        return ::testing::AssertionFailure() << "host " << name << ": stale networks " << json(lvids->second);
      json want = ComputeHostState(full, name, lvids->second, {});
      if (want != state->second)
        return ::testing::AssertionFailure() << "host " << name << ":\n incremental " << state->second.dump()
                                             << "\n full        " << want.dump();
      // And the computation before the shared context, byte for byte as served.
      if (reference::ReferenceHostNetworks(full, name) != HostNetworks(full, name))
        return ::testing::AssertionFailure() << "host " << name << ": networks differ from the reference";
      // (Entries with equal sort keys, only possible with a MAC used twice on a
      // network as these random sequences do, were in no set order before:
      // both sides are put in one order for that comparison.)
      std::string ref = state::DumpHostState(TieOrder(reference::ReferenceHostState(full, name, lvids->second, {})));
      if (ref != state::DumpHostState(TieOrder(state->second.get<state::HostState>())))
        return ::testing::AssertionFailure() << "host " << name << ":\n incremental " << state->second.dump()
                                             << "\n reference   " << ref;
    }
    return ::testing::AssertionSuccess();
  }

  static state::HostState TieOrder(state::HostState s) {
    std::sort(s.remote_ports.begin(), s.remote_ports.end(), [](const auto& a, const auto& b) {
      return std::tie(a.network_id, a.mac, a.vtep) < std::tie(b.network_id, b.mac, b.vtep);
    });
    return s;
  }

  json State(const std::string& host) const { return states_.count(host) ? states_.at(host) : json(); }

  int recomputed = 0;  // hosts recomputed, over the run
  int patched = 0;     // hosts whose shared parts were patched in their text (HostPatcher)
  int computed_if_full = 0;  // what recomputing every host each time would have cost

 private:
  // As the controller: the hosts named computed, those whose shared parts
  // only can change patched (the delta checked against the text).
  void Recompute(const AffectedHosts& affected) {
    computed_if_full += own_.size();
    StateContext ctx(live_.view());  // shared by the hosts of one recompute, as the controller does
    HostPatcher patcher(ctx, affected, live_);
    for (const auto& [name, host] : own_) {
      if (affected.Patchable(name) && texts_.count(name)) {
        HostPatcher::Patch patch = patcher.Apply(name, texts_[name], layouts_[name]);
        if (patch.outcome == HostPatcher::Outcome::kUnchanged) continue;
        if (patch.outcome == HostPatcher::Outcome::kPatched) {
          auto merged = state::JsonMerge(texts_[name], patch.spliced.delta);
          ASSERT_TRUE(merged.ok()) << merged.status().message();
          ASSERT_EQ(*merged, patch.spliced.text) << "delta " << patch.spliced.delta;
          ASSERT_EQ(patch.spliced.layout, state::LayoutOf(patch.spliced.text));
          texts_[name] = std::move(patch.spliced.text);
          layouts_[name] = std::move(patch.spliced.layout);
          states_[name] = json::parse(texts_[name]);
          ++patched;
          continue;
        }
      } else if (!affected.Contains(name)) {
        continue;
      }
      ++recomputed;
      std::set<std::string> networks = HostNetworks(ctx, name);
      live_.SetHostNetworks(name, networks);
      auto lvids = AssignLvids(networks, lvids_[name]);
      ASSERT_TRUE(lvids.ok()) << lvids.status().message();
      lvids_[name] = *lvids;
      state::HostState s = ComputeHostState(ctx, name, *lvids);
      texts_[name] = state::DumpHostState(s, &layouts_[name]);
      states_[name] = s;
    }
  }

  std::string cloud_;
  StoredResources resources_;
  std::map<std::string, model::Host> own_;
  LiveView live_;
  std::map<std::string, std::map<std::string, int>> lvids_;
  std::map<std::string, json> states_;
  std::map<std::string, std::string> texts_;  // states_ as served
  std::map<std::string, state::JsonLayout> layouts_;
};

// A random event of central's (any kind, upsert or delete).
Event RandomEvent(RandomFederation& r) {
  bool del = r.Chance(0.25);
  auto make = [&](const std::string& kind, const std::string& id, auto body) {
    return del ? Event{kind, "delete", id, nullptr} : Event{kind, "upsert", id, body()};
  };
  int k = r.Pick(100);
  if (k < 36) {
    int p = r.Pick(kPorts);
    return make("port", RandomFederation::Port(p), [&] { return r.PortBody(p); });
  }
  if (k < 44) {
    int n = r.Pick(kNetworks);
    return make("network", RandomFederation::Net(n), [&] { return r.Network(n); });
  }
  if (k < 52) {
    int s = r.Pick(kSubnets);
    return make("subnet", RandomFederation::Subnet(s), [&] { return r.SubnetBody(s); });
  }
  if (k < 63) {
    int x = r.Pick(kRouters);
    return make("router", RandomFederation::Router(x), [&] { return r.RouterBody(x); });
  }
  if (k < 74) {
    int f = r.Pick(kFloatingIps);
    return make("floatingip", "fip" + std::to_string(f), [&] { return r.FloatingIpBody(f); });
  }
  if (k < 83) {
    std::string name = r.HostName(r.Pick(kClouds));
    return make("host", name, [&] { return json(r.Host(name)); });
  }
  if (k < 85) {
    int p = r.Pick(kPorts);
    return make("groupmember", RandomFederation::Port(p), [&] { return r.GroupMemberBody(p); });
  }
  if (k < 89) {
    int g = r.Pick(kGroups);
    return make("securitygroup", RandomFederation::Group(g), [&] { return r.GroupBody(g); });
  }
  if (k < 97) {
    int x = r.Pick(kRules);
    return make("securitygrouprule", "rule" + std::to_string(x), [&] { return r.RuleBody(x); });
  }
  int c = r.Pick(kClouds);
  return make("cloud", RandomFederation::CloudName(c), [&] { return r.Cloud(c); });
}

model::Port MakePort(const std::string& id, const std::string& net, const std::string& owner,
                     const std::string& cloud, const std::string& host, const std::string& device,
                     const std::string& subnet, const std::string& ip, const std::string& mac) {
  model::Port p;
  p.id = id;
  p.network_id = net;
  p.device_owner = owner;
  p.cloud = cloud;
  p.host = host;
  p.device_id = device;
  p.fixed_ips = {{subnet, ip}};
  p.mac_address = mac;
  return p;
}

// A consistent federation with every north-south piece, seen from cloud `own`
// (1-based), from the pools' IDs (random events then change it): a DVR router
// with legs on net0 and net1, a gateway on the external net5, SNAT ports, a
// floating IP on an instance of host h1 with its FIP gateway port; a legacy
// router with a gateway; DHCP; another cloud's instance and DVR leg on net0.
void NorthSouthStart(Harness& h, int own) {
  std::string c = RandomFederation::CloudName(own - 1), other = RandomFederation::CloudName(own % kClouds);
  std::string pre = "c" + std::to_string(own) + "-", far = "c" + std::to_string(own % kClouds + 1) + "-";
  char mac[24];
  for (const auto& [name, role] : {std::pair{"h1", "compute"}, {"h2", "compute"}, {"n1", "network"}}) {
    std::snprintf(mac, sizeof mac, "fa:16:3f:%02x:00:%02x", own, name[1] - '0' + (role[0] == 'n' ? 8 : 0));
    h.Register({pre + name, c, role, "10.255." + std::to_string(own) + "." + (name + 1), mac});
    std::string f = far + name;
    h.Apply({"host", "upsert", f, json(model::Host{f, other, role, "10.255.9." + std::string(name + 1), "fa:16:3f:09:00:01"})});
  }
  auto net = [&](int n, std::vector<std::string> clouds, bool external) {
    model::Network x{RandomFederation::Net(n), "", "p", clouds, external ? "flat" : "vxlan", 1000 + n, external, ""};
    h.Apply({"network", "upsert", x.id, x});
    model::Subnet sub{RandomFederation::Subnet(n), "", "p", x.id, "10." + std::to_string(n) + ".0.0/24",
                      "10." + std::to_string(n) + ".0.1", "anycast", {}, true, {}};
    h.Apply({"subnet", "upsert", sub.id, sub});
  };
  net(0, {c, other}, false);
  net(1, {c}, false);
  net(kExternal, {c}, true);
  std::string dvr = RandomFederation::Router(own - 1), legacy = RandomFederation::Router(own - 1 + kClouds);
  h.Apply({"router", "upsert", dvr, model::Router{dvr, "", "p", c, true, RandomFederation::Net(kExternal), true}});
  if (own - 1 + kClouds < kRouters)
    h.Apply({"router", "upsert", legacy, model::Router{legacy, "", "p", c, false, RandomFederation::Net(kExternal), true}});
  std::string ext = RandomFederation::Net(kExternal), ext_sub = RandomFederation::Subnet(kExternal);
  std::vector<model::Port> ports = {
      MakePort("port0", "net0", model::kOwnerCompute, c, pre + "h1", "", "sub0", "10.0.0.3", "fa:16:3e:00:00:01"),
      MakePort("port1", "net1", model::kOwnerCompute, c, pre + "h2", "", "sub1", "10.1.0.3", "fa:16:3e:00:00:02"),
      MakePort("port2", "net0", model::kOwnerCompute, other, far + "h1", "", "sub0", "10.0.0.5", "fa:16:3e:00:00:03"),
      MakePort("port3", "net0", model::kOwnerRouterInterfaceDistributed, c, "", dvr, "sub0", "10.0.0.1", "fa:16:3e:00:00:04"),
      MakePort("port4", "net1", model::kOwnerRouterInterfaceDistributed, c, "", dvr, "sub1", "10.1.0.1", "fa:16:3e:00:00:05"),
      MakePort("port5", ext, model::kOwnerRouterGateway, c, "", dvr, ext_sub, "10.5.0.3", "fa:16:3e:00:00:06"),
      MakePort("port6", "net0", model::kOwnerRouterSnat, c, "", dvr, "sub0", "10.0.0.2", "fa:16:3e:00:00:07"),
      MakePort("port7", "net1", model::kOwnerRouterSnat, c, "", dvr, "sub1", "10.1.0.2", "fa:16:3e:00:00:08"),
      MakePort("port8", ext, model::kOwnerFipAgentGateway, c, pre + "h1", "", ext_sub, "10.5.0.4", "fa:16:3e:00:00:09"),
      MakePort("port9", ext, model::kOwnerFloatingIp, c, "", "fip0", ext_sub, "10.5.0.5", "fa:16:3e:00:00:0a"),
      MakePort("port10", "net0", model::kOwnerDhcp, c, "", "dhcp", "sub0", "10.0.0.4", "fa:16:3e:00:00:0b"),
      MakePort("port11", ext, model::kOwnerRouterGateway, c, "", legacy, ext_sub, "10.5.0.6", "fa:16:3e:00:00:0c"),
      MakePort("port12", "net0", model::kOwnerRouterInterfaceDistributed, other, "", "r" + std::to_string(own % kClouds),
               "sub0", "10.0.0.1", "fa:16:3e:00:00:0d")};
  // Security: the default group (members reach each other) and a web group
  // open to a prefix; instances in them, one with an address pair.
  h.Apply({"securitygroup", "upsert", "sg0", model::SecurityGroup{"sg0", "default", "p"}});
  h.Apply({"securitygroup", "upsert", "sg1", model::SecurityGroup{"sg1", "web", "p"}});
  for (const auto& rule : {model::SecurityGroupRule{"rule0", "p", "sg0", "ingress", "IPv4", "", -1, -1, "", "sg0"},
                           model::SecurityGroupRule{"rule1", "p", "sg0", "egress", "IPv4"},
                           model::SecurityGroupRule{"rule2", "p", "sg1", "ingress", "IPv4", "tcp", 80, 80, "0.0.0.0/0"},
                           model::SecurityGroupRule{"rule3", "p", "sg1", "ingress", "IPv4", "icmp", 8, -1, "", "sg0"}})
    h.Apply({"securitygrouprule", "upsert", rule.id, rule});
  ports[0].security_groups = {"sg0", "sg1"};
  ports[1].security_groups = {"sg0"};
  ports[1].allowed_address_pairs = {{"10.1.0.100", ""}};
  ports[2].security_groups = {"sg0"};
  for (const auto& p : ports) h.Apply({"port", "upsert", p.id, p});
  model::FloatingIp fip{"fip0", "p", ext, "10.5.0.5", "port9", "port0", "10.0.0.3", dvr, c};
  h.Apply({"floatingip", "upsert", fip.id, fip});
}

TEST(LiveView, TheNorthSouthStartHasEveryPiece) {
  Harness h("cloud1");
  RandomFederation r(1);
  for (int c = 0; c < kClouds; ++c) h.Apply({"cloud", "upsert", RandomFederation::CloudName(c), r.Cloud(c)});
  NorthSouthStart(h, 1);
  EXPECT_TRUE(h.MatchesFullRecompute());
  json h1 = h.State("c1-h1"), n1 = h.State("c1-n1");
  EXPECT_EQ(h1["fip_gateways"].size(), 1u) << h1.dump();
  ASSERT_EQ(h1["routers"].size(), 1u) << h1.dump();
  EXPECT_EQ(h1["routers"][0]["floating_ips"].size(), 1u);
  EXPECT_EQ(h1["routers"][0]["snat_routes"].size(), 2u);
  EXPECT_EQ(n1["dhcp_servers"].size(), 1u) << n1.dump();
  EXPECT_EQ(n1["routers"].size(), 2u) << n1.dump();  // the legacy router and the DVR router's SNAT
  // port0 on h1, in both groups: sg0's rule from its own members resolves to
  // their addresses (port2 is another cloud's instance, port1's pair counts).
  ASSERT_EQ(h1["security_groups"].size(), 2u) << h1.dump();
  EXPECT_EQ(h1["security_groups"][0]["rules"][0]["remote_ips"],
            json({"10.0.0.3/32", "10.0.0.5/32", "10.1.0.100/32", "10.1.0.3/32"}));
  EXPECT_EQ(h1["security_groups"][1]["rules"][0]["remote_ip_prefix"], "");  // 0.0.0.0/0 is any
  EXPECT_EQ(h1["security_groups"][1]["rules"][0]["protocol"], 6);
  json h2 = h.State("c1-h2");
  EXPECT_EQ(h2["ports"][0]["allowed_address_pairs"], json::parse(R"([{"cidr":"10.1.0.100/32","mac":"fa:16:3e:00:00:02"}])"));
}

// A port's group unknown, then known: no rule, then its rules; a member
// leaving the remote group changes the other port's rule, in another cloud's
// instance too (port2 of cloud2 is a member of sg0).
TEST(LiveView, GroupsRulesAndMembersReachTheHostsThatReadThem) {
  Harness h("cloud1");
  RandomFederation r(1);
  for (int c = 0; c < kClouds; ++c) h.Apply({"cloud", "upsert", RandomFederation::CloudName(c), r.Cloud(c)});
  NorthSouthStart(h, 1);
  h.Apply({"securitygroup", "delete", "sg1", nullptr});
  EXPECT_TRUE(h.MatchesFullRecompute());
  EXPECT_EQ(h.State("c1-h1")["ports"][0]["security_groups"], json({"sg0"}));
  h.Apply({"securitygroup", "upsert", "sg1", model::SecurityGroup{"sg1", "web", "p"}});
  EXPECT_TRUE(h.MatchesFullRecompute());
  EXPECT_EQ(h.State("c1-h1")["ports"][0]["security_groups"], json({"sg0", "sg1"}));
  model::Port far = MakePort("port2", "net0", model::kOwnerCompute, "cloud2", "c2-h1", "", "sub0", "10.0.0.5",
                             "fa:16:3e:00:00:03");
  h.Apply({"port", "upsert", far.id, far});  // no longer in sg0
  EXPECT_TRUE(h.MatchesFullRecompute());
  EXPECT_EQ(h.State("c1-h1")["security_groups"][0]["rules"][0]["remote_ips"],
            json({"10.0.0.3/32", "10.1.0.100/32", "10.1.0.3/32"}));
  h.Apply({"securitygrouprule", "delete", "rule0", nullptr});
  EXPECT_TRUE(h.MatchesFullRecompute());
  EXPECT_EQ(h.State("c1-h2")["security_groups"][0]["rules"].size(), 1u);
}

// A member of sg0 on a network cloud1 does not have (a group member record):
// its addresses join the remote_ips of sg0's rule on the hosts of sg0's
// members, change with it, and leave when it does.
TEST(LiveView, OtherCloudGroupMembersReachTheRemoteIps) {
  Harness h("cloud1");
  RandomFederation r(1);
  for (int c = 0; c < kClouds; ++c) h.Apply({"cloud", "upsert", RandomFederation::CloudName(c), r.Cloud(c)});
  NorthSouthStart(h, 1);
  const json before = h.State("c1-h1")["security_groups"][0]["rules"][0]["remote_ips"];
  model::GroupMember m{"port29", "p", {"sg0"}, {{"far0", "10.9.0.7"}}, {{"10.9.1.0/30", ""}}};
  h.Apply({"groupmember", "upsert", m.id, m});
  EXPECT_TRUE(h.MatchesFullRecompute());
  EXPECT_EQ(h.State("c1-h1")["security_groups"][0]["rules"][0]["remote_ips"],
            json({"10.0.0.3/32", "10.0.0.5/32", "10.1.0.100/32", "10.1.0.3/32", "10.9.0.7/32", "10.9.1.0/30"}));
  m.security_groups = {"sg1"};  // out of sg0: no rule names sg1 as remote
  h.Apply({"groupmember", "upsert", m.id, m});
  EXPECT_TRUE(h.MatchesFullRecompute());
  EXPECT_EQ(h.State("c1-h1")["security_groups"][0]["rules"][0]["remote_ips"], before);
  m.security_groups = {"sg0"};
  h.Apply({"groupmember", "upsert", m.id, m});
  h.Apply({"groupmember", "delete", m.id, nullptr});
  EXPECT_TRUE(h.MatchesFullRecompute());
  EXPECT_EQ(h.State("c1-h1")["security_groups"][0]["rules"][0]["remote_ips"], before);
}

// Each resource of the north-south start deleted alone, from each cloud's view.
TEST(LiveView, IncrementalEqualsFullRecomputeDeletingEachNorthSouthPiece) {
  std::vector<std::pair<std::string, std::string>> pieces = {{"floatingip", "fip0"}, {"network", "net0"},
                                                             {"network", "net5"},   {"subnet", "sub0"},
                                                             {"subnet", "sub5"}};
  for (int p = 0; p <= 12; ++p) pieces.push_back({"port", RandomFederation::Port(p)});
  for (int g = 0; g < 2; ++g) pieces.push_back({"securitygroup", RandomFederation::Group(g)});
  for (int x = 0; x < 4; ++x) pieces.push_back({"securitygrouprule", "rule" + std::to_string(x)});
  for (int r = 0; r < kRouters; ++r) pieces.push_back({"router", RandomFederation::Router(r)});
  for (int own = 1; own <= 2; ++own)
    for (const auto& [kind, id] : pieces) {
      Harness h(RandomFederation::CloudName(own - 1));
      RandomFederation r(1);
      for (int c = 0; c < kClouds; ++c) h.Apply({"cloud", "upsert", RandomFederation::CloudName(c), r.Cloud(c)});
      NorthSouthStart(h, own);
      h.Apply({kind, "delete", id, nullptr});
      EXPECT_TRUE(h.MatchesFullRecompute()) << "cloud" << own << ": delete " << kind << " " << id;
    }
}

TEST(LiveView, IncrementalEqualsFullRecomputeOverRandomEventSequences) {
  int events = 0, recomputed = 0, patched = 0, full = 0;
  for (unsigned seed = 1; seed <= 24; ++seed)
    for (const std::string cloud : {"cloud1", "cloud2"}) {
      RandomFederation r(seed);
      Harness h(cloud);
      for (int c = 0; c < kClouds; ++c) h.Apply({"cloud", "upsert", RandomFederation::CloudName(c), r.Cloud(c)});
      int own = cloud[5] - '1';
      if (seed % 2 == 0) NorthSouthStart(h, own + 1);
      for (int step = 0; step < 200; ++step) {
        std::string what;
        if (r.Chance(0.04)) {
          model::Host host = r.Host(r.HostName(own));
          what = "registration of " + json(host).dump();
          h.Register(host);
        } else {
          // Every third seed sends batches of 1 to 4 events.
          std::vector<Event> batch(seed % 3 == 0 ? 1 + r.Pick(4) : 1);
          for (auto& e : batch) {
            e = RandomEvent(r);
            what += e.op + " " + e.kind + " " + e.id + " " + e.body.dump() + "; ";
          }
          h.ApplyBatch(batch);
          events += batch.size() - 1;
        }
        ++events;
        ASSERT_TRUE(h.MatchesFullRecompute()) << "seed " << seed << ", " << cloud << ", step " << step << ": "
                                              << what;
      }
      recomputed += h.recomputed;
      patched += h.patched;
      full += h.computed_if_full;
    }
  std::printf("%d events: %d hosts recomputed, %d patched, %d with a full recompute each time\n", events, recomputed,
              patched, full);
  EXPECT_GT(patched, 100);  // the patch path is taken (and checked against the oracle)
}

// Instance ports coming, going, moving between hosts and networks, changing
// addresses and groups, on networks without routers (where the hosts of a
// network have their fdb and ARP entries patched), with now and then a DHCP
// port, a router leg or a registration that send hosts to the full path.
TEST(LiveView, PatchedHostsEqualFullRecomputeUnderInstancePortChurn) {
  int patched = 0, recomputed = 0;
  for (unsigned seed = 1; seed <= 12; ++seed) {
    RandomFederation r(seed);
    Harness h("cloud1");
    for (int c = 0; c < kClouds; ++c) h.Apply({"cloud", "upsert", RandomFederation::CloudName(c), r.Cloud(c)});
    std::vector<std::string> hosts;
    for (int c = 0; c < 2; ++c)
      for (int k = 1; k <= 4; ++k) {
        std::string name = "c" + std::to_string(c + 1) + (k == 4 ? "-n1" : "-h" + std::to_string(k));
        char mac[24];
        std::snprintf(mac, sizeof mac, "fa:16:3f:%02x:00:%02x", c + 1, k);
        model::Host host{name, RandomFederation::CloudName(c), k == 4 ? "network" : "compute",
                         "10.255." + std::to_string(c + 1) + "." + std::to_string(k), mac};
        if (c == 0) h.Register(host);
        else h.Apply({"host", "upsert", name, json(host)});
        if (k < 4) hosts.push_back(name);
      }
    for (int n = 0; n < 4; ++n) {
      model::Network x{RandomFederation::Net(n), "", "p", {"cloud1", n % 2 ? "cloud2" : "cloud1"}, "vxlan", 1000 + n};
      if (n % 2 == 0) x.clouds = {"cloud1"};
      h.Apply({"network", "upsert", x.id, x});
      model::Subnet sub{RandomFederation::Subnet(n), "", "p", x.id, "10." + std::to_string(n) + ".0.0/24",
                        "10." + std::to_string(n) + ".0.1", "anycast", {}, n == 0, {}};
      h.Apply({"subnet", "upsert", sub.id, sub});
    }
    h.Apply({"securitygroup", "upsert", "sg0", model::SecurityGroup{"sg0", "default", "p"}});
    h.Apply({"securitygroup", "upsert", "sg1", model::SecurityGroup{"sg1", "web", "p"}});
    for (const auto& rule : {model::SecurityGroupRule{"rule0", "p", "sg0", "ingress", "IPv4", "", -1, -1, "", "sg0"},
                             model::SecurityGroupRule{"rule1", "p", "sg1", "ingress", "IPv4", "tcp", 22, 22, "", "sg0"}})
      h.Apply({"securitygrouprule", "upsert", rule.id, rule});
    for (int step = 0; step < 300; ++step) {
      int k = r.Pick(100), id = r.Pick(20);
      Event e{"port", "upsert", RandomFederation::Port(id), nullptr};
      if (k < 20) {
        e.op = "delete";
      } else if (k < 94) {
        int n = r.Pick(4);
        model::Port p = MakePort(e.id, RandomFederation::Net(n), model::kOwnerCompute, n % 2 ? "cloud2" : "cloud1",
                                 hosts[r.Pick(static_cast<int>(hosts.size()))], "", RandomFederation::Subnet(n),
                                 "10." + std::to_string(n) + ".0." + std::to_string(r.Pick(9) + 2),
                                 "fa:16:3e:00:00:" + std::to_string(10 + r.Pick(20)));
        if (r.Chance(0.1)) p.host.clear();  // not bound yet
        for (int g = r.Pick(3); g > 0; --g) p.security_groups.push_back(RandomFederation::Group(r.Pick(2)));
        e.body = p;
      } else if (k < 97) {  // a DHCP port, then a router leg: full recomputes
        e.body = MakePort(e.id, "net0", model::kOwnerDhcp, "cloud1", "", "dhcp", "sub0", "10.0.0.250", "fa:16:3e:00:01:01");
      } else if (k < 99) {
        e.body = MakePort(e.id, RandomFederation::Net(r.Pick(4)), model::kOwnerRouterInterfaceDistributed, "cloud1", "",
                          "r0", "sub1", "10.1.0.1", "fa:16:3e:00:01:02");
      } else {
        model::GroupMember m{e.id, "p", {"sg0"}, {{"far0", "10.9.0." + std::to_string(r.Pick(6) + 1)}}, {}};
        e = {"groupmember", r.Chance(0.7) ? "upsert" : "delete", e.id, m};
      }
      h.Apply(e);
      ASSERT_TRUE(h.MatchesFullRecompute()) << "seed " << seed << ", step " << step << ": " << e.op << " " << e.kind
                                            << " " << e.id << " " << e.body.dump();
    }
    patched += h.patched;
    recomputed += h.recomputed;
  }
  std::printf("%d hosts patched, %d recomputed\n", patched, recomputed);
  // Taken often (a port's own host and the network node are computed at every
  // event, and a network with a router leg or a DHCP port is not patched).
  EXPECT_GT(patched, 1000);
}

}  // namespace
}  // namespace isthmus::cloud
