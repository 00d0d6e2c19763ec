// Identity: random tokens that outlive a restart of central (their hashes in
// central's DB, SQLite or PostgreSQL), revocation, hashed passwords and the
// identity file's own checks.
#include "central/identity.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <chrono>
#include <set>
#include <thread>
#include <sstream>

#include "central/hash_password_main.h"
#include "central/test_db.h"
#include "central/test_identity.h"
#include "common/crypto.h"
#include "common/password_hash.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

json Users(const std::string& admin_hash = TestHash("a")) {
  return {{"projects", {{{"name", "admin"}}, {{"name", "demo"}}}},
          {"users",
           {{{"name", "admin"}, {"password_hash", admin_hash}, {"project", "admin"}, {"roles", {"admin"}}},
            {{"name", "alice"}, {"password_hash", TestHash("b")}, {"project", "demo"}, {"roles", {"member"}}},
            {{"name", "bob"}, {"password_hash", TestHash("c")}, {"project", "demo"}, {"roles", {"member"}}}}}};
}

json Auth(const std::string& user, const std::string& password) {
  return {{"auth", {{"identity", {{"methods", {"password"}}, {"password", {{"user", {{"name", user}, {"password", password}}}}}}}}}};
}

class IdentityTest : public ::testing::Test {
 protected:
  // A central (re)started on the test's DB: a fresh Identity taking up its
  // tokens, from the same identity file unless given another.
  std::unique_ptr<Identity> Start(const json& users = nullptr) {
    auto id = Identity::FromJson(users.is_null() ? users_ : users);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (!id.ok()) return nullptr;
    auto store = TokenStore::Open(db_.location());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return nullptr;
    auto out = std::make_unique<Identity>(std::move(*id));
    Status st = out->UseTokenStore(std::move(*store));
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  std::string Issue(Identity& id, const std::string& user, const std::string& password) {
    auto issued = id.IssueToken(Auth(user, password), "http://127.0.0.1");
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return issued.ok() ? issued->token : "";
  }
  TestDb db_{"identity"};
  json users_ = Users();
};

TEST_F(IdentityTest, TokensAre256RandomBitsAndEveryIssueDiffers) {
  auto id = Start();
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    std::string t = Issue(*id, "admin", "a");
    EXPECT_EQ(t.size(), 43u) << t;
    EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos) << t;
    auto raw = crypto::FromBase64(t);
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(raw->size(), kTokenBytes);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST_F(IdentityTest, WrongPasswordsAndUnknownUsersGetNoToken) {
  auto id = Start();
  EXPECT_EQ(id->IssueToken(Auth("admin", "b"), "").status().code(), Code::kUnauthorized);
  EXPECT_EQ(id->IssueToken(Auth("admin", ""), "").status().code(), Code::kUnauthorized);
  EXPECT_EQ(id->IssueToken(Auth("nobody", "a"), "").status().code(), Code::kUnauthorized);
  EXPECT_EQ(id->Validate("").status().code(), Code::kUnauthorized);
  EXPECT_EQ(id->Validate("bogus").status().code(), Code::kUnauthorized);
}

TEST_F(IdentityTest, OnlyTheTokensHashIsStored) {
  auto id = Start();
  std::string t = Issue(*id, "alice", "b");
  auto store = TokenStore::Open(db_.location());
  ASSERT_TRUE(store.ok());
  auto live = (*store)->Live(std::time(nullptr));
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].hash, crypto::Sha256Hex(t));
  EXPECT_EQ((*live)[0].user_id, "alice");
  EXPECT_EQ((*live)[0].project_id, "demo");
}

TEST_F(IdentityTest, ATokenIssuedBeforeARestartValidatesAfterIt) {
  auto first = Start();
  std::string admin = Issue(*first, "admin", "a"), alice = Issue(*first, "alice", "b");
  first.reset();
  auto second = Start();
  auto c = second->Validate(admin);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->user_name, "admin");
  EXPECT_TRUE(c->admin);
  c = second->Validate(alice);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->project_name, "demo");
  EXPECT_FALSE(c->admin);
}

TEST_F(IdentityTest, RevokedTokensStayRevokedAcrossRestarts) {
  auto first = Start();
  std::string t1 = Issue(*first, "alice", "b"), t2 = Issue(*first, "alice", "b");
  auto alice = *first->Validate(t1);
  ASSERT_TRUE(first->Revoke(t1, alice).ok());  // a user may revoke its own token
  EXPECT_EQ(first->Validate(t1).status().code(), Code::kUnauthorized);
  EXPECT_TRUE(first->Validate(t2).ok());
  EXPECT_EQ(first->Revoke(t1, alice).code(), Code::kNotFound);  // already gone
  first.reset();

  auto second = Start();  // revoked before the restart
  EXPECT_EQ(second->Validate(t1).status().code(), Code::kUnauthorized);
  ASSERT_TRUE(second->Validate(t2).ok());
  auto admin = *second->Validate(Issue(*second, "admin", "a"));
  ASSERT_TRUE(second->Revoke(t2, admin).ok());  // an admin may revoke anyone's
  EXPECT_EQ(second->Validate(t2).status().code(), Code::kUnauthorized);
  second.reset();

  auto third = Start();  // revoked after a restart
  EXPECT_EQ(third->Validate(t1).status().code(), Code::kUnauthorized);
  EXPECT_EQ(third->Validate(t2).status().code(), Code::kUnauthorized);
}

// Replicas of central on one PostgreSQL (docs/architecture.md, "Replicas"): a
// token issued by one replica is valid at another at once, and one revoked
// through a replica is refused by the others within kSharedTokenRecheck.
TEST_F(IdentityTest, ReplicasOnPostgresShareTokensAndRevocations) {
  if (!db_.postgres()) GTEST_SKIP() << "on SQLite one central owns the file";
  auto a = Start(), b = Start();
  std::string t = Issue(*a, "alice", "b");
  auto alice = b->Validate(t);
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_EQ(alice->user_name, "alice");
  ASSERT_TRUE(a->Revoke(t, *alice).ok());
  EXPECT_EQ(a->Validate(t).status().code(), Code::kUnauthorized);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (b->Validate(t).ok() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(b->Validate(t).status().code(), Code::kUnauthorized);
  EXPECT_EQ(b->Validate("not-a-token").status().code(), Code::kUnauthorized);
}

TEST_F(IdentityTest, AMemberMayNotRevokeAnotherUsersToken) {
  auto id = Start();
  std::string alices = Issue(*id, "alice", "b");
  auto bob = *id->Validate(Issue(*id, "bob", "c"));
  EXPECT_EQ(id->Revoke(alices, bob).code(), Code::kForbidden);
  EXPECT_TRUE(id->Validate(alices).ok());
  EXPECT_EQ(id->Revoke("bogus", bob).code(), Code::kNotFound);
}

TEST_F(IdentityTest, ExpiredTokensAreRefused) {
  auto store = TokenStore::Open(db_.location());
  ASSERT_TRUE(store.ok());
  std::string hash = TestHash("a");
  auto now = static_cast<int64_t>(std::time(nullptr));
  auto row = [&](const std::string& token, int64_t expires) {
    return StoredToken{crypto::Sha256Hex(token), "admin", "admin", crypto::Sha256Hex(hash), now - 13 * 3600, expires};
  };
  ASSERT_TRUE((*store)->Add(row("expired", now - 3600)).ok());
  ASSERT_TRUE((*store)->Add(row("live", now + 3600)).ok());
  auto id = Start(Users(hash));
  EXPECT_EQ(id->Validate("expired").status().code(), Code::kUnauthorized);
  EXPECT_TRUE(id->Validate("live").ok());
}

TEST_F(IdentityTest, ANewPasswordEndsTheUsersTokens) {
  auto first = Start();
  std::string t = Issue(*first, "admin", "a");
  first.reset();
  auto second = Start(Users(TestHash("new")));
  EXPECT_EQ(second->Validate(t).status().code(), Code::kUnauthorized);
  EXPECT_FALSE(second->IssueToken(Auth("admin", "a"), "").ok());
  EXPECT_FALSE(Issue(*second, "admin", "new").empty());
}

TEST(IdentityFile, PlaintextPasswordsAreRefusedNamingTheUserAndTheCommand) {
  json users = Users();
  users["users"][1] = {{"name", "alice"}, {"password", "b"}, {"project", "demo"}, {"roles", {"member"}}};
  auto id = Identity::FromJson(users);
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("alice"), std::string::npos) << id.status().message();
  EXPECT_NE(id.status().message().find("isthmus hash-password"), std::string::npos) << id.status().message();
  users["users"][1] = {{"name", "alice"}, {"password_hash", "b"}, {"project", "demo"}, {"roles", {"member"}}};
  id = Identity::FromJson(users);
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("alice"), std::string::npos) << id.status().message();
}

TEST(IdentityFile, AFileOthersMayReadIsRefused) {
  std::string path = "/tmp/isthmus_identity_test_" + std::to_string(getpid()) + ".json";
  std::ofstream(path) << Users().dump();
  chmod(path.c_str(), 0644);
  auto id = Identity::Load(path);
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("chmod 600 " + path), std::string::npos) << id.status().message();
  chmod(path.c_str(), 0600);
  id = Identity::Load(path);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  unlink(path.c_str());
}

TEST(HashPasswordCommand, PrintsAHashOfTheFirstLine) {
  std::istringstream in("s3cret\n");
  std::ostringstream out, err;
  ASSERT_EQ(RunHashPassword({}, in, out, err), 0) << err.str();
  std::string hash = out.str();
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(hash.back(), '\n');
  hash.pop_back();
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$" + std::to_string(kPasswordIterations) + "$", 0), 0u) << hash;
  EXPECT_TRUE(VerifyPassword(hash, "s3cret"));
  EXPECT_FALSE(VerifyPassword(hash, "s3cret\n"));

  std::istringstream empty("");
  std::ostringstream out2, err2;
  EXPECT_EQ(RunHashPassword({}, empty, out2, err2), 2);
  EXPECT_TRUE(out2.str().empty());
}

}  // namespace
}  // namespace isthmus::central
