// The PostgreSQL backend of sql::Connection. The live tests need a server:
// ISTHMUS_TEST_POSTGRES (a libpq URL; scripts/postgres-test sets it), else skipped.
#include "common/postgres.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

namespace isthmus {
namespace {

TEST(PostgresSql, NumbersPlaceholdersOutsideQuotesAndComments) {
  int n = 0;
  EXPECT_EQ(PostgresConnection::NumberPlaceholders(
                "SELECT '?', \"a?\" FROM t WHERE a = ? AND b = 'it''s?' -- ?\n AND c = ?", &n),
            "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = 'it''s?' -- ?\n AND c = $2");
  EXPECT_EQ(n, 2);
}

TEST(PostgresSql, RedactsThePassword) {
  EXPECT_EQ(PostgresConnection::Redacted("postgresql://u:secret@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(PostgresConnection::Redacted("postgresql://u@h:5432/db"), "postgresql://u@h:5432/db");
}

class PostgresLive : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("ISTHMUS_TEST_POSTGRES");
    if (!url || !*url) GTEST_SKIP() << "ISTHMUS_TEST_POSTGRES not set";
    auto c = sql::Connect(url);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    c_ = std::move(*c);
    ASSERT_EQ(c_->dialect(), sql::Dialect::kPostgres);
    table_ = "isthmus_sql_test_" + std::to_string(getpid());
    ASSERT_TRUE(c_->Exec("CREATE TEMP TABLE " + table_ + " (k TEXT PRIMARY KEY, v BIGINT)").ok());
  }
  int64_t Count() {
    auto q = c_->Prepare("SELECT COUNT(*) FROM " + table_);
    EXPECT_TRUE(q->Step()) << q->status().ToString();
    return q->Int(0);
  }
  std::unique_ptr<sql::Connection> c_;
  std::string table_;
};

TEST_F(PostgresLive, BindsStepsAndReadsRows) {
  auto ins = c_->Prepare("INSERT INTO " + table_ + " (k, v) VALUES (?, ?), (?, ?) RETURNING v");
  ins->Bind(1, std::string("a")).Bind(2, int64_t{1}).Bind(3, std::string("b")).BindNull(4);
  ASSERT_TRUE(ins->Step()) << ins->status().ToString();
  EXPECT_EQ(ins->Int(0), 1);
  ASSERT_TRUE(ins->Step());
  EXPECT_TRUE(ins->IsNull(0));
  EXPECT_FALSE(ins->Step());
  EXPECT_TRUE(ins->status().ok());
  auto q = c_->Prepare("SELECT k FROM " + table_ + " WHERE v > ? ORDER BY k");
  q->Bind(1, int64_t{0});
  ASSERT_TRUE(q->Step());
  EXPECT_EQ(q->Text(0), "a");
  EXPECT_FALSE(q->Step());
}

TEST_F(PostgresLive, ConstraintViolationIsConflictAndDoomsTheTransaction) {
  Status st = c_->Transaction([&]() -> Status {
    auto a = c_->Prepare("INSERT INTO " + table_ + " (k, v) VALUES (?, ?)");
    a->Bind(1, std::string("x")).Bind(2, int64_t{1});
    a->Step();
    auto b = c_->Prepare("INSERT INTO " + table_ + " (k, v) VALUES (?, ?)");
    b->Bind(1, std::string("x")).Bind(2, int64_t{2});
    b->Step();
    EXPECT_EQ(b->status().code(), Code::kConflict);
    return Status::Ok();  // ignores the failure: the transaction still rolls back
  });
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_NE(st.message().find("duplicate key"), std::string::npos) << st.message();
  EXPECT_EQ(Count(), 0);
}

TEST_F(PostgresLive, TransactionRollsBackOnErrorAndCommitsOtherwise) {
  auto insert = [&](const std::string& k) {
    auto q = c_->Prepare("INSERT INTO " + table_ + " (k, v) VALUES (?, 1)");
    q->Bind(1, k);
    q->Step();
    return q->status();
  };
  EXPECT_EQ(c_->Transaction([&]() -> Status {
              EXPECT_TRUE(insert("a").ok());
              return Conflict("changed my mind");
            }).code(),
            Code::kConflict);
  EXPECT_EQ(Count(), 0);
  EXPECT_TRUE(c_->Transaction([&] { return insert("b"); }).ok());
  EXPECT_EQ(Count(), 1);
}

}  // namespace
}  // namespace isthmus
