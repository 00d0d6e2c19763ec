// North-south resources in central: external networks, DHCP ports, router
// gateways (and a DVR router's SNAT ports), floating IPs (and fg- ports).
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <thread>

#include "central/api.h"
#include "central/service.h"
#include "central/test_db.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class NorthSouthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = db_.location();
    s_ = std::move(*Service::Create(path_, {1000, 1001}));
    ASSERT_TRUE(s_->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:9701"}}}}).ok());
    ASSERT_TRUE(s_->CreateCloud({{"cloud", {{"name", "cloud2"}, {"endpoint", "http://127.0.0.1:9702"}}}}).ok());
    Host("cloud1", "c1-h1", "10.255.0.11", "fa:16:3f:01:00:01");
    Host("cloud1", "c1-h2", "10.255.0.12", "fa:16:3f:01:00:02");
    Host("cloud2", "c2-h1", "10.255.0.21", "fa:16:3f:02:00:01");
    auto ext = s_->CreateNetwork({{"network", {{"name", "public"}, {"router:external", true},
                                               {"provider:network_type", "flat"},
                                               {"provider:physical_network", "physnet1"},
                                               {"availability_zone_hints", {"cloud1"}}}}});
    ASSERT_TRUE(ext.ok()) << ext.status().ToString();
    ext_ = ext->id;
    auto ext_sub = s_->CreateSubnet({{"subnet", {{"network_id", ext_}, {"cidr", "203.0.113.0/24"}}}});
    ASSERT_TRUE(ext_sub.ok()) << ext_sub.status().ToString();
    ext_sub_ = ext_sub->id;
    net_ = s_->CreateNetwork({{"network", {{"name", "net3"}, {"availability_zone_hints", {"cloud1", "cloud2"}}}}})->id;
    auto sub = s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.3.0/24"}}}});
    ASSERT_TRUE(sub.ok()) << sub.status().ToString();
    sub_ = sub->id;
  }
  void Host(const std::string& cloud, const std::string& name, const std::string& vtep, const std::string& mac) {
    ASSERT_TRUE(s_->PutHost(cloud, name, {{"host", {{"role", "compute"}, {"vtep_ip", vtep}, {"dvr_mac", mac}}}}).ok());
  }
  std::vector<model::Port> Ports(const std::string& owner) {
    std::vector<model::Port> out;
    for (const auto& j : s_->List("port")) {
      auto p = j.get<model::Port>();
      if (p.device_owner == owner) out.push_back(p);
    }
    return out;
  }
  model::Port Port(const std::string& id) { return s_->Get("port", id)->get<model::Port>(); }
  std::string Instance(const std::string& host, const std::string& network = "") {
    auto p = s_->CreatePort({{"port", {{"network_id", network.empty() ? net_ : network},
                                       {"binding:host_id", host}, {"device_owner", "compute:nova"}}}});
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? p->id : "";
  }
  std::string Router(const std::string& cloud, bool distributed = true) {
    return s_->CreateRouter({{"router", {{"name", "R"}, {"distributed", distributed},
                                         {"availability_zone_hints", {cloud}}}}})->id;
  }
  Result<model::Router> SetGateway(const std::string& router, const json& info) {
    return s_->UpdateRouter(router, {{"router", {{"external_gateway_info", info}}}});
  }
  // Everything central holds and has queued: a refused request must not change it.
  json State() {
    json out;
    for (const char* kind : {"network", "subnet", "port", "router", "floatingip"}) out[kind] = s_->List(kind);
    out["outbox"] = s_->OutboxStatus();
    return out;
  }
  std::vector<OutboxEvent> Events(const std::string& cloud) { return *s_->PendingEvents(cloud, 100000); }

  TestDb db_{"ns"};
  std::string path_, ext_, ext_sub_, net_, sub_;
  std::unique_ptr<Service> s_;
};

TEST_F(NorthSouthTest, ExternalNetworkNeedsOneCloudAndGetsNoVni) {
  auto ext = s_->Get("network", ext_)->get<model::Network>();
  EXPECT_TRUE(ext.external);
  EXPECT_EQ(ext.network_type, "flat");
  EXPECT_EQ(ext.physical_network, "physnet1");
  EXPECT_EQ(ext.segmentation_id, 0);
  EXPECT_EQ(ext.clouds, std::vector<std::string>{"cloud1"});
  json before = State();
  auto flat = [](json extra) {
    json n = {{"router:external", true}, {"provider:network_type", "flat"}, {"provider:physical_network", "physnet2"}};
    n.update(extra);
    return json{{"network", n}};
  };
  EXPECT_EQ(s_->CreateNetwork(flat({{"availability_zone_hints", {"cloud1", "cloud2"}}})).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s_->CreateNetwork(flat(json::object())).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s_->CreateNetwork(flat({{"availability_zone_hints", {"cloud1"}}, {"provider:physical_network", ""}}))
                .status().message(), "provider:physical_network is required for a flat network");
  EXPECT_EQ(s_->CreateNetwork(flat({{"availability_zone_hints", {"cloud1"}}, {"router:external", false}}))
                .status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s_->CreateNetwork(flat({{"availability_zone_hints", {"cloud1"}}, {"provider:network_type", "vxlan"}}))
                .status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s_->CreateNetwork(flat({{"availability_zone_hints", {"cloud1"}}, {"provider:physical_network", "physnet1"}}))
                .status().code(), Code::kConflict);
  EXPECT_EQ(State(), before);
  // The external network took no VNI: the range's second VNI is still free.
  auto n = s_->CreateNetwork({{"network", {{"availability_zone_hints", {"cloud2"}}}}});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->segmentation_id, 1001);
  // Its events go to its one cloud.
  for (const auto& e : Events("cloud2")) EXPECT_NE(e.id, ext_);
  bool seen = false;
  for (const auto& e : Events("cloud1")) seen |= e.kind == "network" && e.id == ext_;
  EXPECT_TRUE(seen);
}

TEST_F(NorthSouthTest, DhcpPortPerCloudOnSubnetCreate) {
  auto dhcp = Ports(model::kOwnerDhcp);
  ASSERT_EQ(dhcp.size(), 2u);  // net3 is in two clouds; the external subnet has none
  std::set<std::string> clouds, ips;
  for (const auto& p : dhcp) {
    EXPECT_EQ(p.network_id, net_);
    EXPECT_EQ(p.device_id, "dhcp-" + p.cloud);
    EXPECT_EQ(p.host, "");
    EXPECT_EQ(p.project_id, "admin");
    ASSERT_EQ(p.fixed_ips.size(), 1u);
    EXPECT_EQ(p.fixed_ips[0].subnet_id, sub_);
    clouds.insert(p.cloud);
    ips.insert(p.fixed_ips[0].ip_address);
  }
  EXPECT_EQ(clouds, (std::set<std::string>{"cloud1", "cloud2"}));
  EXPECT_EQ(ips, (std::set<std::string>{"10.0.3.2", "10.0.3.3"}));
  EXPECT_NE(dhcp[0].mac_address, dhcp[1].mac_address);
  // Both clouds learn both DHCP ports.
  for (const char* c : {"cloud1", "cloud2"}) {
    int ports = 0;
    for (const auto& e : Events(c)) ports += e.kind == "port" && e.op == "upsert" && e.body["device_owner"] == model::kOwnerDhcp;
    EXPECT_EQ(ports, 2) << c;
  }
  // An instance gets the next address.
  EXPECT_EQ(Port(Instance("c1-h1")).fixed_ips[0].ip_address, "10.0.3.4");
  // No DHCP: no port; on an external network: no port.
  ASSERT_TRUE(s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.4.0/24"}, {"enable_dhcp", false},
                                            {"dns_nameservers", {"8.8.8.8"}}}}}).ok());
  ASSERT_TRUE(s_->CreateSubnet({{"subnet", {{"network_id", ext_}, {"cidr", "198.51.100.0/24"}}}}).ok());
  dhcp = Ports(model::kOwnerDhcp);
  ASSERT_EQ(dhcp.size(), 2u);
  EXPECT_EQ(dhcp[0].fixed_ips.size(), 1u);
  EXPECT_EQ(dhcp[1].fixed_ips.size(), 1u);
  for (const auto& j : s_->List("subnet")) {
    auto s = j.get<model::Subnet>();
    if (s.cidr == "10.0.4.0/24") {
      EXPECT_FALSE(s.enable_dhcp);
      EXPECT_EQ(s.dns_nameservers, std::vector<std::string>{"8.8.8.8"});
    }
  }
  json before = State();
  EXPECT_EQ(s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.5.0/24"}, {"dns_nameservers", {"8.8.8.8", "1.2.3"}}}}})
                .status().message(), "Invalid input for dns_nameservers: '1.2.3' is not a valid IPv4 address");
  EXPECT_EQ(s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.5.0/24"}, {"enable_dhcp", "yes"}}}})
                .status().code(), Code::kInvalidArgument);
  EXPECT_EQ(State(), before);
}

TEST_F(NorthSouthTest, SecondSubnetAddsAFixedIpToTheSameDhcpPort) {
  auto ids_before = Ports(model::kOwnerDhcp);
  auto sub2 = s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.6.0/24"}}}});
  ASSERT_TRUE(sub2.ok());
  auto dhcp = Ports(model::kOwnerDhcp);
  ASSERT_EQ(dhcp.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(dhcp[i].id, ids_before[i].id);
    ASSERT_EQ(dhcp[i].fixed_ips.size(), 2u);
    EXPECT_EQ(dhcp[i].fixed_ips[1].subnet_id, sub2->id);
  }
  std::set<std::string> ips{dhcp[0].fixed_ips[1].ip_address, dhcp[1].fixed_ips[1].ip_address};
  EXPECT_EQ(ips, (std::set<std::string>{"10.0.6.2", "10.0.6.3"}));
}

TEST_F(NorthSouthTest, SubnetAndNetworkDeleteRemoveDhcpPorts) {
  auto sub2 = s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.6.0/24"}}}});
  ASSERT_TRUE(s_->Delete("subnet", sub_).ok());
  auto dhcp = Ports(model::kOwnerDhcp);
  ASSERT_EQ(dhcp.size(), 2u);
  for (const auto& p : dhcp) {
    ASSERT_EQ(p.fixed_ips.size(), 1u);
    EXPECT_EQ(p.fixed_ips[0].subnet_id, sub2->id);
  }
  // An instance still blocks its subnet; the refusal keeps the DHCP ports whole.
  std::string vm = Instance("c1-h1");
  json before = State();
  EXPECT_EQ(s_->Delete("subnet", sub2->id).code(), Code::kConflict);
  EXPECT_EQ(s_->Delete("network", net_).code(), Code::kConflict);
  EXPECT_EQ(State(), before);
  ASSERT_TRUE(s_->Delete("port", vm).ok());
  ASSERT_TRUE(s_->Delete("subnet", sub2->id).ok());
  EXPECT_TRUE(Ports(model::kOwnerDhcp).empty());
  // Network delete takes its DHCP ports with it.
  auto sub3 = s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.7.0/24"}}}});
  ASSERT_EQ(Ports(model::kOwnerDhcp).size(), 2u);
  ASSERT_TRUE(s_->Delete("network", net_).ok());
  EXPECT_TRUE(Ports(model::kOwnerDhcp).empty());
  EXPECT_EQ(s_->Get("subnet", sub3->id).status().code(), Code::kNotFound);
  int deletes = 0;
  for (const auto& e : Events("cloud2")) deletes += e.kind == "port" && e.op == "delete";
  // The VM's port; the two DHCP ports at sub2's delete; the two again at the network's.
  EXPECT_EQ(deletes, 5);
}

TEST_F(NorthSouthTest, UsersCannotMakeOrDeleteNetworkOwnedPorts) {
  json before = State();
  auto r = s_->CreatePort({{"port", {{"network_id", net_}, {"device_owner", "network:dhcp"}}}});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("network:dhcp"), std::string::npos);
  std::string dhcp = Ports(model::kOwnerDhcp)[0].id;
  Status st = s_->Delete("port", dhcp);
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_EQ(st.message().rfind("Port " + dhcp + " is owned by network:dhcp;", 0), 0u) << st.message();
  EXPECT_EQ(State(), before);
}

TEST_F(NorthSouthTest, RouterGatewayMakesGatewayAndSnatPorts) {
  auto sub2 = s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.6.0/24"}, {"enable_dhcp", false}}}});
  std::string r = Router("cloud1");
  ASSERT_TRUE(s_->AddRouterInterface(r, {{"subnet_id", sub_}}).ok());
  ASSERT_TRUE(s_->AddRouterInterface(r, {{"subnet_id", sub2->id}}).ok());
  auto c1 = Events("cloud1").size(), c2 = Events("cloud2").size();
  auto updated = SetGateway(r, {{"network_id", ext_}});
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->gateway_network_id, ext_);
  EXPECT_TRUE(updated->enable_snat);
  auto gw = Ports(model::kOwnerRouterGateway);
  ASSERT_EQ(gw.size(), 1u);
  EXPECT_EQ(gw[0].device_id, r);
  EXPECT_EQ(gw[0].cloud, "cloud1");
  EXPECT_EQ(gw[0].network_id, ext_);
  EXPECT_EQ(gw[0].host, "");
  EXPECT_EQ(gw[0].fixed_ips[0].ip_address, "203.0.113.2");
  EXPECT_EQ(s_->GatewayPort(r)->id, gw[0].id);
  auto snat = Ports(model::kOwnerRouterSnat);
  ASSERT_EQ(snat.size(), 2u);
  std::map<std::string, std::string> by_subnet;
  for (const auto& p : snat) {
    EXPECT_EQ(p.device_id, r);
    EXPECT_EQ(p.cloud, "cloud1");
    EXPECT_EQ(p.host, "");
    EXPECT_EQ(p.network_id, net_);
    by_subnet[p.fixed_ips[0].subnet_id] = p.fixed_ips[0].ip_address;
  }
  EXPECT_EQ(by_subnet[sub_], "10.0.3.4");  // after the gateway and the two DHCP ports
  EXPECT_EQ(by_subnet[sub2->id], "10.0.6.2");
  // cloud1: gateway port + 2 SNAT ports + router; cloud2 (net3 is stretched): the 2 SNAT ports.
  EXPECT_EQ(Events("cloud1").size(), c1 + 4);
  EXPECT_EQ(Events("cloud2").size(), c2 + 2);
  EXPECT_EQ(Events("cloud1").back().kind, "router");
  // enable_snat alone updates the router only.
  c1 = Events("cloud1").size();
  auto nosnat = SetGateway(r, {{"network_id", ext_}, {"enable_snat", false}});
  ASSERT_TRUE(nosnat.ok());
  EXPECT_FALSE(nosnat->enable_snat);
  EXPECT_EQ(Events("cloud1").size(), c1 + 1);
  EXPECT_EQ(Ports(model::kOwnerRouterGateway)[0].id, gw[0].id);
  // A requested address replaces the gateway port.
  auto moved = SetGateway(r, {{"network_id", ext_}, {"external_fixed_ips", {{{"ip_address", "203.0.113.50"}}}}});
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(Ports(model::kOwnerRouterGateway)[0].fixed_ips[0].ip_address, "203.0.113.50");
  EXPECT_EQ(Ports(model::kOwnerRouterSnat).size(), 2u);
  // Clearing removes the gateway and SNAT ports.
  auto cleared = SetGateway(r, nullptr);
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->gateway_network_id, "");
  EXPECT_TRUE(Ports(model::kOwnerRouterGateway).empty());
  EXPECT_TRUE(Ports(model::kOwnerRouterSnat).empty());
  EXPECT_FALSE(s_->GatewayPort(r).has_value());
}

TEST_F(NorthSouthTest, GatewayOnCreateAndLegacyRoutersHaveNoSnatPorts) {
  auto r = s_->CreateRouter({{"router", {{"availability_zone_hints", {"cloud1"}}, {"distributed", false},
                                         {"external_gateway_info", {{"network_id", ext_}, {"enable_snat", false},
                                                                    {"external_fixed_ips", {{{"subnet_id", ext_sub_}, {"ip_address", "203.0.113.9"}}}}}}}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->gateway_network_id, ext_);
  EXPECT_FALSE(r->enable_snat);
  EXPECT_EQ(s_->GatewayPort(r->id)->fixed_ips[0].ip_address, "203.0.113.9");
  ASSERT_TRUE(s_->AddRouterInterface(r->id, {{"subnet_id", sub_}}).ok());
  EXPECT_TRUE(Ports(model::kOwnerRouterSnat).empty());
  // Deleting the router needs its interfaces gone; then the gateway port goes with it.
  EXPECT_EQ(s_->Delete("router", r->id).code(), Code::kConflict);
  ASSERT_TRUE(s_->RemoveRouterInterface(r->id, {{"subnet_id", sub_}}).ok());
  ASSERT_TRUE(s_->Delete("router", r->id).ok());
  EXPECT_TRUE(Ports(model::kOwnerRouterGateway).empty());
}

TEST_F(NorthSouthTest, GatewayRefusalsChangeNothing) {
  std::string r1 = Router("cloud1"), r2 = Router("cloud2");
  json before = State();
  auto bad = SetGateway(r1, {{"network_id", net_}});
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "Network " + net_ + " is not an external network");
  EXPECT_EQ(SetGateway(r2, {{"network_id", ext_}}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(SetGateway(r1, {{"network_id", "nope"}}).status().code(), Code::kNotFound);
  EXPECT_EQ(SetGateway(r1, {{"network_id", ext_}, {"colour", 1}}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(SetGateway(r1, {{"network_id", ext_}, {"external_fixed_ips", {{{"ip_address", "203.0.113.1"}}}}}).status().code(),
            Code::kConflict);  // the upstream gateway's address
  EXPECT_EQ(s_->UpdateRouter(r1, {{"router", {{"distributed", false}}}}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s_->CreateRouter({{"router", {{"availability_zone_hints", {"cloud2"}}, {"external_gateway_info", {{"network_id", ext_}}}}}})
                .status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s_->AddRouterInterface(r1, {{"subnet_id", ext_sub_}}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(State(), before);
}

TEST_F(NorthSouthTest, InterfaceAddRemoveAfterGatewayAddsRemovesSnatPort) {
  std::string r = Router("cloud1");
  ASSERT_TRUE(SetGateway(r, {{"network_id", ext_}}).ok());
  EXPECT_TRUE(Ports(model::kOwnerRouterSnat).empty());
  ASSERT_TRUE(s_->AddRouterInterface(r, {{"subnet_id", sub_}}).ok());
  auto snat = Ports(model::kOwnerRouterSnat);
  ASSERT_EQ(snat.size(), 1u);
  EXPECT_EQ(snat[0].fixed_ips[0].subnet_id, sub_);
  ASSERT_TRUE(s_->RemoveRouterInterface(r, {{"subnet_id", sub_}}).ok());
  EXPECT_TRUE(Ports(model::kOwnerRouterSnat).empty());
  EXPECT_EQ(Ports(model::kOwnerRouterGateway).size(), 1u);
}

class FloatingIpTest : public NorthSouthTest {
 protected:
  void SetUp() override {
    NorthSouthTest::SetUp();
    // r_other: a gateway on the external network but no interface on net3's subnet;
    // r_: both. Only r_ can serve net3's instances.
    auto net4 = s_->CreateNetwork({{"network", {{"name", "net4"}, {"availability_zone_hints", {"cloud1"}}}}});
    auto sub4 = s_->CreateSubnet({{"subnet", {{"network_id", net4->id}, {"cidr", "10.0.4.0/24"}}}});
    r_other_ = Router("cloud1");
    ASSERT_TRUE(s_->AddRouterInterface(r_other_, {{"subnet_id", sub4->id}}).ok());
    ASSERT_TRUE(SetGateway(r_other_, {{"network_id", ext_}}).ok());
    r_ = Router("cloud1");
    ASSERT_TRUE(s_->AddRouterInterface(r_, {{"subnet_id", sub_}}).ok());
    ASSERT_TRUE(SetGateway(r_, {{"network_id", ext_}}).ok());
  }
  Result<model::FloatingIp> Fip(const std::string& port = "", const std::string& address = "") {
    json f = {{"floating_network_id", ext_}};
    if (!port.empty()) f["port_id"] = port;
    if (!address.empty()) f["floating_ip_address"] = address;
    return s_->CreateFloatingIp({{"floatingip", f}});
  }
  std::string r_, r_other_;
};

TEST_F(FloatingIpTest, AssociatePicksTheRouterAndMakesAnFgPortOncePerHost) {
  std::string vm1 = Instance("c1-h1"), vm2 = Instance("c1-h1"), vm3 = Instance("c1-h2");
  auto before1 = Events("cloud1").size(), before2 = Events("cloud2").size();
  auto f1 = Fip(vm1);
  ASSERT_TRUE(f1.ok()) << f1.status().ToString();
  EXPECT_EQ(f1->router_id, r_);
  EXPECT_EQ(f1->port_id, vm1);
  EXPECT_EQ(f1->fixed_ip_address, Port(vm1).fixed_ips[0].ip_address);
  EXPECT_EQ(f1->cloud, "cloud1");
  auto holder = Port(f1->floating_port_id);
  EXPECT_EQ(holder.device_owner, model::kOwnerFloatingIp);
  EXPECT_EQ(holder.device_id, f1->id);
  EXPECT_EQ(holder.cloud, "cloud1");
  EXPECT_EQ(holder.fixed_ips[0].ip_address, f1->floating_ip_address);
  auto fg = Ports(model::kOwnerFipAgentGateway);
  ASSERT_EQ(fg.size(), 1u);
  EXPECT_EQ(fg[0].host, "c1-h1");
  EXPECT_EQ(fg[0].device_id, "c1-h1");
  EXPECT_EQ(fg[0].network_id, ext_);
  EXPECT_EQ(fg[0].cloud, "cloud1");
  EXPECT_EQ(fg[0].fixed_ips[0].subnet_id, ext_sub_);
  // The floating IP, its port and the fg- port go to the external network's cloud only.
  EXPECT_EQ(Events("cloud1").size(), before1 + 3);
  EXPECT_EQ(Events("cloud2").size(), before2);
  EXPECT_EQ(Events("cloud1").back().kind, "floatingip");
  auto f2 = Fip(vm2);
  ASSERT_TRUE(f2.ok());
  EXPECT_EQ(Ports(model::kOwnerFipAgentGateway).size(), 1u);  // same host
  auto f3 = Fip();
  ASSERT_TRUE(f3.ok());
  EXPECT_EQ(f3->port_id, "");
  auto a3 = s_->UpdateFloatingIp(f3->id, {{"floatingip", {{"port_id", vm3}}}});
  ASSERT_TRUE(a3.ok()) << a3.status().ToString();
  EXPECT_EQ(a3->router_id, r_);
  fg = Ports(model::kOwnerFipAgentGateway);
  ASSERT_EQ(fg.size(), 2u);
  std::set<std::string> hosts{fg[0].host, fg[1].host};
  EXPECT_EQ(hosts, (std::set<std::string>{"c1-h1", "c1-h2"}));
  // All addresses on the external subnet are distinct.
  std::set<std::string> addresses;
  size_t n = 0;
  for (const auto& j : s_->List("port")) {
    auto p = j.get<model::Port>();
    if (p.network_id != ext_) continue;
    addresses.insert(p.fixed_ips[0].ip_address);
    ++n;
  }
  EXPECT_EQ(addresses.size(), n);
  EXPECT_EQ(n, 2u /* gateways */ + 3u /* floating */ + 2u /* fg */);
}

TEST_F(FloatingIpTest, DisassociateAndPortDeleteClearTheAssociation) {
  std::string vm1 = Instance("c1-h1"), vm2 = Instance("c1-h2");
  auto f1 = Fip(vm1);
  ASSERT_TRUE(f1.ok());
  auto d = s_->UpdateFloatingIp(f1->id, {{"floatingip", {{"port_id", nullptr}}}});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port_id, "");
  EXPECT_EQ(d->fixed_ip_address, "");
  EXPECT_EQ(d->router_id, "");
  EXPECT_EQ(d->floating_ip_address, f1->floating_ip_address);
  EXPECT_EQ(Ports(model::kOwnerFipAgentGateway).size(), 1u);  // left in place
  // Re-associate, then delete the instance's port: disassociated in the same change.
  ASSERT_TRUE(s_->UpdateFloatingIp(f1->id, {{"floatingip", {{"port_id", vm2}}}}).ok());
  ASSERT_TRUE(s_->Delete("port", vm2).ok());
  auto f = s_->Get("floatingip", f1->id)->get<model::FloatingIp>();
  EXPECT_EQ(f.port_id, "");
  EXPECT_EQ(f.router_id, "");
  // A description-only update keeps the association state.
  ASSERT_TRUE(s_->UpdateFloatingIp(f1->id, {{"floatingip", {{"port_id", vm1}}}}).ok());
  auto kept = s_->UpdateFloatingIp(f1->id, {{"floatingip", {{"description", "x"}}}});
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->port_id, vm1);
}

TEST_F(FloatingIpTest, DeleteFreesTheAddress) {
  auto f1 = Fip("", "203.0.113.77");
  ASSERT_TRUE(f1.ok()) << f1.status().ToString();
  EXPECT_EQ(f1->floating_ip_address, "203.0.113.77");
  json before = State();
  EXPECT_EQ(Fip("", "203.0.113.77").status().code(), Code::kConflict);
  EXPECT_EQ(Fip("", "192.0.2.5").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(State(), before);
  ASSERT_TRUE(s_->Delete("floatingip", f1->id).ok());
  EXPECT_EQ(s_->Get("port", f1->floating_port_id).status().code(), Code::kNotFound);
  EXPECT_EQ(s_->Get("floatingip", f1->id).status().code(), Code::kNotFound);
  EXPECT_TRUE(Ports(model::kOwnerFloatingIp).empty());
  auto again = Fip("", "203.0.113.77");
  ASSERT_TRUE(again.ok());
  bool deleted = false;
  for (const auto& e : Events("cloud1")) deleted |= e.kind == "floatingip" && e.op == "delete" && e.id == f1->id;
  EXPECT_TRUE(deleted);
}

TEST_F(FloatingIpTest, RefusalsNameTheProblemAndChangeNothing) {
  std::string vm1 = Instance("c1-h1"), vm_c2 = Instance("c2-h1");
  auto f1 = Fip(vm1);
  ASSERT_TRUE(f1.ok());
  // A subnet of net3's reached by no router with a gateway.
  auto sub2 = s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.6.0/24"}, {"enable_dhcp", false}}}});
  auto lonely = s_->CreatePort({{"port", {{"network_id", net_}, {"binding:host_id", "c1-h2"},
                                          {"fixed_ips", {{{"subnet_id", sub2->id}}}}}}});
  ASSERT_TRUE(lonely.ok());
  json before = State();

  auto r = s_->CreateFloatingIp({{"floatingip", {{"floating_network_id", net_}}}});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "Network " + net_ + " is not an external network");
  r = Fip(vm_c2);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "port " + vm_c2 + " is in cloud2; floating network " + ext_ + " is in cloud1");
  r = Fip(lonely->id);
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message().rfind("External network " + ext_ + " is not reachable from subnet " + sub2->id, 0), 0u)
      << r.status().message();
  EXPECT_EQ(Fip(vm1).status().code(), Code::kConflict);  // that fixed IP has a floating IP
  EXPECT_EQ(Fip("no-such-port").status().code(), Code::kNotFound);
  EXPECT_EQ(Fip(f1->floating_port_id).status().code(), Code::kInvalidArgument);  // not an instance port
  EXPECT_EQ(s_->CreateFloatingIp({{"floatingip", {{"floating_network_id", ext_}, {"port_id", vm1},
                                                  {"fixed_ip_address", "10.0.3.200"}}}}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(s_->UpdateFloatingIp(f1->id, {{"floatingip", {{"floating_ip_address", "203.0.113.99"}}}}).status().code(),
            Code::kInvalidArgument);
  // The floating IP needs r_'s gateway and its interface on net3's subnet, and r_ itself.
  auto clear = SetGateway(r_, nullptr);
  EXPECT_EQ(clear.status().code(), Code::kConflict);
  EXPECT_EQ(SetGateway(r_, {{"network_id", ext_}, {"enable_snat", true}}).ok(), true);  // no change
  auto other_ext = s_->Get("network", ext_);
  EXPECT_EQ(s_->RemoveRouterInterface(r_, {{"subnet_id", sub_}}).status().code(), Code::kConflict);
  EXPECT_EQ(s_->Delete("router", r_).code(), Code::kConflict);
  EXPECT_EQ(s_->Delete("port", f1->floating_port_id).code(), Code::kConflict);
  EXPECT_EQ(s_->Delete("network", ext_).code(), Code::kConflict);
  EXPECT_EQ(s_->Delete("subnet", ext_sub_).code(), Code::kConflict);
  EXPECT_EQ(State(), before);
  // Once disassociated, all of it is allowed.
  ASSERT_TRUE(s_->UpdateFloatingIp(f1->id, {{"floatingip", {{"port_id", nullptr}}}}).ok());
  ASSERT_TRUE(s_->RemoveRouterInterface(r_, {{"subnet_id", sub_}}).ok());
  ASSERT_TRUE(SetGateway(r_, nullptr).ok());
}

TEST_F(FloatingIpTest, StateSurvivesReopeningTheService) {
  std::string vm1 = Instance("c1-h1");
  auto f1 = Fip(vm1);
  ASSERT_TRUE(f1.ok());
  ASSERT_TRUE(Fip().ok());
  json before = State();
  s_.reset();
  s_ = std::move(*Service::Create(path_, {1000, 1001}));
  EXPECT_EQ(State(), before);
  auto f = s_->Get("floatingip", f1->id)->get<model::FloatingIp>();
  EXPECT_EQ(f.router_id, r_);
  EXPECT_EQ(s_->Get("router", r_)->get<model::Router>().gateway_network_id, ext_);
  // The reopened service still knows what is in use.
  EXPECT_EQ(SetGateway(r_, nullptr).status().code(), Code::kConflict);
  EXPECT_EQ(Fip("", f1->floating_ip_address).status().code(), Code::kConflict);
  EXPECT_EQ(Ports(model::kOwnerFipAgentGateway).size(), 1u);
  ASSERT_TRUE(s_->Delete("floatingip", f1->id).ok());
}

// The Neutron shapes of the API, over HTTP.
TEST_F(FloatingIpTest, ApiShapes) {
  std::string vm = Instance("c1-h1");  // on net3's first subnet, which r_ serves
  Pusher pusher(*s_);  // never refreshed: nothing is pushed
  HttpServer server;
  InstallRoutes(server, *s_, pusher);
  int port = *server.Bind("127.0.0.1", 0);
  std::thread t([&] { server.Run(); });
  httplib::Client client("127.0.0.1", port);
  auto call = [&](const std::string& method, const std::string& path, const json& body = nullptr) {
    httplib::Result r = method == "GET"    ? client.Get(path)
                        : method == "POST" ? client.Post(path, body.dump(), "application/json")
                        : method == "PUT"  ? client.Put(path, body.dump(), "application/json")
                                           : client.Delete(path);
    EXPECT_TRUE(r) << method << " " << path;
    return std::make_pair(r ? r->status : 0, r && !r->body.empty() ? json::parse(r->body) : json());
  };
  auto [code, net] = call("GET", "/v2.0/networks/" + ext_);
  EXPECT_EQ(code, 200);
  EXPECT_EQ(net["network"]["router:external"], true);
  EXPECT_EQ(net["network"]["provider:network_type"], "flat");
  EXPECT_EQ(net["network"]["provider:physical_network"], "physnet1");
  EXPECT_TRUE(net["network"]["provider:segmentation_id"].is_null());
  auto [code2, net3] = call("GET", "/v2.0/networks/" + net_);
  EXPECT_EQ(net3["network"]["router:external"], false);
  EXPECT_TRUE(net3["network"]["provider:physical_network"].is_null());
  EXPECT_EQ(net3["network"]["provider:segmentation_id"], 1000);
  auto [code3, sub] = call("POST", "/v2.0/subnets", {{"subnet", {{"network_id", net_}, {"cidr", "10.0.9.0/24"},
                                                                 {"enable_dhcp", false}, {"dns_nameservers", {"9.9.9.9"}}}}});
  EXPECT_EQ(code3, 201);
  EXPECT_EQ(sub["subnet"]["enable_dhcp"], false);
  EXPECT_EQ(sub["subnet"]["dns_nameservers"], json({"9.9.9.9"}));
  auto [code4, router] = call("GET", "/v2.0/routers/" + r_);
  json gw = router["router"]["external_gateway_info"];
  EXPECT_EQ(gw["network_id"], ext_);
  EXPECT_EQ(gw["enable_snat"], true);
  ASSERT_EQ(gw["external_fixed_ips"].size(), 1u);
  EXPECT_EQ(gw["external_fixed_ips"][0]["subnet_id"], ext_sub_);
  auto [code5, cleared] = call("PUT", "/v2.0/routers/" + r_other_, {{"router", {{"external_gateway_info", nullptr}, {"name", "other"}}}});
  EXPECT_EQ(code5, 200);
  EXPECT_TRUE(cleared["router"]["external_gateway_info"].is_null());
  EXPECT_EQ(cleared["router"]["name"], "other");
  EXPECT_EQ(call("PUT", "/v2.0/routers/" + r_, {{"router", {{"ha", true}}}}).first, 400);
  auto [code6, fip] = call("POST", "/v2.0/floatingips", {{"floatingip", {{"floating_network_id", ext_}}}});
  EXPECT_EQ(code6, 201);
  std::string id = fip["floatingip"]["id"];
  EXPECT_TRUE(fip["floatingip"]["port_id"].is_null());
  EXPECT_TRUE(fip["floatingip"]["fixed_ip_address"].is_null());
  EXPECT_TRUE(fip["floatingip"]["router_id"].is_null());
  EXPECT_EQ(fip["floatingip"]["status"], "DOWN");
  EXPECT_EQ(fip["floatingip"]["tenant_id"], "admin");
  auto [code7, assoc] = call("PUT", "/v2.0/floatingips/" + id, {{"floatingip", {{"port_id", vm}}}});
  EXPECT_EQ(code7, 200) << assoc.dump();
  EXPECT_EQ(assoc["floatingip"]["port_id"], vm);
  EXPECT_EQ(assoc["floatingip"]["router_id"], r_);
  EXPECT_EQ(assoc["floatingip"]["status"], "ACTIVE");
  auto [code8, list] = call("GET", "/v2.0/floatingips?port_id=" + vm);
  EXPECT_EQ(list["floatingips"].size(), 1u);
  EXPECT_EQ(call("GET", "/v2.0/floatingips?port_id=other").second["floatingips"].size(), 0u);
  EXPECT_EQ(call("POST", "/v2.0/floatingips", {{"floatingip", {{"floating_network_id", net_}}}}).first, 400);
  EXPECT_EQ(call("DELETE", "/v2.0/floatingips/" + id).first, 204);
  EXPECT_EQ(call("GET", "/v2.0/floatingips/" + id).first, 404);
  server.Stop();
  t.join();
}

}  // namespace
}  // namespace isthmus::central
