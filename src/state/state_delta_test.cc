#include "state/state_delta.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "state/host_state_json.h"
#include "state/host_state_test_util.h"
#include "state/json_delta.h"

namespace isthmus::state {
namespace {

// Three revisions of one host's state, as the cloud keeps them (revision 0 in the text).
struct Revisions {
  std::string r1, r2, r3;
  Revisions() {
    HostState s = C1H1Base(0);
    s.remote_ports = {{"net1", "fa:16:3e:00:00:01", "10.255.0.12"}};
    r1 = DumpHostState(s);
    s.remote_ports.push_back({"net1", "fa:16:3e:00:00:02", "10.255.0.13"});
    r2 = DumpHostState(s);
    s.trusted_dvr_macs = {"fa:16:3f:01:00:02"};
    r3 = DumpHostState(s);
  }
};

TEST(StateDeltaTest, AnAgentMergesAChainOfStepsOntoTheStateItHolds) {
  Revisions r;
  std::string d12 = *JsonDiff(r.r1, r.r2), d23 = *JsonDiff(r.r2, r.r3);
  std::string answer = DeltaAnswer(7, 12, crypto::Sha256Hex(r.r3), {&d12, &d23});
  EXPECT_TRUE(IsDeltaAnswer(answer));
  HeldState held = HoldFullAnswer(WithRevision(r.r1, 7), 7);
  EXPECT_EQ(held.text, r.r1);
  EXPECT_FALSE(IsDeltaAnswer(WithRevision(r.r1, 7)));
  auto moved = ApplyDeltaAnswer(held, answer);
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(moved->revision, 12);
  EXPECT_EQ(moved->text, r.r3);
}

// The digest a cloud sends now (by member) and the whole text's SHA-256 (a
// cloud of before member digests) are both checked.
TEST(StateDeltaTest, AMergeIsCheckedByMemberDigestOrByTheTextsSha256) {
  Revisions r;
  std::string d12 = *JsonDiff(r.r1, r.r2);
  HeldState held = HoldFullAnswer(WithRevision(r.r1, 7), 7);
  std::string digest = DigestMembers(r.r2, LayoutOf(r.r2)).Digest();
  std::string by_members = DeltaAnswer(7, 8, digest, {&d12});
  EXPECT_NE(by_members.find("\"digest\":\"" + digest + "\""), std::string::npos) << by_members;
  auto moved = ApplyDeltaAnswer(held, by_members);
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(moved->text, r.r2);
  EXPECT_EQ(moved->digests.Digest(), digest);
  std::string by_sha = DeltaAnswer(7, 8, crypto::Sha256Hex(r.r2), {&d12});
  EXPECT_NE(by_sha.find("\"sha256\""), std::string::npos) << by_sha;
  ASSERT_TRUE(ApplyDeltaAnswer(held, by_sha).ok());
  // Another state's member digest is refused.
  auto wrong = ApplyDeltaAnswer(held, DeltaAnswer(7, 8, DigestMembers(r.r3, LayoutOf(r.r3)).Digest(), {&d12}));
  EXPECT_EQ(wrong.status().code(), Code::kConflict);
}

TEST(StateDeltaTest, ADeltaFromAnotherRevisionOrWithAnotherDigestIsRefused) {
  Revisions r;
  std::string d12 = *JsonDiff(r.r1, r.r2);
  HeldState held{7, r.r1};
  // From a revision the agent does not hold.
  auto other = ApplyDeltaAnswer(held, DeltaAnswer(6, 8, crypto::Sha256Hex(r.r2), {&d12}));
  EXPECT_EQ(other.status().code(), Code::kConflict);
  // The merge gives a text the cloud did not hash (the agent's base differs).
  HeldState drifted{7, r.r3};
  auto mismatch = ApplyDeltaAnswer(drifted, DeltaAnswer(7, 8, crypto::Sha256Hex(r.r2), {&d12}));
  EXPECT_EQ(mismatch.status().code(), Code::kConflict) << mismatch.status().message();
  // A digest that is not the merged text's.
  auto wrong = ApplyDeltaAnswer(held, DeltaAnswer(7, 8, crypto::Sha256Hex(r.r3), {&d12}));
  EXPECT_EQ(wrong.status().code(), Code::kConflict);
  for (const char* bad : {"{}", R"({"delta":[]})", R"({"delta":{"from":7,"revision":7,"sha256":"x","steps":[]}})",
                          R"({"delta":{"from":7,"revision":8,"steps":[]}})", "{\"delta\":{\"from\":7"})
    EXPECT_EQ(ApplyDeltaAnswer(held, bad).status().code(), Code::kInvalidArgument) << bad;
}

}  // namespace
}  // namespace isthmus::state
