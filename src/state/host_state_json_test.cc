#include "state/host_state_json.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "state/host_state_test_util.h"

namespace isthmus::state {
namespace {

// Random values of every field: the empty string, plain ones of different
// lengths (prefixes of each other, so order matters), and ones nlohmann must
// escape (a quote, a backslash, a control character, UTF-8).
class Random {
 public:
  explicit Random(uint32_t seed) : rng_(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Bool() { return Int(0, 1) == 1; }
  std::string Str() {
    static const char* kSpecial[] = {"", "a\"b", "c\\d", "e\nf", "caf\xc3\xa9", "\x01", "10.0.0.1",
                                     "10.0.0.10", "fa:16:3e:00:00:01", "net-1_x"};
    if (Int(0, 3) == 0) return kSpecial[Int(0, 9)];
    std::string s;
    for (int i = Int(1, 12); i > 0; --i) s += "abcz019-_:./"[Int(0, 11)];
    return s;
  }
  std::vector<std::string> Strs() {
    std::vector<std::string> v(Int(0, 3));
    for (auto& s : v) s = Str();
    return v;
  }
  template <typename F>
  auto Many(F make) {
    std::vector<decltype(make())> v(Int(0, 3));
    for (auto& x : v) x = make();
    return v;
  }

 private:
  std::mt19937 rng_;
};

HostState RandomState(Random& r) {
  HostState s = C1H1Base(r.Int(0, 1000000));
  s.host = r.Str();
  s.cloud = r.Str();
  s.role = r.Str();
  s.dvr_mac_federation = r.Bool();
  s.tunnels = r.Strs();
  s.trusted_dvr_macs = r.Strs();
  s.networks = r.Many([&] { return LocalNetwork{r.Str(), r.Int(0, 99999), r.Int(1, 4094), r.Strs(), r.Strs()}; });
  s.ports = r.Many([&] {
    LocalPort p{r.Str(), r.Str(), r.Str(), r.Strs(), r.Bool(), {}, r.Strs()};
    p.allowed_address_pairs = r.Many([&] { return AddressPair{r.Str(), r.Str()}; });
    return p;
  });
  s.security_groups = r.Many([&] {
    SecurityGroupRules g{r.Str(), {}};
    g.rules = r.Many([&] {
      return SecurityRule{r.Str(), r.Str(), r.Int(-1, 255), r.Int(-1, 65535), r.Int(-1, 65535),
                          r.Str(), r.Str(), r.Strs()};
    });
    return g;
  });
  s.remote_ports = r.Many([&] { return RemotePort{r.Str(), r.Str(), r.Str()}; });
  s.arp_responder = r.Many([&] { return ArpEntry{r.Str(), r.Str(), r.Str()}; });
  s.gateway_arp_drop = r.Many([&] { return ArpEntry{r.Str(), r.Str(), r.Str()}; });
  auto gateway = [&] {
    return ExternalGateway{r.Str(), r.Str(), r.Str(), r.Str(), r.Int(0, 32), r.Str(), r.Bool()};
  };
  s.routers = r.Many([&] {
    RouterInstance ri{r.Str(), r.Bool(), r.Str(), {}, {}, gateway(), {}, {}, {r.Str(), r.Str(), r.Str()}, {}};
    ri.interfaces = r.Many([&] {
      return RouterInterface{r.Str(), r.Str(), r.Str(), r.Str(), r.Str(), r.Int(0, 32), r.Bool()};
    });
    ri.neighbors = r.Many([&] { return Neighbor{r.Str(), r.Str()}; });
    ri.snat_routes = r.Many([&] { return SnatRoute{r.Str(), r.Str(), r.Str()}; });
    ri.floating_ips = r.Many([&] { return FloatingIpNat{r.Str(), r.Str(), r.Str()}; });
    ri.routes = r.Many([&] { return Route{r.Str(), r.Str()}; });
    return ri;
  });
  s.gateways = r.Many([&] { return SubnetGateway{r.Str(), r.Str(), r.Str(), r.Str(), r.Str(), r.Bool()}; });
  s.foreign_gateways = r.Many([&] { return ForeignGateway{r.Str(), r.Str(), r.Str()}; });
  s.fip_gateways = r.Many([&] { return FipGateway{r.Str(), r.Str(), r.Str(), r.Str(), r.Int(0, 32), r.Str()}; });
  s.dhcp_servers = r.Many([&] {
    DhcpServer d{r.Str(), r.Str(), r.Str(), r.Strs(), r.Int(68, 9000), {}, {}};
    d.subnets = r.Many([&] {
      DhcpSubnet sub{r.Str(), r.Str(), r.Str(), r.Strs(), {}};
      sub.host_routes = r.Many([&] { return Route{r.Str(), r.Str()}; });
      return sub;
    });
    d.hosts = r.Many([&] { return DhcpHost{r.Str(), r.Str(), r.Str()}; });
    return d;
  });
  return s;
}

// The written text is byte for byte what nlohmann writes, for every field,
// escapes included; and the revision can be replaced in the text.
TEST(HostStateJson, SameBytesAsNlohmann) {
  Random r(7);
  for (int i = 0; i < 2000; ++i) {
    HostState s = RandomState(r);
    std::string text = DumpHostState(s);
    ASSERT_EQ(text, nlohmann::json(s).dump()) << "state " << i;
    int64_t revision = r.Int(0, 1 << 30);
    HostState t = s;
    t.revision = revision;
    ASSERT_EQ(WithRevision(text, revision), nlohmann::json(t).dump()) << "state " << i;
  }
}

// Adding a DVR MAC to the text gives the text of the state with that MAC
// added to its sorted trusted_dvr_macs: first, last, between, already there, none yet.
TEST(HostStateJson, AddTrustedDvrMacEqualsTheStateWithIt) {
  Random r(11);
  for (int i = 0; i < 2000; ++i) {
    HostState s = RandomState(r);
    std::set<std::string> macs;
    for (int k = r.Int(0, 4); k > 0; --k) macs.insert("fa:16:3f:01:00:0" + std::to_string(r.Int(0, 9)));
    s.trusted_dvr_macs.assign(macs.begin(), macs.end());
    std::string mac = "fa:16:3f:01:00:0" + std::to_string(r.Int(0, 9));
    HostState want = s;
    macs.insert(mac);
    want.trusted_dvr_macs.assign(macs.begin(), macs.end());
    auto got = AddTrustedDvrMac(DumpHostState(s), mac);
    ASSERT_TRUE(got.has_value()) << "state " << i;
    ASSERT_EQ(*got, DumpHostState(want)) << "state " << i;
  }
  EXPECT_FALSE(AddTrustedDvrMac("{\"host\":\"h\"}", "fa:16:3f:01:00:01").has_value());
  EXPECT_FALSE(AddTrustedDvrMac(DumpHostState(HostState{}), "fa:16:3f:01:00:0\"").has_value());
}

TEST(HostStateJson, EmptyState) {
  HostState s;
  EXPECT_EQ(DumpHostState(s), nlohmann::json(s).dump());
}

}  // namespace
}  // namespace isthmus::state
