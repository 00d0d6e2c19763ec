#include "state/host_state.h"

#include <gtest/gtest.h>

#include <functional>

#include "state/host_state_test_util.h"

namespace isthmus::state {
namespace {

const char kNet[] = "6d1f3c2a-0b7e-4a51-9c3d-2f8e1a0b4c5d";
const char kPort[] = "0c9f6a1e-3b2d-4e8f-a1c5-7d9b2e4f6a80";

HostState Good() {
  HostState s = C1H1Base(7);
  s.networks.push_back({kNet, 1001, 1, {"10.255.0.12"}, {"10.255.0.12"}});
  s.ports.push_back({kPort, kNet, "fa:16:3e:00:00:11", {"10.0.3.11"}, true,
                     {{"10.0.3.100/32", "fa:16:3e:00:00:11"}}, {"sg-default"}});
  s.security_groups.push_back({"sg-default",
                               {{"rule-1", "ingress", 6, 22, 22, "10.0.0.0/8", "", {}},
                                {"rule-2", "ingress", -1, -1, -1, "", "sg-default", {"10.0.3.11/32"}}}});
  s.remote_ports.push_back({kNet, "fa:16:3e:00:00:12", "10.255.0.12"});
  s.trusted_dvr_macs = {"fa:16:3f:01:00:02", "fa:16:3f:02:00:01"};
  DhcpServer d;
  d.network_id = kNet;
  d.port_id = kPort;
  d.mac = "fa:16:3e:00:00:02";
  d.ip_cidrs = {"10.0.3.2/24"};
  d.subnets.push_back({kPort, "10.0.3.0/24", "10.0.3.1", {"8.8.8.8"}, {{"198.51.100.0/24", "10.0.3.20"}}});
  d.hosts.push_back({"fa:16:3e:00:00:11", "10.0.3.11", "host-10-0-3-11"});
  s.dhcp_servers.push_back(d);
  RouterInstance r;
  r.id = kPort;
  r.interfaces.push_back({kPort, kNet, kPort, "fa:16:3e:00:00:01", "10.0.3.1", 24});
  r.floating_ips.push_back({"172.24.1.10", "10.0.3.11", kPort});
  r.routes.push_back({"198.51.100.0/24", "10.0.3.20"});
  s.routers.push_back(r);
  return s;
}

TEST(HostStateValidation, AGoodStateParses) {
  auto s = ParseHostState(nlohmann::json(Good()));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, Good());
}

TEST(HostStateValidation, AnInjectedNewlineRefusesTheWholeState) {
  HostState s = Good();
  s.remote_ports[0].mac = "fa:16:3e:00:00:12\nadd table=0,priority=999 actions=NORMAL";
  auto r = ParseHostState(nlohmann::json(s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("remote_ports[0].mac"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("\\n"), std::string::npos) << "the value is shown escaped";
  EXPECT_NE(r.status().message().find("revision 7"), std::string::npos);
}

TEST(HostStateValidation, EveryKindOfBadValueIsNamed) {
  struct Case {
    std::function<void(HostState&)> spoil;
    std::string path;
  };
  std::vector<Case> cases = {
      {[](HostState& s) { s.trusted_dvr_macs.push_back("fa:16:3e:00:00:99"); }, "trusted_dvr_macs[2]"},
      {[](HostState& s) { s.dvr_mac = "fa:16:3e:01:00:01"; }, "dvr_mac"},
      {[](HostState& s) { s.ports[0].ips.push_back("10.0.3.300"); }, "ports[0].ips[1]"},
      {[](HostState& s) { s.ports[0].id = "../../etc"; }, "ports[0].id"},
      {[](HostState& s) { s.networks[0].lvid = 5000; }, "networks[0].lvid"},
      {[](HostState& s) { s.tunnels.push_back("10.255.0.13 -j ACCEPT"); }, "tunnels[0]"},
      {[](HostState& s) { s.dhcp_servers[0].hosts[0].hostname = "a\nb"; }, "dhcp_servers[0].hosts[0].hostname"},
      {[](HostState& s) { s.dhcp_servers[0].subnets[0].cidr = "10.0.3.0/24\n"; }, "dhcp_servers[0].subnets[0].cidr"},
      {[](HostState& s) { s.dhcp_servers[0].ip_cidrs[0] = "10.0.3.2"; }, "dhcp_servers[0].ip_cidrs[0]"},
      {[](HostState& s) { s.routers[0].floating_ips[0].fixed_ip = "10.0.3.11/32 -j ACCEPT"; },
       "routers[0].floating_ips[0].fixed_ip"},
      {[](HostState& s) { s.routers[0].interfaces[0].mac = "ff:ff:ff:ff:ff:ff"; }, "routers[0].interfaces[0].mac"},
      {[](HostState& s) { s.routers[0].kind = "bogus"; }, "routers[0].kind"},
      {[](HostState& s) { s.routers[0].routes[0].destination = "198.51.100.1/24"; },
       "routers[0].routes[0].destination"},
      {[](HostState& s) { s.routers[0].routes[0].nexthop = "10.0.3.20 dev lo"; }, "routers[0].routes[0].nexthop"},
      {[](HostState& s) { s.dhcp_servers[0].subnets[0].host_routes[0].destination = "198.51.100.0/24,x"; },
       "dhcp_servers[0].subnets[0].host_routes[0].destination"},
      {[](HostState& s) { s.dhcp_servers[0].subnets[0].host_routes[0].nexthop = ""; },
       "dhcp_servers[0].subnets[0].host_routes[0].nexthop"},
      {[](HostState& s) { s.dvr_mac_space = "00:00:00:00:00:00/00:00:00:00:00:00"; }, "dvr_mac_space"},
      {[](HostState& s) { s.host = "h 1"; }, "host"},
      {[](HostState& s) { s.ports[0].security_groups[0] = "sg-unknown"; }, "ports[0].security_groups[0]"},
      {[](HostState& s) { s.ports[0].allowed_address_pairs[0].cidr = "10.0.3.100"; },
       "ports[0].allowed_address_pairs[0].cidr"},
      {[](HostState& s) { s.security_groups[0].rules[0].direction = "both"; }, "security_groups[0].rules[0].direction"},
      {[](HostState& s) { s.security_groups[0].rules[0].protocol = 256; }, "security_groups[0].rules[0].protocol"},
      {[](HostState& s) { s.security_groups[0].rules[1].remote_ips[0] = "10.0.3.11/32,"; },
       "security_groups[0].rules[1].remote_ips[0]"},
  };
  for (const auto& c : cases) {
    HostState s = Good();
    c.spoil(s);
    Status st = Validate(s);
    ASSERT_FALSE(st.ok()) << c.path;
    EXPECT_EQ(st.message().rfind(c.path + ":", 0), 0u) << st.message();
  }
}

TEST(HostStateValidation, MalformedJsonIsRefused) {
  nlohmann::json j = Good();
  j["ports"][0]["mac"] = 42;
  EXPECT_EQ(ParseHostState(j).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace isthmus::state
