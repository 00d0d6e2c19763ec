#include "common/sql.h"

#include "common/postgres.h"
#include "common/sqlite.h"

namespace isthmus::sql {

bool IsPostgresUrl(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<Connection>> Connect(const std::string& location) {
  if (IsPostgresUrl(location)) {
    auto pg = PostgresConnection::Open(location);
    if (!pg.ok()) return pg.status();
    return std::unique_ptr<Connection>(std::move(*pg));
  }
  auto db = Db::Open(location);
  if (!db.ok()) return db.status();
  return std::unique_ptr<Connection>(std::make_unique<SqliteConnection>(std::move(*db)));
}

std::string Rows(size_t n, int k) {
  std::string row = "(";
  for (int i = 0; i < k; ++i) row += i ? ", ?" : "?";
  row += ")";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? ", " : "") + row;
  return out;
}

}  // namespace isthmus::sql
