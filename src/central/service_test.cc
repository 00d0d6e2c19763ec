#include "central/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "central/test_db.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = db_.location();
    s_ = std::move(*Service::Create(path_, {1000, 1001}));
    ASSERT_TRUE(s_->CreateCloud({{"cloud", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:9701"}}}}).ok());
    ASSERT_TRUE(s_->CreateCloud({{"cloud", {{"name", "cloud2"}, {"endpoint", "http://127.0.0.1:9702"}}}}).ok());
    ASSERT_TRUE(s_->PutHost("cloud1", "c1-h1", {{"host", {{"role", "compute"}, {"vtep_ip", "10.255.0.11"}, {"dvr_mac", "fa:16:3f:01:00:01"}}}}).ok());
    ASSERT_TRUE(s_->PutHost("cloud2", "c2-h1", {{"host", {{"role", "compute"}, {"vtep_ip", "10.255.0.21"}, {"dvr_mac", "fa:16:3f:02:00:01"}}}}).ok());
    net_ = s_->CreateNetwork({{"network", {{"name", "net3"}, {"availability_zone_hints", {"cloud1", "cloud2"}}}}})->id;
    // No DHCP ports here (north_south_test.cc covers them): addresses stay predictable.
    sub_ = s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.3.0/24"}, {"ip_version", 4}, {"enable_dhcp", false}}}})->id;
  }
  json Port(const std::string& host, const std::string& ip = "") {
    json p = {{"network_id", net_}, {"binding:host_id", host}};
    if (!ip.empty()) p["fixed_ips"] = {{{"subnet_id", sub_}, {"ip_address", ip}}};
    return {{"port", p}};
  }
  std::string Router(const std::string& cloud) {
    return s_->CreateRouter({{"router", {{"name", "R"}, {"availability_zone_hints", {cloud}}}}})->id;
  }
  int64_t Pending() {
    auto o = s_->OutboxStatus();
    return o["cloud1"]["pending"].get<int64_t>() + o["cloud2"]["pending"].get<int64_t>();
  }

  TestDb db_{"central"};
  std::string path_, net_, sub_;
  std::unique_ptr<Service> s_;
};

TEST_F(ServiceTest, CloudsGetDisjointDvrMacPrefixes) {
  EXPECT_EQ(s_->GetCloud("cloud1")->dvr_mac_prefix, "fa:16:3f:01");
  EXPECT_EQ(s_->GetCloud("cloud2")->dvr_mac_prefix, "fa:16:3f:02");
  auto bad = s_->PutHost("cloud2", "x", {{"host", {{"role", "compute"}, {"vtep_ip", "10.255.0.9"}, {"dvr_mac", "fa:16:3f:01:00:09"}}}});
  EXPECT_EQ(bad.status().message(), "DVR MAC fa:16:3f:01:00:09 is outside cloud cloud2's prefix fa:16:3f:02");
  auto dup = s_->PutHost("cloud1", "c1-h2", {{"host", {{"role", "compute"}, {"vtep_ip", "10.255.0.12"}, {"dvr_mac", "fa:16:3f:01:00:01"}}}});
  EXPECT_EQ(dup.status().code(), Code::kConflict);
}

TEST_F(ServiceTest, VniAllocationAndExhaustion) {
  auto n2 = s_->CreateNetwork({{"network", {{"availability_zone_hints", {"cloud1"}}}}});
  ASSERT_TRUE(n2.ok());
  EXPECT_EQ(n2->segmentation_id, 1001);
  auto n3 = s_->CreateNetwork({{"network", {{"availability_zone_hints", {"cloud1"}}}}});
  EXPECT_EQ(n3.status().message(), "No free segmentation ID in range 1000:1001");
}

TEST_F(ServiceTest, BadInputIsRefusedByNameAndChangesNothing) {
  int64_t before = Pending();
  size_t networks = s_->List("network").size();
  struct Case { json body; std::string message; };
  std::vector<Case> cases = {
      {{{"network", {{"availability_zone_hints", {"cloud9"}}}}}, "Cloud cloud9 in availability_zone_hints could not be found"},
      {{{"network", {{"colour", "blue"}, {"availability_zone_hints", {"cloud1"}}}}}, "Unrecognized attribute(s) 'colour' for network"},
      {{{"network", {{"name", 7}}}}, "Invalid input for name: '7' is not a string"},
      {json::array(), "request body must be {\"network\": {...}}"},
  };
  for (const auto& c : cases) {
    auto r = s_->CreateNetwork(c.body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), c.message);
  }
  // An overlapping subnet: 400, as Neutron (clients move on to the next CIDR).
  EXPECT_EQ(s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.3.128/25"}}}}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.5.1/24"}}}}).status().message(),
            "Invalid input for cidr: '10.0.5.1/24' has host bits set; did you mean 10.0.5.0/24?");
  EXPECT_EQ(s_->CreatePort(Port("nohost")).status().message(), "Unknown host nohost in binding:host_id");
  EXPECT_EQ(s_->CreatePort(Port("c1-h1", "10.0.4.5")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Pending(), before);
  EXPECT_EQ(s_->List("network").size(), networks);
}

TEST_F(ServiceTest, DuplicateIpAndMacAreConflicts) {
  ASSERT_TRUE(s_->CreatePort(Port("c1-h1", "10.0.3.10")).ok());
  EXPECT_EQ(s_->CreatePort(Port("c2-h1", "10.0.3.10")).status().message(),
            "IP address 10.0.3.10 already allocated in subnet " + sub_);
  json p = Port("c1-h1");
  p["port"]["mac_address"] = "fa:16:3e:00:00:99";
  ASSERT_TRUE(s_->CreatePort(p).ok());
  EXPECT_EQ(s_->CreatePort(p).status().code(), Code::kConflict);
  EXPECT_EQ(s_->CreatePort(Port("c1-h1", "10.0.3.1")).status().code(), Code::kConflict);  // the gateway
}

TEST_F(ServiceTest, AnycastGatewaySharedAcrossCloudsNotWithinOne) {
  std::string r1 = Router("cloud1"), r2 = Router("cloud2"), r1b = Router("cloud1");
  auto a = s_->AddRouterInterface(r1, {{"subnet_id", sub_}});
  auto b = s_->AddRouterInterface(r2, {{"subnet_id", sub_}});
  ASSERT_TRUE(a.ok() && b.ok());
  auto pa = s_->Get("port", a->port_id)->get<model::Port>(), pb = s_->Get("port", b->port_id)->get<model::Port>();
  EXPECT_EQ(pa.fixed_ips[0].ip_address, "10.0.3.1");
  EXPECT_EQ(pb.fixed_ips[0].ip_address, "10.0.3.1");
  EXPECT_NE(pa.mac_address, pb.mac_address);
  EXPECT_EQ(pa.cloud, "cloud1");
  EXPECT_EQ(pa.device_owner, model::kOwnerRouterInterfaceDistributed);
  EXPECT_EQ(s_->AddRouterInterface(r1, {{"subnet_id", sub_}}).status().code(), Code::kConflict);
  EXPECT_EQ(s_->AddRouterInterface(r1b, {{"subnet_id", sub_}}).status().code(), Code::kConflict);
}

TEST_F(ServiceTest, InterfaceOnlyInTheRoutersCloud) {
  auto local = s_->CreateNetwork({{"network", {{"availability_zone_hints", {"cloud1"}}}}});
  auto sub = s_->CreateSubnet({{"subnet", {{"network_id", local->id}, {"cidr", "10.0.9.0/24"}}}});
  std::string r2 = Router("cloud2");
  EXPECT_EQ(s_->AddRouterInterface(r2, {{"subnet_id", sub->id}}).status().message(),
            "network " + local->id + " is not present in cloud cloud2 of router " + r2);
}

TEST_F(ServiceTest, InUseDeletesAreRefused) {
  auto p = s_->CreatePort(Port("c1-h1"));
  std::string r1 = Router("cloud1");
  ASSERT_TRUE(s_->AddRouterInterface(r1, {{"subnet_id", sub_}}).ok());
  EXPECT_EQ(s_->Delete("network", net_).code(), Code::kConflict);
  EXPECT_EQ(s_->Delete("subnet", sub_).code(), Code::kConflict);
  EXPECT_EQ(s_->Delete("router", r1).code(), Code::kConflict);
  ASSERT_TRUE(s_->RemoveRouterInterface(r1, {{"subnet_id", sub_}}).ok());
  ASSERT_TRUE(s_->Delete("router", r1).ok());
  ASSERT_TRUE(s_->Delete("port", p->id).ok());
  ASSERT_TRUE(s_->Delete("network", net_).ok());
  EXPECT_EQ(s_->Get("subnet", sub_).status().code(), Code::kNotFound);
}

TEST_F(ServiceTest, EventsGoToTheNetworksCloudsAndSurviveRestart) {
  // The project's default security group first (every cloud gets it), not with its first port.
  ASSERT_TRUE(s_->EnsureDefaultSecurityGroup("admin").ok());
  auto before1 = s_->PendingEvents("cloud1", 10000)->size();
  auto before2 = s_->PendingEvents("cloud2", 10000)->size();
  ASSERT_TRUE(s_->CreatePort(Port("c1-h1")).ok());  // net3 is in both clouds
  Router("cloud1");                                  // a router goes to its cloud only
  EXPECT_EQ(s_->PendingEvents("cloud1", 10000)->size(), before1 + 2);
  EXPECT_EQ(s_->PendingEvents("cloud2", 10000)->size(), before2 + 1);
  auto last = s_->PendingEvents("cloud1", 10000)->back();
  EXPECT_EQ(last.kind, "router");
  ASSERT_TRUE(s_->AckEvents("cloud1", last.cloud_seq).ok());
  s_.reset();
  s_ = std::move(*Service::Create(path_, {1000, 1001}));
  EXPECT_TRUE(s_->PendingEvents("cloud1", 10000)->empty());
  EXPECT_EQ(s_->PendingEvents("cloud2", 10000)->size(), before2 + 1);
  EXPECT_EQ(s_->List("port").size(), 1u);
}

}  // namespace
}  // namespace isthmus::central

namespace isthmus::central {
namespace {

TEST_F(ServiceTest, PerCloudGatewaysGetTheirOwnAddress) {
  auto sub = s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.8.0/24"}, {"gateway_mode", "per-cloud"}, {"enable_dhcp", false}}}});
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  std::string r1 = Router("cloud1"), r2 = Router("cloud2");
  auto a = s_->AddRouterInterface(r1, {{"subnet_id", sub->id}});
  auto b = s_->AddRouterInterface(r2, {{"subnet_id", sub->id}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(s_->Get("port", a->port_id)->get<model::Port>().fixed_ips[0].ip_address, "10.0.8.1");
  EXPECT_EQ(s_->Get("port", b->port_id)->get<model::Port>().fixed_ips[0].ip_address, "10.0.8.2");
  // Instances never get a gateway address.
  json p = {{"port", {{"network_id", net_}, {"fixed_ips", {{{"subnet_id", sub->id}}}}}}};
  EXPECT_EQ(s_->CreatePort(p)->fixed_ips[0].ip_address, "10.0.8.3");
  EXPECT_EQ(s_->CreateSubnet({{"subnet", {{"network_id", net_}, {"cidr", "10.0.9.0/24"}, {"gateway_mode", "odd"}}}})
                .status().message(),
            "gateway_mode 'odd' is not one of anycast, per-cloud");
}

}  // namespace
}  // namespace isthmus::central
