// A backend-neutral SQL seam: one connection, statements with `?` placeholders,
// transactions. Two backends: SQLite (src/common/sqlite.h; a file path) and
// PostgreSQL (src/common/postgres.h; a libpq URL postgresql://... or postgres://...).
// Code written against it must stay in the SQL both dialects share, or branch
// on dialect(). Not thread-safe: each store serialises its own access.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace isthmus::sql {

enum class Dialect { kSqlite, kPostgres };

// "(?, ?, ?), (?, ?, ?)": the VALUES placeholders of n rows of k columns (a
// multi-row INSERT; Connection::Prepare numbers them for PostgreSQL).
std::string Rows(size_t n, int k);

class Statement {
 public:
  virtual ~Statement() = default;
  // 1-based, as in SQLite; set every placeholder before the first Step().
  virtual Statement& Bind(int index, const std::string& v) = 0;
  virtual Statement& Bind(int index, int64_t v) = 0;
  virtual Statement& BindNull(int index) = 0;
  // Runs the statement on the first call; true while a row is available.
  // Errors surface through status(): Conflict for a constraint violation,
  // Internal otherwise, naming the backend's message.
  virtual bool Step() = 0;
  virtual std::string Text(int col) const = 0;  // 0-based columns
  virtual int64_t Int(int col) const = 0;
  virtual bool IsNull(int col) const = 0;
  virtual const Status& status() const = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs one or more statements with no parameters and no result rows.
  virtual Status Exec(const std::string& sql) = 0;
  virtual std::unique_ptr<Statement> Prepare(const std::string& sql) = 0;
  // Runs fn in one transaction: committed if fn returns Ok, rolled back if it
  // returns an error. PostgreSQL also rolls back (and returns the statement's
  // error) when a statement inside failed though fn returned Ok; callers should
  // not rely on that and return statement errors, as central_db.cc does.
  virtual Status Transaction(const std::function<Status()>& fn) = 0;
  // The same, but its commit does not wait for the disk: a crash before the
  // next flushed commit may lose it (never a part of it; later commits flush
  // it too). Only for what is a hint, never for what a client was told.
  virtual Status UnflushedTransaction(const std::function<Status()>& fn) = 0;
};

// True for a libpq URL (postgresql://... or postgres://...).
bool IsPostgresUrl(const std::string& location);

// Opens a libpq URL with PostgreSQL, anything else as a SQLite file path.
Result<std::unique_ptr<Connection>> Connect(const std::string& location);

}  // namespace isthmus::sql
