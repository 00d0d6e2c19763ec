#include "lab/matrix.h"

#include <gtest/gtest.h>

#include <mutex>
#include <sstream>

#include "lab/topology_file.h"

namespace isthmus::lab {
namespace {

using nlohmann::json;

// Answers every ping inside the source namespace except toward `down`;
// records the pings (several threads call it).
class FakePings : public Runner {
 public:
  explicit FakePings(std::string down) : down_(std::move(down)) {}
  Result<CommandOutput> Run(const Command& cmd) override {
    std::lock_guard<std::mutex> lock(mu_);
    pings_.push_back(JoinArgv(cmd.argv));
    if (cmd.argv.back() == down_) return CommandOutput{1, "", ""};
    return CommandOutput{0, "64 bytes from x: icmp_seq=1 ttl=64 time=0.25 ms\n", ""};
  }
  std::vector<std::string> pings_;

 private:
  std::string down_;
  std::mutex mu_;
};

json FactsOf(const Topology& t) {
  json facts = {{"instances", json::object()}};
  for (const auto& i : t.instances) facts["instances"][i.name] = {{"ip", i.nics[i.matrix_nic].ip}};
  return facts;
}

TEST(Matrix, PingsOnlyRoutablePairsInOrder) {
  auto t = LoadTopology("three-clouds");
  ASSERT_TRUE(t.ok());
  FakePings pings("10.1.2.11");  // b1 does not answer
  Matrix m = MeasureMatrix(FactsOf(*t), Routes(*t), pings, 2, 8);
  ASSERT_EQ(m.pairs.size(), 42u);
  EXPECT_EQ(m.Routable(), 34);
  // 28 answer at once, the 6 toward b1 are tried twice.
  EXPECT_EQ(pings.pings_.size(), 28u + 6u * 2u);
  EXPECT_EQ(m.Reachable(), 28);
  EXPECT_FALSE(m.AllReachable());
  EXPECT_EQ(m.pairs[0].from, "a1");  // facts order (by name), row by row
  EXPECT_EQ(m.pairs[0].to, "a2");
  EXPECT_EQ(m.pairs.back().from, "c3");
  EXPECT_EQ(m.pairs.back().to, "c1");
  for (const auto& p : m.pairs)
    if (!p.routable) EXPECT_FALSE(p.ok) << p.from << ">" << p.to;
  json j = m.ToJson();
  EXPECT_EQ(j["routable"], 34);
  EXPECT_EQ(j["pairs"][0]["routable"], true);
  std::ostringstream out;
  m.Print(out);
  EXPECT_NE(out.str().find("28/34 routable ordered pairs reachable, 8 pairs have no route by design"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("no route"), std::string::npos);
}

TEST(Matrix, ColumnsFitTheNames) {
  Matrix m;
  m.instances = {"a-rather-long1", "b"};
  m.pairs = {{"a-rather-long1", "b", true, true, 1.5}, {"b", "a-rather-long1", false, false, 0}};
  std::ostringstream out;
  m.Print(out);
  std::istringstream lines(out.str());
  std::string header, row1, row2;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  // Every column is as wide as the longest name plus two.
  EXPECT_EQ(header, "from \\ to       a-rather-long1  b               ");
  EXPECT_EQ(row1, "a-rather-long1  -               ok 1.5ms        ");
  EXPECT_EQ(row2, "b               no route        -               ");
}

}  // namespace
}  // namespace isthmus::lab
