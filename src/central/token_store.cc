#include "central/token_store.h"

namespace isthmus::central {

Result<std::unique_ptr<TokenStore>> TokenStore::Open(const std::string& location) {
  auto db = sql::Connect(location);
  if (!db.ok()) return db.status();
  std::string integer = (*db)->dialect() == sql::Dialect::kPostgres ? "BIGINT" : "INTEGER";
  ISTHMUS_RETURN_IF_ERROR((*db)->Exec(
      "CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
      "project_id TEXT NOT NULL, credential TEXT NOT NULL, issued_at " + integer + " NOT NULL, "
      "expires_at " + integer + " NOT NULL);\n"
      "CREATE INDEX IF NOT EXISTS tokens_expiry ON tokens (expires_at);\n"));
  return std::unique_ptr<TokenStore>(new TokenStore(std::move(*db)));
}

Status TokenStore::Add(const StoredToken& t) {
  return db_->Transaction([&]() -> Status {
    auto prune = db_->Prepare("DELETE FROM tokens WHERE expires_at <= ?");
    prune->Bind(1, t.issued_at);
    prune->Step();
    ISTHMUS_RETURN_IF_ERROR(prune->status());
    auto q = db_->Prepare(
        "INSERT INTO tokens (hash, user_id, project_id, credential, issued_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    q->Bind(1, t.hash).Bind(2, t.user_id).Bind(3, t.project_id).Bind(4, t.credential);
    q->Bind(5, t.issued_at).Bind(6, t.expires_at);
    q->Step();
    return q->status();
  });
}

Result<bool> TokenStore::Remove(const std::string& hash) {
  auto q = db_->Prepare("DELETE FROM tokens WHERE hash = ? RETURNING hash");
  q->Bind(1, hash);
  bool removed = q->Step();
  while (q->Step()) {
  }
  if (!q->status().ok()) return q->status();
  return removed;
}

Status TokenStore::RemoveOf(const std::string& user_id, const std::string& project_id) {
  auto q = db_->Prepare("DELETE FROM tokens WHERE user_id = ? OR project_id = ?");
  q->Bind(1, user_id.empty() ? std::string("\n") : user_id);  // "\n": no id
  q->Bind(2, project_id.empty() ? std::string("\n") : project_id);
  q->Step();
  return q->status();
}

Result<std::vector<StoredToken>> TokenStore::Live(int64_t now) {
  std::vector<StoredToken> out;
  auto q = db_->Prepare(
      "SELECT hash, user_id, project_id, credential, issued_at, expires_at FROM tokens WHERE expires_at > ?");
  q->Bind(1, now);
  while (q->Step())
    out.push_back({q->Text(0), q->Text(1), q->Text(2), q->Text(3), q->Int(4), q->Int(5)});
  if (!q->status().ok()) return q->status();
  return out;
}

Result<std::optional<StoredToken>> TokenStore::Find(const std::string& hash, int64_t now) {
  auto q = db_->Prepare(
      "SELECT hash, user_id, project_id, credential, issued_at, expires_at FROM tokens WHERE hash = ? AND "
      "expires_at > ?");
  q->Bind(1, hash).Bind(2, now);
  std::optional<StoredToken> out;
  if (q->Step()) out = StoredToken{q->Text(0), q->Text(1), q->Text(2), q->Text(3), q->Int(4), q->Int(5)};
  while (q->Step()) {
  }
  if (!q->status().ok()) return q->status();
  return out;
}

}  // namespace isthmus::central
