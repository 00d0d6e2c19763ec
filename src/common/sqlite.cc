#include "common/sqlite.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace isthmus {

Stmt::Stmt(sqlite3* db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
    status_ = Internal(std::string("sqlite prepare: ") + sqlite3_errmsg(db) + " in: " + sql);
}

Stmt::~Stmt() {
  if (owner_) owner_->GiveBack(stmt_);
  else sqlite3_finalize(stmt_);
}

std::unique_ptr<Stmt> Db::Prepare(const std::string& sql) {
  if (auto it = idle_.find(sql); it != idle_.end()) {
    sqlite3_stmt* stmt = it->second;
    idle_.erase(it);
    return std::make_unique<Stmt>(this, db_, stmt);
  }
  sqlite3_stmt* stmt = nullptr;
  // A text that does not compile keeps its error in a Stmt of its own (not cached).
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK || !stmt) {
    sqlite3_finalize(stmt);
    return std::make_unique<Stmt>(db_, sql);
  }
  return std::make_unique<Stmt>(this, db_, stmt);
}

void Db::GiveBack(sqlite3_stmt* stmt) {
  // Reset ends its read of the database (as finalizing did); bindings are cleared
  // so a value never leaks into the next use.
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (idle_.size() >= kMaxIdle) {
    sqlite3_finalize(stmt);
    return;
  }
  idle_.emplace(sqlite3_sql(stmt), stmt);
}

Stmt& Stmt::Bind(int index, const std::string& v) {
  if (stmt_) sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::Bind(int index, int64_t v) {
  if (stmt_) sqlite3_bind_int64(stmt_, index, v);
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  if (stmt_) sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Stmt::Step() {
  if (!stmt_ || !status_.ok()) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) {
    int ext = sqlite3_extended_errcode(db_);
    std::string msg = std::string("sqlite: ") + sqlite3_errmsg(db_);
    status_ = (ext & 0xff) == SQLITE_CONSTRAINT ? Conflict(msg) : Internal(msg);
  }
  return false;
}

std::string Stmt::Text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, col))
           : std::string();
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Result<std::unique_ptr<Db>> Db::Open(const std::string& path) {
  // A new database file is made here with mode 0600 (SQLite would make it
  // 0644); SQLite gives its -wal and -shm files the database file's mode.
  if (path != ":memory:" && path.rfind("file:", 0) != 0) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);
    else if (errno != EEXIST) return Unavailable("cannot create database " + path + ": " + std::strerror(errno));
  }
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return Unavailable("cannot open database " + path + ": " + msg);
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_busy_timeout(raw, 5000);
  ISTHMUS_RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : idle_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Db::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Internal("sqlite: " + msg);
  }
  return Status::Ok();
}

Status Db::Transaction(const std::function<Status()>& fn) {
  // Compiled once (Prepare's cache): a group commit runs these for every batch.
  auto run = [this](const std::string& sql) {
    auto st = Prepare(sql);
    st->Step();
    return st->status();
  };
  ISTHMUS_RETURN_IF_ERROR(run("BEGIN IMMEDIATE"));
  Status st = fn();
  if (!st.ok()) {
    run("ROLLBACK");
    return st;
  }
  Status commit = run("COMMIT");
  if (!commit.ok()) run("ROLLBACK");
  return commit;
}

Status Db::UnflushedTransaction(const std::function<Status()>& fn) {
  ISTHMUS_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
  Status st = Transaction(fn);
  Status restored = Exec("PRAGMA synchronous=FULL");
  return st.ok() ? restored : st;
}

}  // namespace isthmus
