#include "central/central_db.h"
#include "central/standard_attrs.h"
#include "central/resource_kind.h"
#include "central/status_store.h"

#include <algorithm>
#include <ctime>

namespace isthmus::central {

using nlohmann::json;
using sql::Statement;

namespace {
// Job timestamps: ISO 8601 UTC to the second, as Neutron shows created_at.
// Computed here and bound, so both backends store the same text.
std::string Now() { return NowTimestamp(); }

// The tables as first made (Migrate adds the job columns). Only the
// auto-numbered outbox key and integer widths differ between the dialects.
std::string Schema(sql::Dialect d) {
  bool pg = d == sql::Dialect::kPostgres;
  std::string integer = pg ? "BIGINT" : "INTEGER";
  std::string seq = pg ? "seq BIGSERIAL PRIMARY KEY" : "seq INTEGER PRIMARY KEY AUTOINCREMENT";
  return "CREATE TABLE IF NOT EXISTS clouds (name TEXT PRIMARY KEY, body TEXT NOT NULL, idx " + integer +
         " NOT NULL UNIQUE, acked_seq " + integer + " NOT NULL DEFAULT 0);\n"
         "CREATE TABLE IF NOT EXISTS hosts (name TEXT PRIMARY KEY, cloud TEXT NOT NULL, body TEXT NOT NULL);\n"
         "CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, "
         "PRIMARY KEY (kind, id));\n"
         "CREATE TABLE IF NOT EXISTS outbox (" + seq + ", cloud TEXT NOT NULL, kind TEXT NOT NULL, "
         "op TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL);\n"
         "CREATE INDEX IF NOT EXISTS outbox_cloud ON outbox (cloud, seq);\n"
         "CREATE TABLE IF NOT EXISTS quotas (project_id TEXT NOT NULL, resource TEXT NOT NULL, "
         "hard_limit " + integer + " NOT NULL, PRIMARY KEY (project_id, resource));\n" + StatusSchema(d);
}

// PostgreSQL: replicas starting together on a new database make the tables one
// at a time (held to the end of the transaction, or of a multi-statement Exec).
const std::string kSchemaLock = "SELECT pg_advisory_xact_lock(5543, 0);\n";
}  // namespace

Result<std::unique_ptr<CentralDb>> CentralDb::Open(const std::string& location) {
  auto db = sql::Connect(location);
  if (!db.ok()) return db.status();
  const bool pg = (*db)->dialect() == sql::Dialect::kPostgres;
  // Replicas starting together on a new database: one makes the tables at a time.
  ISTHMUS_RETURN_IF_ERROR((*db)->Exec((pg ? kSchemaLock : std::string()) + Schema((*db)->dialect())));
  std::unique_ptr<CentralDb> out(new CentralDb(std::move(*db)));
  out->location_ = location;
  ISTHMUS_RETURN_IF_ERROR(out->Migrate());
  if (pg) {
    out->replicated_ = true;
    ISTHMUS_RETURN_IF_ERROR(out->db_->Exec(kSchemaLock + ReplicaSchema()));
    auto probe = sql::Connect(location);
    if (!probe.ok()) return probe.status();
    out->probe_ = std::move(*probe);
    auto commits = sql::Connect(location);
    if (!commits.ok()) return commits.status();
    out->commit_db_ = std::move(*commits);
    // A CentralDb used without a cache (tools, tests) commits at the revision
    // it opened at; Load sets the cache's.
    auto now = out->LatestRevision();
    if (!now.ok()) return now.status();
    out->revision_ = *now;
  }
  return out;
}



// The columns of a table (to add what an older DB lacks).
namespace {
Result<std::set<std::string>> Columns(sql::Connection& db, const std::string& table) {
  std::set<std::string> have;
  auto cols = db.Prepare(db.dialect() == sql::Dialect::kPostgres
                             ? "SELECT column_name FROM information_schema.columns "
                               "WHERE table_schema = current_schema() AND table_name = '" + table + "'"
                             : "SELECT name FROM pragma_table_info('" + table + "')");
  while (cols->Step()) have.insert(cols->Text(0));
  ISTHMUS_RETURN_IF_ERROR(cols->status());
  return have;
}
}  // namespace

// The job columns of the outbox, added to a DB made before them. Rows
// already there are all pending (acknowledged ones used to be deleted): NEW.
// The per-cloud numbering (outbox.cloud_seq, clouds.last_seq), added to a DB
// made before it, continues the old one: an old row's cloud_seq is its seq, so
// acked_seq and the clouds' applied_seq keep their meaning; the gaps this
// leaves between a cloud's old pending events make the cloud refuse them, and
// central then resyncs it with a snapshot (pusher.cc).
Status CentralDb::Migrate() {
  auto have = Columns(*db_, "outbox");
  if (!have.ok()) return have.status();
  auto have_clouds = Columns(*db_, "clouds");
  if (!have_clouds.ok()) return have_clouds.status();
  const std::vector<std::pair<std::string, std::string>> wanted = {
      {"status", "TEXT NOT NULL DEFAULT 'NEW'"},
      {"attempts", "INTEGER NOT NULL DEFAULT 0"},
      {"last_error", "TEXT NOT NULL DEFAULT ''"},
      {"created_at", "TEXT NOT NULL DEFAULT ''"},  // ADD COLUMN takes constant defaults only
      {"updated_at", "TEXT NOT NULL DEFAULT ''"},
      {"cloud_seq", "BIGINT NOT NULL DEFAULT 0"}};
  return db_->Transaction([&]() -> Status {
    if (db_->dialect() == sql::Dialect::kPostgres) ISTHMUS_RETURN_IF_ERROR(db_->Exec(kSchemaLock));
    for (const auto& [name, type] : wanted)
      if (!have->count(name)) ISTHMUS_RETURN_IF_ERROR(db_->Exec("ALTER TABLE outbox ADD COLUMN " + name + " " + type));
    if (!have->count("cloud_seq"))
      ISTHMUS_RETURN_IF_ERROR(db_->Exec("UPDATE outbox SET cloud_seq = seq"));
    if (!have_clouds->count("last_seq")) {
      ISTHMUS_RETURN_IF_ERROR(db_->Exec("ALTER TABLE clouds ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0"));
      ISTHMUS_RETURN_IF_ERROR(db_->Exec(
          "UPDATE clouds SET last_seq = COALESCE((SELECT MAX(o.cloud_seq) FROM outbox o "
          "WHERE o.cloud = clouds.name AND o.cloud_seq > clouds.acked_seq), clouds.acked_seq)"));
    }
    auto c = db_->Prepare("UPDATE outbox SET created_at = ? WHERE created_at = ''");
    c->Bind(1, Now());
    c->Step();
    ISTHMUS_RETURN_IF_ERROR(c->status());
    ISTHMUS_RETURN_IF_ERROR(db_->Exec("UPDATE outbox SET updated_at = created_at WHERE updated_at = ''"));
    return db_->Exec(R"(
      CREATE INDEX IF NOT EXISTS outbox_status ON outbox (status, cloud);
      CREATE INDEX IF NOT EXISTS outbox_resource ON outbox (id);
      CREATE INDEX IF NOT EXISTS outbox_cloud_seq ON outbox (cloud, cloud_seq);
      CREATE INDEX IF NOT EXISTS outbox_snapshots ON outbox (cloud, cloud_seq) WHERE kind = 'snapshot';
    )");
  });
}

Result<Snapshot> CentralDb::Load() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Snapshot s;
  if (!replicated_) {
    ISTHMUS_RETURN_IF_ERROR(LoadRows(s));
    return s;
  }
  // Every table as of one revision, while other replicas commit.
  ISTHMUS_RETURN_IF_ERROR(db_->Transaction([&]() -> Status {
    ISTHMUS_RETURN_IF_ERROR(db_->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
    auto r = db_->Prepare("SELECT value FROM meta WHERE key = 'revision'");
    s.revision = r->Step() ? r->Int(0) : 0;
    ISTHMUS_RETURN_IF_ERROR(r->status());
    return LoadRows(s);
  }));
  revision_ = s.revision;
  return s;
}

Status CentralDb::LoadRows(Snapshot& s) {
  auto c = db_->Prepare("SELECT name, body, acked_seq FROM clouds");
  while (c->Step()) s.clouds[c->Text(0)] = {json::parse(c->Text(1)).get<model::Cloud>(), c->Int(2)};
  ISTHMUS_RETURN_IF_ERROR(c->status());
  auto h = db_->Prepare("SELECT name, body FROM hosts");
  while (h->Step()) s.hosts[h->Text(0)] = json::parse(h->Text(1)).get<model::Host>();
  ISTHMUS_RETURN_IF_ERROR(h->status());
  auto r = db_->Prepare("SELECT kind, id, body FROM resources");
  while (r->Step()) {
    std::string kind = r->Text(0);
    auto known = KindNamed(kind);
    if (!known || !Traits(*known).neutron) return Internal("unknown resource kind '" + kind + "' in the database");
    s.resources[kind][r->Text(1)] = json::parse(r->Text(2));
  }
  ISTHMUS_RETURN_IF_ERROR(r->status());
  auto q = db_->Prepare("SELECT project_id, resource, hard_limit FROM quotas");
  while (q->Step()) s.quotas[q->Text(0)][q->Text(1)] = q->Int(2);
  return q->status();
}

Status CentralDb::Commit(const Mutation& m) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (replicated_) return Commit(std::vector<Mutation>{m});
  const std::string now = Now();
  return db_->Transaction([&]() -> Status {
    ISTHMUS_RETURN_IF_ERROR(Write(*db_, m, now));
    return commit_hook_ ? commit_hook_() : Status::Ok();
  });
}

namespace {
// n rows of an outbox INSERT: 8 parameters each (the constant columns inline).
std::string EventRows(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += std::string(i ? ", " : "") + "(?, ?, ?, ?, ?, 'NEW', 0, '', ?, ?, ?)";
  return out;
}
using sql::Rows;
constexpr size_t kRowsPerStatement = 200;

// The events of a batch: each cloud's take its next cloud_seqs, in the batch's order.
Status WriteEvents(sql::Connection& db, const std::vector<const OutboxEvent*>& events, const std::string& now) {
  sql::Connection* db_ = &db;
  auto run = [](Statement& st) {
    st.Step();
    return st.status();
  };
  std::map<std::string, int64_t> count, next;
  for (const auto* e : events) ++count[e->cloud];
  for (const auto& [cloud, k] : count) {
    auto q = db_->Prepare("UPDATE clouds SET last_seq = last_seq + ? WHERE name = ? RETURNING last_seq");
    q->Bind(1, k).Bind(2, cloud);
    if (!q->Step()) {
      ISTHMUS_RETURN_IF_ERROR(q->status());
      return Internal("an event for cloud " + cloud + ", which does not exist");
    }
    next[cloud] = q->Int(0) - k + 1;
    while (q->Step()) {
    }
    ISTHMUS_RETURN_IF_ERROR(q->status());
  }
  for (size_t i = 0; i < events.size(); i += kRowsPerStatement) {
    size_t n = std::min(kRowsPerStatement, events.size() - i);
    auto q = db_->Prepare(
        "INSERT INTO outbox (cloud, kind, op, id, body, status, attempts, last_error, created_at, updated_at, "
        "cloud_seq) VALUES " + EventRows(n));
    for (size_t j = 0; j < n; ++j) {
      const OutboxEvent& e = *events[i + j];
      int b = static_cast<int>(8 * j);
      q->Bind(b + 1, e.cloud).Bind(b + 2, e.kind).Bind(b + 3, e.op).Bind(b + 4, e.id).Bind(b + 5, e.body.dump());
      q->Bind(b + 6, now).Bind(b + 7, now).Bind(b + 8, next[e.cloud]++);
    }
    ISTHMUS_RETURN_IF_ERROR(run(*q));
  }
  return Status::Ok();
}

// The batch's writes with few statements (no cloud made or deleted in it):
// each resource row's last state, as one multi-row upsert per 200 rows; each
// cloud's events numbered with one UPDATE ... RETURNING, inserted as
// multi-row INSERTs in the batch's order. Same rows as Write one by one.
// `write` writes one mutation as Write does (used for quota rows).
Status WriteBatch(sql::Connection& db, const std::vector<Mutation>& batch, const std::string& now,
                  const std::function<Status(const Mutation&)>& write) {
  sql::Connection* db_ = &db;
  auto run = [](Statement& st) {
    st.Step();
    return st.status();
  };
  std::map<std::pair<std::string, std::string>, const json*> rows;  // (kind, id) -> body, nullptr: deleted
  std::vector<std::pair<std::string, std::string>> order;
  std::vector<const OutboxEvent*> events;
  for (const auto& m : batch) {
    Mutation rest;  // hosts and quotas: rare, one by one as Write does
    rest.host_upserts = m.host_upserts;
    rest.quota_sets = m.quota_sets;
    if (!rest.host_upserts.empty() || !rest.quota_sets.empty()) ISTHMUS_RETURN_IF_ERROR(write(rest));
    for (const auto& [kind, id, body] : m.upserts) {
      auto [it, added] = rows.insert({{kind, id}, &body});
      if (added) order.push_back({kind, id});
      else it->second = &body;
    }
    for (const auto& [kind, id] : m.deletes) {
      auto [it, added] = rows.insert({{kind, id}, nullptr});
      if (added) order.push_back({kind, id});
      else it->second = nullptr;
    }
    for (const auto& e : m.events) events.push_back(&e);
  }
  std::vector<std::pair<std::pair<std::string, std::string>, std::string>> upserts;
  for (const auto& key : order) {
    const json* body = rows.at(key);
    if (!body) {
      auto q = db_->Prepare("DELETE FROM resources WHERE kind = ? AND id = ?");
      q->Bind(1, key.first).Bind(2, key.second);
      ISTHMUS_RETURN_IF_ERROR(run(*q));
      if (key.first == "port") {  // its status goes with it (status_store.h)
        auto st = db_->Prepare("DELETE FROM port_status WHERE port_id = ?");
        st->Bind(1, key.second);
        ISTHMUS_RETURN_IF_ERROR(run(*st));
      }
    } else {
      upserts.push_back({key, body->dump()});
    }
  }
  for (size_t i = 0; i < upserts.size(); i += kRowsPerStatement) {
    size_t n = std::min(kRowsPerStatement, upserts.size() - i);
    auto q = db_->Prepare("INSERT INTO resources (kind, id, body) VALUES " + Rows(n, 3) +
                          " ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body");
    for (size_t j = 0; j < n; ++j) {
      const auto& [key, body] = upserts[i + j];
      q->Bind(static_cast<int>(3 * j + 1), key.first).Bind(static_cast<int>(3 * j + 2), key.second);
      q->Bind(static_cast<int>(3 * j + 3), body);
    }
    ISTHMUS_RETURN_IF_ERROR(run(*q));
  }
  return WriteEvents(db, events, now);
}
}  // namespace

Status CentralDb::Commit(const std::vector<Mutation>& in, const StaleHandler& on_stale) {
  // PostgreSQL: commits have a connection of their own, so on_stale (which
  // takes the federation's lock) never waits on a reader holding that lock.
  sql::Connection& db = commit_db_ ? *commit_db_ : *db_;
  std::lock_guard<std::recursive_mutex> lock(commit_db_ ? commit_mu_ : mu_);
  const std::string now = Now();
  int64_t revision = 0;
  std::vector<Mutation> replaced;  // the batch on_stale made
  Status st = db.Transaction([&]() -> Status {
    const std::vector<Mutation>* batch = &in;
    if (replicated_) {
      ISTHMUS_ASSIGN_OR_RETURN(base, LockRevision(db));
      if (base != revision_) {
        if (!on_stale) return Stale();
        ReplicaChanges up;
        ISTHMUS_RETURN_IF_ERROR(ReadChanges(db, up, revision_));
        if (up.reload) return Stale();  // the caller loads everything again
        replaced = on_stale(up);
        batch = &replaced;
        revision_ = up.revision;
      }
      revision = revision_;
    }
    bool clouds_change = std::any_of(batch->begin(), batch->end(), [](const Mutation& m) {
      return !m.cloud_upserts.empty() || !m.cloud_deletes.empty();
    });
    if (clouds_change) {  // events may go to a cloud made or deleted in the batch: one by one
      for (const auto& m : *batch) ISTHMUS_RETURN_IF_ERROR(Write(db, m, now));
    } else {
      ISTHMUS_RETURN_IF_ERROR(WriteBatch(db, *batch, now, [&](const Mutation& m) { return Write(db, m, now); }));
    }
    if (replicated_) {
      ISTHMUS_ASSIGN_OR_RETURN(after, LogChanges(db, *batch, revision));
      revision = after;
    }
    return commit_hook_ ? commit_hook_() : Status::Ok();
  });
  if (st.ok() && replicated_) revision_ = revision;
  return st;
}



void CentralDb::SetCommitHook(std::function<Status()> hook) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  std::lock_guard<std::recursive_mutex> commits(commit_mu_);
  commit_hook_ = std::move(hook);
}

Status CentralDb::Write(sql::Connection& db, const Mutation& m, const std::string& now) {
  auto run = [](Statement& st) {
    st.Step();
    return st.status();
  };
  for (const auto& [name, cloud] : m.cloud_upserts) {
    auto q = db.Prepare(
        "INSERT INTO clouds (name, body, idx) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET body = excluded.body");
    q->Bind(1, name).Bind(2, json(cloud).dump()).Bind(3, int64_t{cloud.index});
    ISTHMUS_RETURN_IF_ERROR(run(*q));
  }
  for (const auto& name : m.cloud_deletes) {
    auto q = db.Prepare("DELETE FROM clouds WHERE name = ?");
    q->Bind(1, name);
    ISTHMUS_RETURN_IF_ERROR(run(*q));
    auto o = db.Prepare("DELETE FROM outbox WHERE cloud = ? AND status IN ('NEW', 'RUNNING', 'FAIL')");
    o->Bind(1, name);
    ISTHMUS_RETURN_IF_ERROR(run(*o));
  }
  for (const auto& host : m.host_upserts) {
    auto q = db.Prepare(
        "INSERT INTO hosts (name, cloud, body) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET cloud = excluded.cloud, body = excluded.body");
    q->Bind(1, host.name).Bind(2, host.cloud).Bind(3, json(host).dump());
    ISTHMUS_RETURN_IF_ERROR(run(*q));
  }
  for (const auto& [kind, id, body] : m.upserts) {
    auto q = db.Prepare(
        "INSERT INTO resources (kind, id, body) VALUES (?, ?, ?) "
        "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body");
    q->Bind(1, kind).Bind(2, id).Bind(3, body.dump());
    ISTHMUS_RETURN_IF_ERROR(run(*q));
  }
  for (const auto& [kind, id] : m.deletes) {
    auto q = db.Prepare("DELETE FROM resources WHERE kind = ? AND id = ?");
    q->Bind(1, kind).Bind(2, id);
    ISTHMUS_RETURN_IF_ERROR(run(*q));
    if (kind == "port") {  // its status goes with it (status_store.h)
      auto st = db.Prepare("DELETE FROM port_status WHERE port_id = ?");
      st->Bind(1, id);
      ISTHMUS_RETURN_IF_ERROR(run(*st));
    }
  }
  for (const auto& [project, limits] : m.quota_sets) {
    auto d = db.Prepare("DELETE FROM quotas WHERE project_id = ?");
    d->Bind(1, project);
    ISTHMUS_RETURN_IF_ERROR(run(*d));
    for (const auto& [resource, limit] : limits) {
      auto q = db.Prepare("INSERT INTO quotas (project_id, resource, hard_limit) VALUES (?, ?, ?)");
      q->Bind(1, project).Bind(2, resource).Bind(3, limit);
      ISTHMUS_RETURN_IF_ERROR(run(*q));
    }
  }
  for (const auto& e : m.events) ISTHMUS_RETURN_IF_ERROR(InsertEvent(db, e, now));
  return Status::Ok();
}

// Inside a transaction: the event gets the cloud's next cloud_seq (e.cloud_seq,
// when set, is a floor: a snapshot may have to jump past what a cloud holds).
Status CentralDb::InsertEvent(sql::Connection& db, const OutboxEvent& e, const std::string& now) {
  auto bump = db.Prepare(
      "UPDATE clouds SET last_seq = CASE WHEN last_seq + 1 > ? THEN last_seq + 1 ELSE ? END WHERE name = ?");
  bump->Bind(1, e.cloud_seq).Bind(2, e.cloud_seq).Bind(3, e.cloud);
  bump->Step();
  ISTHMUS_RETURN_IF_ERROR(bump->status());
  auto last = db.Prepare("SELECT last_seq FROM clouds WHERE name = ?");
  last->Bind(1, e.cloud);
  if (!last->Step()) {
    ISTHMUS_RETURN_IF_ERROR(last->status());
    return Internal("an event for cloud " + e.cloud + ", which does not exist");
  }
  const int64_t cloud_seq = last->Int(0);
  auto q = db.Prepare(
      "INSERT INTO outbox (cloud, kind, op, id, body, status, attempts, last_error, created_at, "
      "updated_at, cloud_seq) VALUES (?, ?, ?, ?, ?, 'NEW', 0, '', ?, ?, ?)");
  q->Bind(1, e.cloud).Bind(2, e.kind).Bind(3, e.op).Bind(4, e.id).Bind(5, e.body.dump()).Bind(6, now).Bind(7, now);
  q->Bind(8, cloud_seq);
  q->Step();
  return q->status();
}

Result<std::vector<OutboxEvent>> CentralDb::Pending(const std::string& cloud, int64_t after,
                                                    int limit) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  std::vector<OutboxEvent> out;
  auto q = db_->Prepare(
      "SELECT seq, kind, op, id, body, cloud_seq FROM outbox WHERE cloud = ? AND cloud_seq > ? "
      "AND status IN ('NEW', 'RUNNING', 'FAIL') ORDER BY cloud_seq LIMIT ?");
  q->Bind(1, cloud).Bind(2, after).Bind(3, int64_t{limit});
  while (q->Step())
    out.push_back({q->Int(0), cloud, q->Text(1), q->Text(2), q->Text(3), json::parse(q->Text(4)), q->Int(5)});
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return out;
}

Status CentralDb::Ack(const std::string& cloud, int64_t seq, int64_t keep) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return db_->Transaction([&]() -> Status {
    // Everything up to the previous acked_seq is SUCCESS already: look only past it.
    auto u = db_->Prepare(
        "UPDATE outbox SET status = 'SUCCESS', updated_at = ?"
        " WHERE cloud = ? AND cloud_seq > COALESCE((SELECT acked_seq FROM clouds WHERE name = ?), 0)"
        " AND cloud_seq <= ? AND status IN ('NEW', 'RUNNING', 'FAIL')");
    u->Bind(1, Now()).Bind(2, cloud).Bind(3, cloud).Bind(4, seq);
    u->Step();
    ISTHMUS_RETURN_IF_ERROR(u->status());
    auto q = db_->Prepare("UPDATE clouds SET acked_seq = ? WHERE name = ? AND acked_seq < ?");
    q->Bind(1, seq).Bind(2, cloud).Bind(3, seq);
    q->Step();
    ISTHMUS_RETURN_IF_ERROR(q->status());
    // Prune: the keep-th newest acknowledged job of the cloud is the oldest kept.
    auto k = db_->Prepare(
        "SELECT seq FROM outbox WHERE cloud = ? AND status = 'SUCCESS' ORDER BY seq DESC LIMIT 1 OFFSET ?");
    k->Bind(1, cloud).Bind(2, std::max<int64_t>(keep - 1, 0));
    if (!k->Step()) return k->status();
    int64_t oldest_kept = keep > 0 ? k->Int(0) : k->Int(0) + 1;
    auto d = db_->Prepare("DELETE FROM outbox WHERE cloud = ? AND status = 'SUCCESS' AND seq < ?");
    d->Bind(1, cloud).Bind(2, oldest_kept);
    d->Step();
    return d->status();
  });
}

Result<int64_t> CentralDb::LastCloudSeq(const std::string& cloud) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto q = db_->Prepare("SELECT last_seq FROM clouds WHERE name = ?");
  q->Bind(1, cloud);
  int64_t seq = q->Step() ? q->Int(0) : 0;
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return seq;
}

// From the snapshots' partial index (outbox_snapshots): not a walk through
// every event the cloud was ever sent, which each push paid before.
Result<int64_t> CentralDb::PendingSnapshot(const std::string& cloud) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto q = db_->Prepare(
      "SELECT COALESCE(MAX(cloud_seq), 0) FROM outbox WHERE cloud = ? AND kind = 'snapshot' "
      "AND status IN ('NEW', 'RUNNING', 'FAIL')");
  q->Bind(1, cloud);
  int64_t seq = q->Step() ? q->Int(0) : 0;
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return seq;
}

Result<int64_t> CentralDb::AppendSnapshot(const std::string& cloud, int64_t above, const json& body) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  int64_t seq = 0;
  Status st = db_->Transaction([&]() -> Status {
    // The snapshot is built from the cache: it must hold every event before it.
    if (replicated_) ISTHMUS_RETURN_IF_ERROR(Fence(*db_).status());
    ISTHMUS_RETURN_IF_ERROR(InsertEvent(*db_, {0, cloud, "snapshot", "replace", cloud, body, above + 1}, Now()));
    if (replicated_) {
      auto n = db_->Prepare(std::string("SELECT pg_notify('") + kChangesChannel + "', 'snapshot')");
      n->Step();
      ISTHMUS_RETURN_IF_ERROR(n->status());
    }
    auto last = LastCloudSeq(cloud);
    if (!last.ok()) return last.status();
    seq = *last;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return seq;
}

Result<std::map<std::string, int64_t>> CentralDb::PendingCounts() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  std::map<std::string, int64_t> out;
  auto q = db_->Prepare("SELECT cloud, COUNT(*) FROM outbox WHERE status IN ('NEW', 'RUNNING', 'FAIL') GROUP BY cloud");
  while (q->Step()) out[q->Text(0)] = q->Int(1);
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return out;
}


// Jobs

// A hint for the jobs API, on the path of every push: its commit does not
// wait for the disk (a crash may lose it; the events are pushed again either way).
Status CentralDb::MarkRunning(const std::string& cloud, int64_t first, int64_t last) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return db_->UnflushedTransaction([&] {
    auto q = db_->Prepare(
        "UPDATE outbox SET status = 'RUNNING', updated_at = ? WHERE cloud = ? AND cloud_seq BETWEEN ? AND ? "
        "AND status IN ('NEW', 'RUNNING', 'FAIL')");
    q->Bind(1, Now()).Bind(2, cloud).Bind(3, first).Bind(4, last);
    q->Step();
    return q->status();
  });
}

Status CentralDb::MarkFailed(const std::string& cloud, int64_t first, int64_t last, const std::string& error) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto q = db_->Prepare(
      "UPDATE outbox SET status = 'FAIL', attempts = attempts + 1, last_error = ?, updated_at = ? "
      "WHERE cloud = ? AND cloud_seq BETWEEN ? AND ? AND status IN ('NEW', 'RUNNING', 'FAIL')");
  q->Bind(1, error).Bind(2, Now()).Bind(3, cloud).Bind(4, first).Bind(5, last);
  q->Step();
  return q->status();
}

namespace {
constexpr const char* kJobColumns =
    "SELECT seq, cloud, kind, op, id, status, attempts, last_error, created_at, updated_at, cloud_seq FROM outbox";
Job JobOf(const Statement& q) {
  Job j;
  j.event = {q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4), nullptr, q.Int(10)};
  j.status = q.Text(5);
  j.attempts = q.Int(6);
  j.last_error = q.Text(7);
  j.created_at = q.Text(8);
  j.updated_at = q.Text(9);
  return j;
}
}  // namespace

Result<std::vector<Job>> CentralDb::Jobs(const JobFilter& f) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  std::string sql = kJobColumns;
  std::vector<std::string> args;
  auto where = [&](const std::string& column, const std::string& value) {
    if (value.empty()) return;
    sql += args.empty() ? " WHERE " : " AND ";
    sql += column + " = ?";
    args.push_back(value);
  };
  where("cloud", f.cloud);
  where("status", f.status);
  where("kind", f.kind);
  where("id", f.id);
  sql += " ORDER BY seq DESC LIMIT ?";
  auto q = db_->Prepare(sql);
  int i = 1;
  for (const auto& a : args) q->Bind(i++, a);
  q->Bind(i, f.limit);
  std::vector<Job> out;
  while (q->Step()) out.push_back(JobOf(*q));
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return out;
}

Result<Job> CentralDb::GetJob(int64_t seq) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto q = db_->Prepare(std::string(kJobColumns) + " WHERE seq = ?");
  q->Bind(1, seq);
  if (q->Step()) return JobOf(*q);
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return NotFound("Job " + std::to_string(seq) + " could not be found");
}

Result<int64_t> CentralDb::LastSeq(const std::string& cloud) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto q = db_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM outbox WHERE cloud = ?");
  q->Bind(1, cloud);
  int64_t seq = q->Step() ? q->Int(0) : 0;
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return seq;
}

Result<std::set<std::tuple<std::string, std::string, std::string>>> CentralDb::PendingResources() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  std::set<std::tuple<std::string, std::string, std::string>> out;
  auto q = db_->Prepare("SELECT DISTINCT cloud, kind, id FROM outbox WHERE status IN ('NEW', 'RUNNING', 'FAIL')");
  while (q->Step()) out.insert({q->Text(0), q->Text(1), q->Text(2)});
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return out;
}

}  // namespace isthmus::central
