// PostgreSQL behind sql::Connection (sql.h), over libpq. `?` placeholders are
// rewritten to $1..$n (outside quotes and comments); parameters go as text with
// PQexecParams (int64 ones typed int8, the rest left to the server to infer),
// results come back as text. Transaction is BEGIN ... COMMIT, or ROLLBACK when
// fn returns an error or a statement inside it failed: that error is returned,
// naming the server's message. A constraint violation (SQLSTATE class 23) is
// Conflict, as SQLite's is; a lost connection is Unavailable, and is reset
// before the next statement (a Transaction whose BEGIN finds it lost reconnects
// and begins again at once). Durability is the server's: with its default
// synchronous_commit=on, a COMMIT that returned is on disk.
#pragma once

#include <memory>
#include <string>

#include "common/sql.h"

struct pg_conn;

namespace isthmus {

class PostgresConnection : public sql::Connection {
 public:
  // url: a libpq connection string, e.g. postgresql://user@host:port/dbname.
  static Result<std::unique_ptr<PostgresConnection>> Open(const std::string& url);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  sql::Dialect dialect() const override { return sql::Dialect::kPostgres; }
  Status Exec(const std::string& sql) override;
  std::unique_ptr<sql::Statement> Prepare(const std::string& sql) override;
  Status Transaction(const std::function<Status()>& fn) override;
  // SET LOCAL synchronous_commit TO OFF: the commit returns before its WAL is flushed.
  Status UnflushedTransaction(const std::function<Status()>& fn) override;

  // LISTEN on a channel (a plain identifier); notifications then wait in
  // WaitForNotification. A lost connection is reset and LISTENs again there.
  Status Listen(const std::string& channel);
  // Waits up to timeout_ms for a notification on a channel this connection
  // listens to; true if one (or more: all are consumed) arrived. Unavailable
  // when the connection is lost (it is reset on the next call).
  Result<bool> WaitForNotification(int timeout_ms);

  // `?` → `$1..$n`; *count gets n.
  static std::string NumberPlaceholders(const std::string& sql, int* count);
  // The URL with any password replaced by ***, for messages.
  static std::string Redacted(const std::string& url);

 private:
  friend class PostgresStatement;
  explicit PostgresConnection(pg_conn* conn) : conn_(conn) {}
  void EnsureConnected();
  // Records a failed statement: inside a transaction it dooms the transaction.
  void Failed(const Status& st);

  pg_conn* conn_;
  std::string listening_;  // the channel of Listen, "" if none
  bool in_transaction_ = false;
  Status transaction_error_;
};

}  // namespace isthmus
