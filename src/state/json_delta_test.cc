#include "state/json_delta.h"

#include <gtest/gtest.h>

// The random states below set the first members of their structs only.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <cstdio>
#include <deque>
#include <functional>
#include <random>

#include "state/host_state_json.h"
#include "state/host_state_test_util.h"
#include "state/state_digest.h"

namespace isthmus::state {
namespace {

// Random HostStates from a small vocabulary, so that pairs share most of
// their elements (as a host's states before and after one event do) and
// elements compare equal, collide on keys and repeat.
class RandomStates {
 public:
  explicit RandomStates(uint32_t seed) : rng_(seed) {}

  int Int(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string Mac() { return "fa:16:3e:00:00:" + Hex(Int(40)); }
  std::string Ip() { return "10.0." + std::to_string(Int(3)) + "." + std::to_string(Int(40)); }
  std::string Net() { return "net" + std::to_string(Int(4)); }
  std::string Id(const char* p) { return std::string(p) + std::to_string(Int(12)); }
  std::vector<std::string> Strings(int n, const std::function<std::string()>& f) {
    std::vector<std::string> v(Int(n));
    for (auto& s : v) s = f();
    if (Int(2)) std::sort(v.begin(), v.end());
    return v;
  }
  template <typename T>
  std::vector<T> Some(int n, const std::function<T()>& f) {
    std::vector<T> v(Int(n));
    for (auto& x : v) x = f();
    return v;
  }

  HostState State() {
    HostState s = C1H1Base(0);
    s.tunnels = Strings(6, [&] { return "10.255.0." + std::to_string(Int(20)); });
    s.trusted_dvr_macs = Strings(8, [&] { return "fa:16:3f:01:00:" + Hex(Int(30)); });
    s.networks = Some<LocalNetwork>(4, [&] {
      return LocalNetwork{Net(), Int(5), Int(5), Strings(4, [&] { return Ip(); }), Strings(3, [&] { return Ip(); })};
    });
    s.ports = Some<LocalPort>(5, [&] {
      LocalPort p{Id("port"), Net(), Mac(), Strings(3, [&] { return Ip(); })};
      p.port_security = Int(2);
      p.allowed_address_pairs = Some<AddressPair>(2, [&] { return AddressPair{Ip() + "/32", Mac()}; });
      p.security_groups = Strings(3, [&] { return Id("sg"); });
      return p;
    });
    s.remote_ports = Some<RemotePort>(30, [&] { return RemotePort{Net(), Mac(), Ip()}; });
    s.arp_responder = Some<ArpEntry>(30, [&] { return ArpEntry{Net(), Ip(), Mac()}; });
    s.gateway_arp_drop = Some<ArpEntry>(4, [&] { return ArpEntry{Net(), Ip(), Mac()}; });
    s.routers = Some<RouterInstance>(3, [&] {
      RouterInstance r;
      r.id = Id("router");
      r.kind = Int(2) ? "dvr" : "snat";
      r.interfaces = Some<RouterInterface>(3, [&] {
        return RouterInterface{Id("port"), Net(), Id("subnet"), Mac(), Ip(), 24, Int(2) == 0};
      });
      r.neighbors = Some<Neighbor>(20, [&] { return Neighbor{Ip(), Mac()}; });
      r.routes = Some<Route>(3, [&] { return Route{Ip() + "/32", Ip()}; });
      if (Int(2)) r.gateway = ExternalGateway{Id("port"), "ext", Mac(), Ip(), 24, Ip(), Int(2) == 0};
      return r;
    });
    s.gateways = Some<SubnetGateway>(4, [&] {
      return SubnetGateway{Net(), Id("subnet"), "10.0.0.0/24", Ip(), Mac(), Int(2) == 0};
    });
    s.dhcp_servers = Some<DhcpServer>(3, [&] {
      DhcpServer d{Net(), Id("port"), Mac(), Strings(2, [&] { return Ip() + "/24"; })};
      d.hosts = Some<DhcpHost>(10, [&] { return DhcpHost{Mac(), Ip(), "host-" + std::to_string(Int(9))}; });
      return d;
    });
    s.security_groups = Some<SecurityGroupRules>(3, [&] {
      SecurityGroupRules g{Id("sg")};
      g.rules = Some<SecurityRule>(4, [&] {
        SecurityRule r{Id("rule"), Int(2) ? "ingress" : "egress", Int(3) * 6 - 1};
        r.remote_ips = Strings(4, [&] { return Ip() + "/32"; });
        return r;
      });
      return g;
    });
    return s;
  }

  // `s` with a few random elements of its arrays removed, changed or added
  // (taken from another random state), and maybe a scalar changed.
  HostState Mutate(HostState s) {
    HostState other = State();
    int changes = 1 + Int(4);
    for (int c = 0; c < changes; ++c) {
      switch (Int(8)) {
        case 0: Edit(s.remote_ports, other.remote_ports); break;
        case 1: Edit(s.arp_responder, other.arp_responder); break;
        case 2: Edit(s.ports, other.ports); break;
        case 3: Edit(s.trusted_dvr_macs, other.trusted_dvr_macs); break;
        case 4:
          if (!s.routers.empty()) {
            auto& neighbors = s.routers[Int(s.routers.size())].neighbors;
            Edit(neighbors, other.routers.empty() ? neighbors : other.routers[0].neighbors);
          }
          break;
        case 5: Edit(s.dhcp_servers, other.dhcp_servers); break;
        case 6: Edit(s.security_groups, other.security_groups); break;
        case 7: s.role = Int(2) ? "network" : "compute"; break;
      }
    }
    if (Int(10) == 0) {
      s = other;
    }
    return s;
  }

 private:
  template <typename T>
  void Edit(std::vector<T>& v, const std::vector<T>& from) {
    int op = Int(3);
    if (op == 0 && !v.empty()) v.erase(v.begin() + Int(v.size()));
    else if (op == 1 && !from.empty()) v.insert(v.begin() + Int(v.size() + 1), from[Int(from.size())]);
    else if (!v.empty() && !from.empty()) v[Int(v.size())] = from[Int(from.size())];
  }
  static std::string Hex(int v) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", v);
    return b;
  }
  std::mt19937 rng_;
};

TEST(JsonDeltaTest, MergeOfDiffGivesTheSecondStateByteForByte) {
  size_t delta_bytes = 0, state_bytes = 0;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    RandomStates r(seed);
    HostState a = r.State();
    for (int step = 0; step < 50; ++step) {
      HostState b = r.Mutate(a);
      std::string ta = DumpHostState(a), tb = DumpHostState(b);
      auto delta = JsonDiff(ta, tb);
      ASSERT_TRUE(delta.ok()) << delta.status().message();
      // The layouts the writer records are what a scan finds, and give the same delta.
      JsonLayout la, lb;
      ASSERT_EQ(DumpHostState(a, &la), ta);
      ASSERT_EQ(DumpHostState(b, &lb), tb);
      ASSERT_EQ(la, LayoutOf(ta));
      ASSERT_EQ(*JsonDiff(ta, la, tb, lb), *delta);
      auto merged = JsonMerge(ta, *delta);
      ASSERT_TRUE(merged.ok()) << "seed " << seed << " step " << step << ": " << merged.status().message()
                               << "\ndelta " << *delta;
      ASSERT_EQ(*merged, tb) << "seed " << seed << " step " << step << "\ndelta " << *delta;
      // Merged with a's layout (an agent's held state): the same text, and tb's layout.
      JsonLayout merged_layout;
      size_t unchanged = 0;
      auto by_layout = JsonMerge(ta, la, *delta, &merged_layout, &unchanged);
      ASSERT_TRUE(by_layout.ok()) << by_layout.status().message();
      ASSERT_LE(unchanged, std::min(ta.size(), tb.size()));
      ASSERT_EQ(ta.substr(0, unchanged), tb.substr(0, unchanged));
      ASSERT_EQ(*by_layout, tb) << "seed " << seed << " step " << step << "\ndelta " << *delta;
      ASSERT_EQ(merged_layout, lb) << "seed " << seed << " step " << step << "\ndelta " << *delta;
      // (Random states are not valid ones: read without Validate.)
      EXPECT_EQ(nlohmann::json::parse(*merged).get<HostState>(), b);
      if (ta == tb) {
        EXPECT_EQ(*delta, "{}");
      }
      delta_bytes += delta->size(), state_bytes += tb.size();
      a = std::move(b);
    }
  }
  // A few elements changed: the deltas are a small part of the states.
  EXPECT_LT(delta_bytes * 3, state_bytes);
}

TEST(JsonDeltaTest, OneElementAddedIsSentAloneAndAChangedElementByItsId) {
  HostState a = C1H1Base(0);
  for (int i = 0; i < 50; ++i)
    a.remote_ports.push_back({"net1", "fa:16:3e:00:01:" + std::to_string(10 + i), "10.255.0.12"});
  HostState b = a;
  b.remote_ports.insert(b.remote_ports.begin() + 20, RemotePort{"net1", "fa:16:3e:00:02:01", "10.255.0.13"});
  auto delta = JsonDiff(DumpHostState(a), DumpHostState(b));
  ASSERT_TRUE(delta.ok());
  EXPECT_EQ(*delta,
            R"({"o":{"remote_ports":{"a":{"ins":[[20,{"mac":"fa:16:3e:00:02:01","network_id":"net1","vtep":"10.255.0.13"}]]}}}})");

  RouterInstance r;
  r.id = "r1";
  for (int i = 0; i < 30; ++i) r.neighbors.push_back({"10.0.0." + std::to_string(i), "fa:16:3e:00:00:01"});
  a.routers = {r};
  b = a;
  b.routers[0].neighbors.erase(b.routers[0].neighbors.begin() + 3);
  delta = JsonDiff(DumpHostState(a), DumpHostState(b));
  ASSERT_TRUE(delta.ok());
  EXPECT_EQ(*delta, R"({"o":{"routers":{"a":{"mod":[[0,{"o":{"neighbors":{"a":{"del":[3]}}}}]]}}}})");
  auto merged = JsonMerge(DumpHostState(a), *delta);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(*merged, DumpHostState(b));
}

// Arrays edited in place (groups changed by their own delta, runs of
// entries replaced): the text, layout and delta are what writing and diffing
// the changed state give (how a cloud patches a host's state).
TEST(JsonDeltaTest, EditedArraysGiveTheTextLayoutAndADeltaThatMerges) {
  int edited = 0;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    RandomStates r(seed);
    HostState a = r.State();
    for (int step = 0; step < 20; ++step) {
      a = r.Mutate(a);
      HostState b = a;  // only the arrays edited below change (the members after them move)
      std::deque<std::string> texts;  // what the edits view
      auto text = [&](const auto& x) -> std::string_view { return texts.emplace_back(nlohmann::json(x).dump()); };
      ArrayEdit groups{"\"security_groups\"", {}};
      for (size_t i = 0; i < b.security_groups.size(); ++i) {
        if (r.Int(2)) continue;
        SecurityGroupRules& g = b.security_groups[i];
        if (!g.rules.empty()) g.rules[0].remote_ips.push_back("10.9.9." + std::to_string(r.Int(9)) + "/32");
        else g.rules.push_back({"rule-new", "ingress"});
        std::string before = nlohmann::json(a.security_groups[i]).dump();
        std::string_view after = text(g);
        groups.edits.push_back({i, i + 1, {after}, texts.emplace_back(*JsonDiff(before, after))});
      }
      // A run of remote ports replaced by others (some the same).
      ArrayEdit remote{"\"remote_ports\"", {}};
      for (size_t at = 0; at < b.remote_ports.size() + 1 && r.Int(3);) {
        size_t begin = at + r.Int(3), end = begin + r.Int(4);
        if (end > b.remote_ports.size()) break;
        std::vector<RemotePort> now(b.remote_ports.begin() + begin, b.remote_ports.begin() + end);
        if (r.Int(2) && !now.empty()) now.erase(now.begin() + r.Int(static_cast<int>(now.size())));
        for (int k = r.Int(3); k > 0; --k)
          now.insert(now.begin() + r.Int(static_cast<int>(now.size()) + 1), RemotePort{r.Net(), r.Mac(), r.Ip()});
        ElementsEdit e{begin, end, {}, {}};
        for (const auto& x : now) e.elements.push_back(text(x));
        remote.edits.push_back(e);
        at = end;
      }
      // Rebuild b's remote ports from the edits (in reverse: offsets hold).
      for (auto e = remote.edits.rbegin(); e != remote.edits.rend(); ++e) {
        std::vector<RemotePort> now;
        for (auto t : e->elements) now.push_back(nlohmann::json::parse(t).get<RemotePort>());
        b.remote_ports.erase(b.remote_ports.begin() + e->begin, b.remote_ports.begin() + e->end);
        b.remote_ports.insert(b.remote_ports.begin() + e->begin, now.begin(), now.end());
      }
      JsonLayout la, lb;
      std::string ta = DumpHostState(a, &la), tb = DumpHostState(b, &lb);
      std::vector<ArrayEdit> edits;
      if (!groups.edits.empty()) edits.push_back(groups);
      if (!remote.edits.empty()) edits.push_back(remote);
      if (r.Int(2)) std::reverse(edits.begin(), edits.end());  // any order
      auto got = EditArrays(ta, la, edits);
      ASSERT_TRUE(got.ok()) << got.status().message();
      ASSERT_EQ(got->text, tb) << "seed " << seed << " step " << step;
      ASSERT_EQ(got->layout, lb) << "seed " << seed << " step " << step;
      auto merged = JsonMerge(ta, got->delta);
      ASSERT_TRUE(merged.ok()) << merged.status().message() << "\ndelta " << got->delta;
      ASSERT_EQ(*merged, tb) << "delta " << got->delta;
      JsonLayout merged_layout;
      ASSERT_EQ(*JsonMerge(ta, la, got->delta, &merged_layout), tb);
      ASSERT_EQ(merged_layout, lb);
      ASSERT_LE(got->unchanged, std::min(ta.size(), tb.size()));
      ASSERT_EQ(ta.substr(0, got->unchanged), tb.substr(0, got->unchanged));
      if (!edits.empty() && ta != tb) ASSERT_LT(got->unchanged, ta.size());
      // The member digests with the edited members named (the others not compared) are the scan's.
      ASSERT_EQ(got->edited.size(), edits.size());
      MemberDigests da = DigestMembers(ta, la);
      ASSERT_EQ(DigestMembers(tb, got->layout, {ta, &la, &da, &got->edited}).of, DigestMembers(tb, JsonLayout{}).of);
      edited += !edits.empty();
    }
  }
  EXPECT_GT(edited, 400);
  JsonLayout l;
  std::string t = DumpHostState(C1H1Base(0), &l);
  auto edit = [&](const char* key, size_t begin, size_t end) {
    return EditArrays(t, l, {ArrayEdit{key, {ElementsEdit{begin, end, {}, {}}}}});
  };
  EXPECT_FALSE(EditArrays(t, JsonLayout{}, {}).ok());      // no layout
  EXPECT_FALSE(edit("\"host\"", 0, 0).ok());              // not an array
  EXPECT_FALSE(edit("\"nothing\"", 0, 0).ok());           // no such member
  EXPECT_FALSE(edit("\"security_groups\"", 0, 1).ok());   // no element 0
  EXPECT_TRUE(edit("\"security_groups\"", 0, 0).ok());    // nothing done
  EXPECT_EQ(edit("\"security_groups\"", 0, 0)->text, t);
}

TEST(JsonDeltaTest, ADeltaThatDoesNotFitIsRefused) {
  std::string a = R"({"k":[1,2,3],"s":"x"})";
  EXPECT_EQ(*JsonMerge(a, R"({"o":{"k":{"a":{"del":[1]}}}})"), R"({"k":[1,3],"s":"x"})");
  EXPECT_EQ(*JsonMerge(a, R"({"o":{"s":{"-":1},"t":{"=":true}}})"), R"({"k":[1,2,3],"t":true})");
  for (const char* bad : {R"({"o":{"k":{"a":{"del":[3]}}}})", R"({"o":{"k":{"a":{"ins":[[5,4]]}}}})",
                          R"({"o":{"k":{"a":{"mod":[[0,{"o":{}}]]}}}})", R"({"o":{"z":{"a":{}}}})",
                          R"({"x":1})", R"({"=":1,"o":{}})", R"({"o":{"k":{"a":{"ins":[[1,4],[0,5]]}}}})",
                          R"({"o":{"k")", "[]", ""}) {
    auto merged = JsonMerge(a, bad);
    EXPECT_FALSE(merged.ok()) << bad << " gave " << *merged;
    JsonLayout l;
    auto by_layout = JsonMerge(a, LayoutOf(a), bad, &l);
    EXPECT_FALSE(by_layout.ok()) << bad << " gave " << *by_layout;
  }
  EXPECT_FALSE(JsonDiff("{\"a\":[1,", "{}").ok());
}

TEST(JsonDeltaTest, ALayoutThatDoesNotFitItsTextIsNotUsed) {
  std::string a = R"({"k":[1,2,3]})", b = R"({"k":[1,3]})";
  JsonLayout stale = LayoutOf(R"({"k":[1,2,3,4,5,6,7,8]})");
  auto delta = JsonDiff(a, stale, b, LayoutOf(b));
  ASSERT_TRUE(delta.ok());
  EXPECT_EQ(*JsonMerge(a, *delta), b);
}

TEST(JsonDeltaTest, StringsWithEscapedQuotesAndBackslashesAreWholeValues) {
  std::string pad = R"(,"p":")" + std::string(100, 'x') + "\"";
  std::string a = R"({"k":["a\"],b","c\\"])" + pad + R"(,"z":"]\""})";
  std::string b = R"({"k":["a\"],b","d\\\"","c\\"])" + pad + R"(,"z":"]"})";
  auto delta = JsonDiff(a, b);
  ASSERT_TRUE(delta.ok()) << delta.status().message();
  EXPECT_EQ(*delta, R"({"o":{"k":{"a":{"ins":[[1,"d\\\""]]}},"z":{"=":"]"}}})");
  EXPECT_EQ(*JsonMerge(a, *delta), b);
}

}  // namespace
}  // namespace isthmus::state

namespace isthmus::state {
namespace {

// A state's member digests computed reusing the previous text's (what a cloud
// and an agent do at each change) are those of a computation from scratch;
// the memo gives what hashing gives; a changed member changes the digest.
TEST(StateDigestTest, ReusedMemberDigestsEqualTheirComputationFromScratch) {
  DigestMemo memo({"\"security_groups\"", "\"a\""});
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    RandomStates r(seed);
    HostState a = r.State();
    JsonLayout la;
    std::string ta = DumpHostState(a, &la);
    MemberDigests da = DigestMembers(ta, la);
    for (int step = 0; step < 40; ++step) {
      HostState b = r.Mutate(a);
      JsonLayout lb;
      std::string tb = DumpHostState(b, &lb);
      MemberDigests scratch = DigestMembers(tb, JsonLayout{});  // scans for its layout
      MemberDigests reused = DigestMembers(tb, lb, {ta, &la, &da}, step % 2 ? &memo : nullptr);
      ASSERT_EQ(reused.of, scratch.of) << "seed " << seed << " step " << step;
      ASSERT_TRUE(IsMemberDigest(reused.Digest()));
      ASSERT_EQ(reused.Digest() == da.Digest(), ta == tb) << "seed " << seed << " step " << step;
      a = std::move(b), ta = std::move(tb), la = std::move(lb), da = std::move(reused);
    }
  }
  std::string big = "{\"a\":\"" + std::string(2 * DigestMemo::kMinBytes, 'x') + "\"}";
  MemberDigests once = DigestMembers(big, LayoutOf(big), {}, &memo);
  EXPECT_EQ(DigestMembers(big, LayoutOf(big), {}, &memo).of, once.of);
  std::string other = big;
  other[big.size() / 2] = 'y';  // same size and samples elsewhere: the memo compares the text
  EXPECT_NE(DigestMembers(other, LayoutOf(other), {}, &memo).of, once.of);
  EXPECT_EQ(DigestMembers(other, LayoutOf(other), {}, &memo).of, DigestMembers(other, LayoutOf(other)).of);
}

}  // namespace
}  // namespace isthmus::state
