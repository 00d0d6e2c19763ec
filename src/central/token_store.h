// Where central's tokens outlive a restart: one row per token in central's DB
// (SQLite or PostgreSQL), keyed by the SHA-256 of the token, never the token
// itself. Its own connection, so issuing a token never waits on Service's lock.
// Schema: docs/architecture.md, "Central DB". Not thread-safe (Identity locks).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/sql.h"

namespace isthmus::central {

struct StoredToken {
  std::string hash;        // hex SHA-256 of the token
  std::string user_id, project_id;
  std::string credential;  // hex SHA-256 of the user's password_hash when issued
  int64_t issued_at = 0, expires_at = 0;  // seconds since the epoch (UTC)
};

class TokenStore {
 public:
  // location: what CentralDb::Open takes; makes the table if it is missing.
  static Result<std::unique_ptr<TokenStore>> Open(const std::string& location);
  // Stores t, and drops every row expired at t.issued_at.
  Status Add(const StoredToken& t);
  // Deletes the token with this hash; false when there was none.
  Result<bool> Remove(const std::string& hash);
  // Deletes every token of the user, or on the project (either may be ""):
  // deleting a user or a project revokes its tokens.
  Status RemoveOf(const std::string& user_id, const std::string& project_id);
  // Every token not expired at now.
  Result<std::vector<StoredToken>> Live(int64_t now);
  // The token with this hash if it is stored and not expired at now.
  Result<std::optional<StoredToken>> Find(const std::string& hash, int64_t now);
  // PostgreSQL: replicas of central share the table (docs/architecture.md, "Replicas").
  bool shared() const { return db_->dialect() == sql::Dialect::kPostgres; }

 private:
  explicit TokenStore(std::unique_ptr<sql::Connection> db) : db_(std::move(db)) {}
  std::unique_ptr<sql::Connection> db_;
};

}  // namespace isthmus::central
