#include "central/group_index.h"

#include <gtest/gtest.h>

namespace isthmus::central {
namespace {

model::Port PortIn(const std::string& id, const std::string& network, std::vector<std::string> groups) {
  model::Port p;
  p.id = id;
  p.network_id = network;
  p.security_groups = std::move(groups);
  return p;
}

model::SecurityGroupRule RuleOf(const std::string& id, const std::string& group, const std::string& remote) {
  model::SecurityGroupRule r;
  r.id = id;
  r.security_group_id = group;
  r.remote_group_id = remote;
  return r;
}

TEST(GroupIndexTest, MembersAndTheirNetworksFollowPortWrites) {
  GroupIndex ix;
  auto a = PortIn("a", "n1", {"g", "h"}), b = PortIn("b", "n1", {"g"}), c = PortIn("c", "n2", {"g"});
  ix.Update(nullptr, &a);
  ix.Update(nullptr, &b);
  ix.Update(nullptr, &c);
  EXPECT_EQ(ix.Members("g"), (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ix.MemberNetworks("g"), (GroupIndex::Counts{{"n1", 2}, {"n2", 1}}));
  // b leaves g for h; c is deleted: n2 holds no member of g any more.
  auto b2 = PortIn("b", "n1", {"h"});
  ix.Update(&b, &b2);
  ix.Update(&c, nullptr);
  EXPECT_EQ(ix.Members("g"), (std::set<std::string>{"a"}));
  EXPECT_EQ(ix.MemberNetworks("g"), (GroupIndex::Counts{{"n1", 1}}));
  EXPECT_EQ(ix.MemberNetworks("h"), (GroupIndex::Counts{{"n1", 2}}));
  ix.Update(&a, nullptr);
  ix.Update(&b2, nullptr);
  EXPECT_TRUE(ix.Members("g").empty());
  EXPECT_TRUE(ix.MemberNetworks("h").empty());
}

TEST(GroupIndexTest, RulesNamingARemoteGroupAreCountedBothWays) {
  GroupIndex ix;
  auto r1 = RuleOf("r1", "h", "g"), r2 = RuleOf("r2", "h", "g"), r3 = RuleOf("r3", "k", "g"), plain = RuleOf("r4", "h", "");
  for (const auto* r : {&r1, &r2, &r3, &plain}) ix.Update(nullptr, r);
  EXPECT_EQ(ix.Namers("g"), (GroupIndex::Counts{{"h", 2}, {"k", 1}}));
  EXPECT_EQ(ix.Named("h"), (GroupIndex::Counts{{"g", 2}}));
  EXPECT_TRUE(ix.Named("g").empty()) << "a rule without a remote group names nothing";
  ix.Update(&r1, nullptr);
  EXPECT_EQ(ix.Namers("g"), (GroupIndex::Counts{{"h", 1}, {"k", 1}}));
  auto r3_elsewhere = RuleOf("r3", "k", "x");
  ix.Update(&r3, &r3_elsewhere);
  EXPECT_EQ(ix.Namers("g"), (GroupIndex::Counts{{"h", 1}}));
  EXPECT_EQ(ix.Named("k"), (GroupIndex::Counts{{"x", 1}}));
  std::set<std::string> named;
  ix.EachNamedGroup([&](const std::string& g) { named.insert(g); });
  EXPECT_EQ(named, (std::set<std::string>{"g", "x"}));
}

TEST(GroupIndexTest, RebuildEqualsTheWritesThatMadeTheStore) {
  std::map<std::string, model::Port> ports{{"a", PortIn("a", "n1", {"g"})}, {"b", PortIn("b", "n2", {"g", "h"})}};
  std::map<std::string, model::SecurityGroupRule> rules{{"r", RuleOf("r", "h", "g")}};
  GroupIndex built, rebuilt;
  std::map<std::string, std::optional<model::Port>> port_writes(ports.begin(), ports.end());
  std::map<std::string, std::optional<model::SecurityGroupRule>> rule_writes(rules.begin(), rules.end());
  built.Merge(std::map<std::string, model::Port>{}, port_writes);
  built.Merge(std::map<std::string, model::SecurityGroupRule>{}, rule_writes);
  rebuilt.Update(nullptr, &ports["a"]);  // stale content Rebuild must drop
  rebuilt.Rebuild(ports, rules);
  for (const char* g : {"g", "h"}) {
    EXPECT_EQ(built.Members(g), rebuilt.Members(g)) << g;
    EXPECT_EQ(built.MemberNetworks(g), rebuilt.MemberNetworks(g)) << g;
    EXPECT_EQ(built.Namers(g), rebuilt.Namers(g)) << g;
    EXPECT_EQ(built.Named(g), rebuilt.Named(g)) << g;
  }
  EXPECT_EQ(rebuilt.MemberNetworks("g"), (GroupIndex::Counts{{"n1", 1}, {"n2", 1}}));
}

}  // namespace
}  // namespace isthmus::central
