#include "common/postgres.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <vector>

namespace isthmus {

namespace {

constexpr Oid kInt8Oid = 20;  // pg_type.oid of bigint

void DropNotice(void*, const char*) {}  // "relation already exists, skipping" and the like

std::string Trimmed(const char* msg) {
  std::string s;
  for (const char* p = msg ? msg : ""; *p; ++p) {
    bool space = *p == '\n' || *p == '\t';
    if (!space || (!s.empty() && s.back() != ' ')) s += space ? ' ' : *p;
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "unknown error" : s;
}

// The error of a failed result (or of the connection when there is none).
Status ErrorOf(PGconn* conn, const PGresult* res) {
  std::string msg = Trimmed(res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  if (res && msg == "unknown error") msg = Trimmed(PQerrorMessage(conn));
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  msg = "postgres: " + msg;
  if (state && state[0] == '2' && state[1] == '3') return Conflict(msg);
  if (PQstatus(conn) == CONNECTION_BAD) return Unavailable(msg);  // reset before the next statement
  return Internal(msg);
}

bool Succeeded(const PGresult* res) {
  ExecStatusType t = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
}

}  // namespace

class PostgresStatement : public sql::Statement {
 public:
  PostgresStatement(PostgresConnection* c, const std::string& sql) : c_(c) {
    int n = 0;
    sql_ = PostgresConnection::NumberPlaceholders(sql, &n);
    values_.resize(n);
    types_.assign(n, 0);
  }
  ~PostgresStatement() override { PQclear(res_); }

  PostgresStatement& Bind(int index, const std::string& v) override { return Set(index, v, 0); }
  PostgresStatement& Bind(int index, int64_t v) override { return Set(index, std::to_string(v), kInt8Oid); }
  PostgresStatement& BindNull(int index) override { return Set(index, std::nullopt, 0); }

  bool Step() override {
    if (!status_.ok()) return false;
    if (!executed_) {
      executed_ = true;
      c_->EnsureConnected();
      std::vector<const char*> params;
      for (const auto& v : values_) params.push_back(v ? v->c_str() : nullptr);
      res_ = PQexecParams(c_->conn_, sql_.c_str(), static_cast<int>(params.size()), types_.data(),
                          params.data(), nullptr, nullptr, 0);
      if (!Succeeded(res_)) {
        status_ = ErrorOf(c_->conn_, res_);
        c_->Failed(status_);
        return false;
      }
      rows_ = PQntuples(res_);
    }
    return ++row_ < rows_;
  }
  std::string Text(int col) const override {
    if (!Valid(col)) return "";
    return std::string(PQgetvalue(res_, row_, col), PQgetlength(res_, row_, col));
  }
  int64_t Int(int col) const override { return Valid(col) ? std::strtoll(PQgetvalue(res_, row_, col), nullptr, 10) : 0; }
  bool IsNull(int col) const override { return !Valid(col) || PQgetisnull(res_, row_, col); }
  const Status& status() const override { return status_; }

 private:
  PostgresStatement& Set(int index, std::optional<std::string> v, Oid type) {
    if (index < 1 || index > static_cast<int>(values_.size())) {
      if (status_.ok()) status_ = Internal("postgres: parameter " + std::to_string(index) + " out of range in: " + sql_);
      return *this;
    }
    values_[index - 1] = std::move(v);
    types_[index - 1] = type;
    return *this;
  }
  bool Valid(int col) const { return res_ && row_ >= 0 && row_ < rows_ && col >= 0 && col < PQnfields(res_); }

  PostgresConnection* c_;
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  PGresult* res_ = nullptr;
  bool executed_ = false;
  int rows_ = 0, row_ = -1;
  Status status_;
};

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (!conn) return Unavailable("cannot connect to PostgreSQL " + Redacted(url) + ": out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return Unavailable("cannot connect to PostgreSQL " + Redacted(url) + ": " + msg);
  }
  PQsetNoticeProcessor(conn, DropNotice, nullptr);
  return std::unique_ptr<PostgresConnection>(new PostgresConnection(conn));
}

PostgresConnection::~PostgresConnection() { PQfinish(conn_); }

void PostgresConnection::EnsureConnected() {
  // Inside a transaction a lost connection lost the transaction too: let it fail.
  if (!in_transaction_ && PQstatus(conn_) == CONNECTION_BAD) PQreset(conn_);
}

void PostgresConnection::Failed(const Status& st) {
  if (in_transaction_ && transaction_error_.ok()) transaction_error_ = st;
}

Status PostgresConnection::Exec(const std::string& sql) {
  EnsureConnected();
  PGresult* res = PQexec(conn_, sql.c_str());
  Status st = Succeeded(res) ? Status::Ok() : ErrorOf(conn_, res);
  PQclear(res);
  if (!st.ok()) Failed(st);
  return st;
}

std::unique_ptr<sql::Statement> PostgresConnection::Prepare(const std::string& sql) {
  return std::make_unique<PostgresStatement>(this, sql);
}

Status PostgresConnection::UnflushedTransaction(const std::function<Status()>& fn) {
  return Transaction([&] {
    ISTHMUS_RETURN_IF_ERROR(Exec("SET LOCAL synchronous_commit TO OFF"));
    return fn();
  });
}

Status PostgresConnection::Transaction(const std::function<Status()>& fn) {
  if (in_transaction_) return Internal("postgres: a transaction is already open");
  Status begin = Exec("BEGIN");
  // libpq learns that the server went away (restarted) only when it sends:
  // nothing was done yet, so reconnect and begin once more.
  if (!begin.ok() && PQstatus(conn_) == CONNECTION_BAD) begin = Exec("BEGIN");
  ISTHMUS_RETURN_IF_ERROR(begin);
  in_transaction_ = true;
  transaction_error_ = Status::Ok();
  Status st = fn();
  in_transaction_ = false;
  if (st.ok()) st = transaction_error_;
  if (!st.ok()) {
    Exec("ROLLBACK");
    return st;
  }
  PGresult* res = PQexec(conn_, "COMMIT");
  // COMMIT of a transaction the server aborted answers ROLLBACK, not an error.
  Status commit = !Succeeded(res)                            ? ErrorOf(conn_, res)
                  : std::string(PQcmdStatus(res)) != "COMMIT" ? Internal("postgres: the transaction was rolled back")
                                                              : Status::Ok();
  PQclear(res);
  if (!commit.ok() && PQtransactionStatus(conn_) != PQTRANS_IDLE) Exec("ROLLBACK");
  return commit;
}

Status PostgresConnection::Listen(const std::string& channel) {
  for (char ch : channel)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_')
      return InvalidArgument("postgres: channel '" + channel + "' is not a plain identifier");
  ISTHMUS_RETURN_IF_ERROR(Exec("LISTEN " + channel));
  listening_ = channel;
  return Status::Ok();
}

Result<bool> PostgresConnection::WaitForNotification(int timeout_ms) {
  if (PQstatus(conn_) == CONNECTION_BAD) {
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return Unavailable("postgres: " + Trimmed(PQerrorMessage(conn_)));
    if (!listening_.empty()) ISTHMUS_RETURN_IF_ERROR(Exec("LISTEN " + listening_));
    return true;  // notifications may have been missed while it was lost
  }
  auto drain = [&] {
    bool any = false;
    while (PGnotify* n = PQnotifies(conn_)) {
      any = true;
      PQfreemem(n);
    }
    return any;
  };
  if (drain()) return true;
  pollfd pfd{PQsocket(conn_), POLLIN, 0};
  int ready = poll(&pfd, 1, timeout_ms);
  if (ready < 0) return errno == EINTR ? Result<bool>(false) : Unavailable("postgres: poll failed");
  if (ready == 0) return false;
  if (!PQconsumeInput(conn_)) return Unavailable("postgres: " + Trimmed(PQerrorMessage(conn_)));
  return drain();
}

std::string PostgresConnection::NumberPlaceholders(const std::string& sql, int* count) {
  std::string out;
  int n = 0;
  char quote = 0;  // ' or " while inside a literal or quoted identifier
  for (size_t i = 0; i < sql.size(); ++i) {
    char ch = sql[i];
    if (quote) {
      if (ch == quote) quote = 0;  // a doubled quote closes and reopens: same result
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
    } else if (ch == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      if (end == std::string::npos) end = sql.size();
      out.append(sql, i, end - i);
      i = end - 1;
      continue;
    } else if (ch == '?') {
      out += "$" + std::to_string(++n);
      continue;
    }
    out += ch;
  }
  if (count) *count = n;
  return out;
}

std::string PostgresConnection::Redacted(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t at = url.find('@', scheme + 3);
  if (at == std::string::npos) return url;
  size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace isthmus
