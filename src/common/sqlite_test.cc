#include "common/sqlite.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace isthmus {
namespace {

TEST(Db, TransactionRollsBackOnError) {
  std::string path = "/tmp/isthmus_sqlite_test_" + std::to_string(getpid()) + ".db";
  unlink(path.c_str());
  auto db = Db::Open(path);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)").ok());
  Status st = (*db)->Transaction([&]() -> Status {
    auto ins = (*db)->Prepare("INSERT INTO t VALUES (?, ?)");
    ins->Bind(1, std::string("a")).Bind(2, int64_t{1});
    ins->Step();
    return Conflict("changed my mind");
  });
  EXPECT_EQ(st.code(), Code::kConflict);
  auto q = (*db)->Prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(q->Step());
  EXPECT_EQ(q->Int(0), 0);
  unlink(path.c_str());
}

TEST(Db, ConstraintViolationIsConflict) {
  auto db = Db::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES ('x')").ok());
  auto ins = (*db)->Prepare("INSERT INTO t VALUES ('x')");
  EXPECT_FALSE(ins->Step());
  EXPECT_EQ(ins->status().code(), Code::kConflict);
}

// Prepare hands out compiled statements again (reset, bindings cleared), and
// the same text in use twice at once gets two statements.
TEST(Db, CachedStatementsStartFresh) {
  auto db = Db::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)").ok());
  for (int i = 0; i < 3; ++i) {
    auto ins = (*db)->Prepare("INSERT INTO t VALUES (?, ?)");
    ins->Bind(1, "k" + std::to_string(i));
    if (i != 1) ins->Bind(2, int64_t{i});  // i == 1: v unbound, so NULL (not the last use's value)
    EXPECT_FALSE(ins->Step());
    ASSERT_TRUE(ins->status().ok()) << ins->status().message();
  }
  auto outer = (*db)->Prepare("SELECT k, v FROM t ORDER BY k");
  ASSERT_TRUE(outer->Step());
  {
    auto inner = (*db)->Prepare("SELECT k, v FROM t ORDER BY k");  // while outer is mid-way
    ASSERT_TRUE(inner->Step());
    EXPECT_EQ(inner->Text(0), "k0");
  }
  ASSERT_TRUE(outer->Step());
  EXPECT_EQ(outer->Text(0), "k1");
  EXPECT_TRUE(outer->IsNull(1));
  ASSERT_TRUE(outer->Step());
  EXPECT_EQ(outer->Int(1), 2);
  EXPECT_FALSE(outer->Step());
  auto bad = (*db)->Prepare("SELEKT 1");
  EXPECT_FALSE(bad->Step());
  EXPECT_EQ(bad->status().code(), Code::kInternal);
}

// The database and its -wal and -shm files hold central's state and token
// hashes: only their owner may read them, whatever the umask.
TEST(Db, FilesAreMadeOwnerOnly) {
  std::string path = "/tmp/isthmus_sqlite_mode_" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
  mode_t old = umask(022);
  {
    auto db = Db::Open(path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('x')").ok());
    for (const char* suffix : {"", "-wal", "-shm"}) {
      struct stat st {};
      ASSERT_EQ(stat((path + suffix).c_str(), &st), 0) << path << suffix;
      EXPECT_EQ(st.st_mode & 0777, 0600u) << path << suffix;
    }
  }
  umask(old);
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
}

}  // namespace
}  // namespace isthmus
