#include "live_set.h"

#include <gtest/gtest.h>

namespace isthmus::fuzz {
namespace {

using nlohmann::json;

std::vector<std::string> Requests(const std::vector<RemoveStep>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps) out.push_back(s.method + " " + s.path + (s.body.is_null() ? "" : " " + s.body.dump()));
  return out;
}

json Net(const std::string& id, const std::string& name = "n", const std::string& cloud = "cloud1") {
  return {{"id", id}, {"name", name}, {"availability_zone_hints", {cloud}}};
}

TEST(LiveSetTest, UnderItsCapsNothingIsRemoved) {
  LiveSet live({});
  Lists l;
  l.networks = {Net("n1"), Net("n2")};
  l.clouds = {{{"name", "cloud1"}}};
  live.Observe(l);
  EXPECT_TRUE(live.Plan(l).empty());
}

TEST(LiveSetTest, PastTheCapTheOldestGoesAndTheKeptStay) {
  LiveSet live({.caps = {{"network", 2}}, .kept_names = {"fz-base"}});
  Lists l;
  l.networks = {Net("base", "fz-base"), Net("n1")};
  live.Observe(l);
  l.networks = {Net("n2"), Net("base", "fz-base"), Net("n1"), Net("n3")};  // list order is not age
  live.Observe(l);
  // base and n1 are the oldest; base is kept, so n1 goes, then n2 (seen with n3, listed first).
  EXPECT_EQ(Requests(live.Plan(l)), (std::vector<std::string>{"DELETE /v2.0/networks/n1", "DELETE /v2.0/networks/n2"}));
  l.networks = {Net("base", "fz-base"), Net("n3")};
  live.Observe(l);
  EXPECT_TRUE(live.Plan(l).empty());
}

TEST(LiveSetTest, WhatDependsOnAResourceGoesFirst) {
  LiveSet live({.caps = {{"network", 0}, {"router", 1}}, .kept_names = {}});
  Lists l;
  l.networks = {Net("ext"), Net("n1")};
  l.subnets = {{{"id", "s1"}, {"network_id", "n1"}}};
  l.routers = {{{"id", "r1"}, {"external_gateway_info", {{"network_id", "ext"}}}}};
  l.ports = {
      {{"id", "p-if"}, {"network_id", "n1"}, {"device_owner", "network:router_interface_distributed"}, {"device_id", "r1"},
       {"fixed_ips", {{{"subnet_id", "s1"}, {"ip_address", "10.0.0.1"}}}}},
      {{"id", "p-vm"}, {"network_id", "n1"}, {"device_owner", "compute:nova"}, {"fixed_ips", {{{"subnet_id", "s1"}}}}},
      {{"id", "p-dhcp"}, {"network_id", "n1"}, {"device_owner", "network:dhcp"}}};
  l.floatingips = {{{"id", "f1"}, {"floating_network_id", "ext"}, {"port_id", "p-vm"}}};
  live.Observe(l);
  EXPECT_EQ(Requests(live.Plan(l)),
            (std::vector<std::string>{
                "DELETE /v2.0/floatingips/f1",
                "PUT /v2.0/routers/r1 {\"router\":{\"external_gateway_info\":null}}",
                "DELETE /v2.0/networks/ext",
                "PUT /v2.0/routers/r1/remove_router_interface {\"port_id\":\"p-if\"}",
                "DELETE /v2.0/ports/p-vm",  // the DHCP port is central's: it goes with the network
                "DELETE /v2.0/subnets/s1",
                "DELETE /v2.0/networks/n1",
            }));
}

TEST(LiveSetTest, ACloudGoesAfterItsRoutersAndNetworks) {
  LiveSet live({.caps = {{"cloud", 1}}, .kept_names = {"cloud1"}});
  Lists l;
  l.clouds = {{{"name", "cloud1"}}, {{"name", "fz-cloud2"}}};
  l.networks = {Net("n1", "n", "fz-cloud2"), Net("n2")};
  l.routers = {{{"id", "r1"}, {"availability_zone_hints", {"fz-cloud2"}}, {"external_gateway_info", nullptr}}};
  live.Observe(l);
  EXPECT_EQ(Requests(live.Plan(l)), (std::vector<std::string>{"DELETE /v2.0/routers/r1", "DELETE /v2.0/networks/n1",
                                                              "DELETE /v2.0/clouds/fz-cloud2"}));
}

}  // namespace
}  // namespace isthmus::fuzz
