#include "lab/topology_file.h"

#include <gtest/gtest.h>

namespace isthmus::lab {
namespace {

using nlohmann::json;

json Minimal() {
  return json::parse(R"({
    "name": "t",
    "clouds": [{"name": "cloud1", "hosts": [{"name": "c1-net", "role": "network"}, {"name": "c1-h1"}]},
               {"name": "cloud2", "hosts": [{"name": "c2-net", "role": "network"}, {"name": "c2-h1"}]}],
    "networks": [{"name": "net3", "clouds": ["cloud1", "cloud2"], "cidr": "10.0.3.0/24"}],
    "routers": [{"name": "R1", "cloud": "cloud1", "networks": ["net3"]}],
    "instances": [{"name": "vm1", "host": "c1-h1", "nics": [{"network": "net3", "ip": "10.0.3.11"}]}]
  })");
}

std::string ErrorOf(const json& j) {
  auto t = ParseTopology(j, "t.json");
  return t.ok() ? "" : t.status().message();
}

TEST(TopologyFile, EveryShippedTopologyLoads) {
  auto shipped = ShippedTopologies();
  ASSERT_GE(shipped.size(), 6u);
  size_t most_clouds = 0;
  for (const auto& s : shipped) {
    auto t = LoadTopology(s.name);
    ASSERT_TRUE(t.ok()) << s.name << ": " << t.status().message();
    EXPECT_EQ(t->name, s.name);
    EXPECT_FALSE(s.description.empty()) << s.name;
    most_clouds = std::max(most_clouds, t->clouds.size());
  }
  EXPECT_GE(most_clouds, 4u);
}

TEST(TopologyFile, S2HasTheSeedsShape) {
  auto t = LoadTopology("s2");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->clouds.size(), 2u);
  EXPECT_EQ(t->hosts.size(), 6u);
  EXPECT_EQ(t->instances.size(), 4u);
  EXPECT_EQ(t->FindHost("c2-net")->role, HostRole::kNetwork);
  EXPECT_EQ(t->FindHost("c2-h1")->vtep_ip, "10.255.2.2");
  EXPECT_EQ(t->clouds[1].api_port, 9702);
  EXPECT_EQ(t->clouds[1].external.name, "ext-net2");
  EXPECT_EQ(t->clouds[1].external.gateway, "172.24.2.1");
  EXPECT_TRUE(t->instances[0].floating_ip && t->instances[1].floating_ip);
  for (const auto& r : t->routers) EXPECT_TRUE(r.distributed);
}

TEST(TopologyFile, OptionsOverrideTheFile) {
  auto t = LoadTopology("s2-mixed");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->FindRouter("R1")->distributed);
  EXPECT_FALSE(t->FindRouter("R2")->distributed);
  t->Apply({.force_legacy = true, .gateway_mode = GatewayMode::kPerCloud});
  EXPECT_FALSE(t->FindRouter("R1")->distributed);
  EXPECT_EQ(t->FindNetwork("net3")->gateway_mode, GatewayMode::kPerCloud);
}

TEST(TopologyFile, DefaultsAndNullGateway) {
  json j = Minimal();
  j["networks"].push_back({{"name", "repl"}, {"clouds", {"cloud2"}}, {"cidr", "10.0.9.0/24"}, {"gateway", nullptr}});
  auto t = ParseTopology(j, "t.json");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->FindNetwork("net3")->gateway_ip, "10.0.3.1");
  EXPECT_EQ(t->FindNetwork("repl")->gateway_ip, "");
  EXPECT_EQ(t->clouds[0].external.name, "ext-net1");
  EXPECT_EQ(t->clouds[0].external.cidr, "172.24.1.0/24");
  EXPECT_EQ(t->FindHost("c1-h1")->role, HostRole::kCompute);
}

TEST(TopologyFile, ErrorsNameTheField) {
  struct Case {
    std::string patch, want;
  };
  std::vector<Case> cases = {
      {R"([{"op": "add", "path": "/routers/0/distribted", "value": true}])", "routers[0].distribted: is not a known field"},
      {R"([{"op": "replace", "path": "/routers/0/networks/0", "value": "net9"}])", "routers[0].networks[0]: no network \"net9\""},
      {R"([{"op": "replace", "path": "/instances/0/host", "value": "c2-h1"}, {"op": "replace", "path": "/networks/0/clouds", "value": ["cloud1"]}])",
       "instances[0].nics[0].network: network \"net3\" does not span \"cloud2\", the cloud of host \"c2-h1\""},
      {R"([{"op": "replace", "path": "/clouds/1/hosts/1/name", "value": "c1-h1"}])", "clouds[1].hosts[1].name: \"c1-h1\" is already a host or instance name"},
      {R"([{"op": "replace", "path": "/instances/0/name", "value": "c1-h1"}])", "instances[0].name: \"c1-h1\" is already a host or instance name"},
      {R"([{"op": "replace", "path": "/clouds/0/hosts/0/role", "value": "compute"}])", "clouds[0].hosts: cloud \"cloud1\" needs a host with role \"network\""},
      {R"([{"op": "replace", "path": "/networks/0/cidr", "value": "10.255.3.0/24"}])", "networks[0].cidr: \"10.255.3.0/24\" overlaps the lab's underlay"},
      {R"([{"op": "replace", "path": "/instances/0/nics/0/ip", "value": "10.0.4.11"}])", "instances[0].nics[0].ip: \"10.0.4.11\" is not a host address of 10.0.3.0/24"},
      {R"([{"op": "replace", "path": "/instances/0/name", "value": "a-very-long-vm"}])", "instances[0].name: \"a-very-long-vm\" must be 1 to 12"},
      {R"([{"op": "add", "path": "/networks/0/gateway_mode", "value": "both"}])", "networks[0].gateway_mode: \"both\" is not a gateway mode"},
      {R"([{"op": "add", "path": "/routers/-", "value": {"name": "R9", "cloud": "cloud1", "networks": ["net3"]}}])", "routers[1].networks[0]: router \"R1\" of \"cloud1\" already routes \"net3\""},
      {R"([{"op": "replace", "path": "/routers/0/cloud", "value": 3}])", "routers[0].cloud: must be a string"},
      {R"([{"op": "remove", "path": "/clouds"}])", "clouds: is required"},
      {R"([{"op": "add", "path": "/instances/-", "value": {"name": "vm2", "host": "c2-h1", "floating_ip": true, "nics": [{"network": "net3"}]}}])",
       "instances[1].floating_ip: instance \"vm2\"'s first network \"net3\" has no router with a gateway in its cloud \"cloud2\""},
  };
  for (const auto& c : cases) {
    json j = Minimal().patch(json::parse(c.patch));
    std::string err = ErrorOf(j);
    EXPECT_NE(err.find("topology t.json: " + c.want), std::string::npos) << c.patch << "\n got: " << err;
  }
}

// What `lab up` saves (lab_topology.h) reads back to the same topology.
TEST(TopologyFile, WrittenJsonReadsBackTheSame) {
  for (const auto& s : ShippedTopologies()) {
    auto t = LoadTopology(s.name);
    ASSERT_TRUE(t.ok()) << s.name;
    t->Apply({.force_legacy = true, .gateway_mode = GatewayMode::kPerCloud});
    json written = TopologyToJson(*t);
    auto back = ParseTopology(written, "written");
    ASSERT_TRUE(back.ok()) << s.name << ": " << back.status().message();
    EXPECT_EQ(TopologyToJson(*back), written) << s.name;
    EXPECT_EQ(back->hosts.size(), t->hosts.size());
    for (const auto& r : back->routers) EXPECT_FALSE(r.distributed) << s.name << " " << r.name;
    for (const auto& n : back->networks) EXPECT_EQ(n.gateway_mode, GatewayMode::kPerCloud);
  }
}

TEST(TopologyFile, UnknownNamesAndFilesAreClear) {
  auto t = LoadTopology("s9");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("unknown topology 's9'; shipped: "), std::string::npos);
  EXPECT_NE(t.status().message().find("s2"), std::string::npos);
  auto f = LoadTopology("/nonexistent/t.json");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace isthmus::lab
