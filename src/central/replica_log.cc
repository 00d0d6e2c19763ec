// The replicas' part of central's DB (docs/architecture.md, "Replicas"): on
// PostgreSQL every commit locks the federation revision (meta), is refused as
// Stale when another replica moved it since this one's cache caught up, and
// logs the keys it wrote (changes) under the next revisions; a replica catches
// up by reading the rows of those keys. CentralDb's other half: central_db.cc.
#include <algorithm>
#include <set>

#include "central/central_db.h"

namespace isthmus::central {

using nlohmann::json;
using sql::Statement;

namespace {
using sql::Rows;
constexpr size_t kRowsPerStatement = 200;
constexpr const char* kStaleMessage =
    "another replica of central committed since this one last read the database; retry the request";
// Log rows kept: a replica further behind loads everything again.
constexpr int64_t kChangesKept = 100000;
}  // namespace

const char* const kChangesChannel = "isthmus_changes";

const std::string& ReplicaSchema() {
  static const std::string kSchema =
      "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);\n"
      "INSERT INTO meta (key, value) VALUES ('revision', 0) ON CONFLICT (key) DO NOTHING;\n"
      "CREATE TABLE IF NOT EXISTS changes (revision BIGINT PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL);\n"
      // A backstop: the fenced commit already keeps MACs unique.
      "CREATE UNIQUE INDEX IF NOT EXISTS resources_port_mac ON resources (((body::jsonb) ->> 'mac_address')) "
      "WHERE kind = 'port';\n";
  return kSchema;
}

Status Stale() { return Unavailable(kStaleMessage); }
bool IsStale(const Status& st) { return st.code() == Code::kUnavailable && st.message() == kStaleMessage; }

Result<int64_t> CentralDb::Fence(sql::Connection& db) {
  ISTHMUS_ASSIGN_OR_RETURN(revision, LockRevision(db));
  if (revision != revision_) return Stale();
  return revision;
}

Result<int64_t> CentralDb::LockRevision(sql::Connection& db) {
  auto q = db.Prepare("SELECT value FROM meta WHERE key = 'revision' FOR UPDATE");
  if (!q->Step()) {
    ISTHMUS_RETURN_IF_ERROR(q->status());
    return Internal("the meta table has no revision row");
  }
  const int64_t revision = q->Int(0);
  while (q->Step()) {
  }
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return revision;
}

Result<int64_t> CentralDb::LogChanges(sql::Connection& db, const std::vector<Mutation>& batch, int64_t base) {
  std::vector<std::pair<std::string, std::string>> keys;
  std::set<std::pair<std::string, std::string>> seen;
  auto key = [&](const std::string& kind, const std::string& id) {
    if (seen.insert({kind, id}).second) keys.push_back({kind, id});
  };
  for (const auto& m : batch) {
    for (const auto& [name, cloud] : m.cloud_upserts) key("cloud", name);
    for (const auto& name : m.cloud_deletes) key("cloud", name);
    for (const auto& host : m.host_upserts) key("host", host.name);
    for (const auto& [kind, id, body] : m.upserts) key(kind, id);
    for (const auto& [kind, id] : m.deletes) key(kind, id);
    for (const auto& [project, limits] : m.quota_sets) key("quota", project);
  }
  auto run = [](Statement& st) {
    st.Step();
    return st.status();
  };
  for (size_t i = 0; i < keys.size(); i += kRowsPerStatement) {
    size_t n = std::min(kRowsPerStatement, keys.size() - i);
    auto q = db.Prepare("INSERT INTO changes (revision, kind, id) VALUES " + Rows(n, 3));
    for (size_t j = 0; j < n; ++j) {
      int b = static_cast<int>(3 * j);
      q->Bind(b + 1, base + static_cast<int64_t>(i + j) + 1).Bind(b + 2, keys[i + j].first);
      q->Bind(b + 3, keys[i + j].second);
    }
    ISTHMUS_RETURN_IF_ERROR(run(*q));
  }
  const int64_t revision = base + static_cast<int64_t>(keys.size());
  if (revision != base) {
    auto u = db.Prepare("UPDATE meta SET value = ? WHERE key = 'revision'");
    u->Bind(1, revision);
    ISTHMUS_RETURN_IF_ERROR(run(*u));
    if (revision / 1000 != base / 1000 && revision > kChangesKept) {
      auto d = db.Prepare("DELETE FROM changes WHERE revision <= ?");
      d->Bind(1, revision - kChangesKept);
      ISTHMUS_RETURN_IF_ERROR(run(*d));
    }
  }
  // Delivered at commit: wakes the other replicas (their caches, their pushers).
  auto n = db.Prepare(std::string("SELECT pg_notify('") + kChangesChannel + "', ?)");
  n->Bind(1, std::to_string(revision));
  ISTHMUS_RETURN_IF_ERROR(run(*n));
  return revision;
}

Result<int64_t> CentralDb::AckedSeq(const std::string& cloud) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto q = db_->Prepare("SELECT acked_seq FROM clouds WHERE name = ?");
  q->Bind(1, cloud);
  int64_t seq = q->Step() ? q->Int(0) : 0;
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return seq;
}

Result<int64_t> CentralDb::LatestRevision() {
  std::lock_guard<std::mutex> lock(probe_mu_);
  if (!probe_) return revision_.load();
  auto q = probe_->Prepare("SELECT value FROM meta WHERE key = 'revision'");
  int64_t revision = q->Step() ? q->Int(0) : 0;
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return revision;
}

Result<ReplicaChanges> CentralDb::ChangesSince(int64_t from) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  ReplicaChanges out;
  out.revision = from;
  if (!replicated_) return out;
  Status st = db_->Transaction([&]() -> Status {
    ISTHMUS_RETURN_IF_ERROR(db_->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
    return ReadChanges(*db_, out, from);
  });
  if (!st.ok()) return st;
  return out;
}

Status CentralDb::ReadChanges(sql::Connection& db, ReplicaChanges& out, int64_t from) {
  auto r = db.Prepare("SELECT value, (SELECT COALESCE(MIN(revision), 0) FROM changes) FROM meta WHERE key = 'revision'");
  if (!r->Step()) return r->status().ok() ? Internal("the meta table has no revision row") : r->status();
  out.revision = r->Int(0);
  const int64_t oldest = r->Int(1);
  ISTHMUS_RETURN_IF_ERROR(r->status());
  if (out.revision <= from) return Status::Ok();
  if (oldest == 0 || oldest > from + 1) {  // pruned past `from`
    out.reload = true;
    return Status::Ok();
  }
  try {
    auto q = db.Prepare(
        "SELECT DISTINCT c.kind, c.id, r.body FROM changes c LEFT JOIN resources r ON r.kind = c.kind AND "
        "r.id = c.id WHERE c.revision > ? AND c.kind NOT IN ('cloud', 'host', 'quota')");
    q->Bind(1, from);
    while (q->Step())
      out.resources[{q->Text(0), q->Text(1)}] =
          q->IsNull(2) ? std::nullopt : std::optional<json>(json::parse(q->Text(2)));
    ISTHMUS_RETURN_IF_ERROR(q->status());
    auto c = db.Prepare(
        "SELECT DISTINCT c.id, cl.body, cl.acked_seq FROM changes c LEFT JOIN clouds cl ON cl.name = c.id "
        "WHERE c.revision > ? AND c.kind = 'cloud'");
    c->Bind(1, from);
    while (c->Step())
      out.clouds[c->Text(0)] = c->IsNull(1) ? std::nullopt
                                            : std::optional<CloudRow>(CloudRow{
                                                  json::parse(c->Text(1)).get<model::Cloud>(), c->Int(2)});
    ISTHMUS_RETURN_IF_ERROR(c->status());
    auto h = db.Prepare(
        "SELECT DISTINCT c.id, h.body FROM changes c JOIN hosts h ON h.name = c.id "
        "WHERE c.revision > ? AND c.kind = 'host'");
    h->Bind(1, from);
    while (h->Step()) out.hosts[h->Text(0)] = json::parse(h->Text(1)).get<model::Host>();
    ISTHMUS_RETURN_IF_ERROR(h->status());
  } catch (const std::exception& e) {
    return Internal(std::string("corrupt row in the database: ") + e.what());
  }
  auto q = db.Prepare(
      "SELECT DISTINCT c.id, q.resource, q.hard_limit FROM changes c LEFT JOIN quotas q ON q.project_id = c.id "
      "WHERE c.revision > ? AND c.kind = 'quota'");
  q->Bind(1, from);
  while (q->Step()) {
    auto& rows = out.quotas[q->Text(0)];
    if (!q->IsNull(1)) rows[q->Text(1)] = q->Int(2);
  }
  return q->status();
}

}  // namespace isthmus::central
