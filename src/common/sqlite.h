// A thin RAII seam over SQLite, shared by the central and cloud stores.
// Db owns one connection (WAL, synchronous=FULL: an acknowledged commit survives
// kill -9). Not thread-safe: each store serialises its own access.
// SqliteConnection puts Db behind the backend-neutral sql::Connection (sql.h).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/sql.h"
#include "common/status.h"

namespace isthmus {

class Db;

class Stmt : public sql::Statement {
 public:
  Stmt(sqlite3* db, const std::string& sql);
  // A statement of owner's cache (Db::Prepare): given back to it, reset, when destroyed.
  Stmt(Db* owner, sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt), owner_(owner) {}
  ~Stmt() override;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int index, const std::string& v) override;
  Stmt& Bind(int index, int64_t v) override;
  Stmt& BindNull(int index) override;
  // Returns true while a row is available; errors surface through status().
  bool Step() override;
  std::string Text(int col) const override;
  int64_t Int(int col) const override;
  bool IsNull(int col) const override;
  const Status& status() const override { return status_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  Db* owner_ = nullptr;
  Status status_;
};

class Db {
 public:
  static Result<std::unique_ptr<Db>> Open(const std::string& path);
  ~Db();

  // Runs one or more statements with no result rows.
  Status Exec(const std::string& sql);
  // Compiled once per SQL text: a statement is kept (reset) when its Stmt is
  // destroyed and handed out again, so a commit's statements skip SQLite's parser.
  std::unique_ptr<Stmt> Prepare(const std::string& sql);
  // Runs fn inside BEGIN IMMEDIATE/COMMIT; rolls back if fn returns an error.
  Status Transaction(const std::function<Status()>& fn);
  // The same with synchronous=NORMAL for its commit: the WAL is not synced
  // then; the next Transaction's commit syncs it, this one's writes included
  // (a crash before that may lose this transaction, never a part of it).
  Status UnflushedTransaction(const std::function<Status()>& fn);
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

 private:
  friend class Stmt;
  explicit Db(sqlite3* db) : db_(db) {}
  void GiveBack(sqlite3_stmt* stmt);  // a cached statement's Stmt is done with it
  // Idle compiled statements by SQL text (several when the same text was in
  // use twice at once); at most kMaxIdle in all (multi-row INSERTs vary in length).
  static constexpr size_t kMaxIdle = 256;
  std::unordered_multimap<std::string, sqlite3_stmt*> idle_;
  sqlite3* db_;
};

// Db as an sql::Connection. Transaction is BEGIN IMMEDIATE/COMMIT, rolled back
// when fn returns an error.
class SqliteConnection : public sql::Connection {
 public:
  explicit SqliteConnection(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  sql::Dialect dialect() const override { return sql::Dialect::kSqlite; }
  Status Exec(const std::string& sql) override { return db_->Exec(sql); }
  std::unique_ptr<sql::Statement> Prepare(const std::string& sql) override { return db_->Prepare(sql); }
  Status Transaction(const std::function<Status()>& fn) override { return db_->Transaction(fn); }
  Status UnflushedTransaction(const std::function<Status()>& fn) override { return db_->UnflushedTransaction(fn); }

 private:
  std::unique_ptr<Db> db_;
};

}  // namespace isthmus
