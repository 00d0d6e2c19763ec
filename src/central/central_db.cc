#include "central/central_db.h"

namespace isthmus::central {

using nlohmann::json;

Result<std::unique_ptr<CentralDb>> CentralDb::Open(const std::string& path) {
  auto db = Db::Open(path);
  if (!db.ok()) return db.status();
  ISTHMUS_RETURN_IF_ERROR((*db)->Exec(R"(
    CREATE TABLE IF NOT EXISTS clouds (name TEXT PRIMARY KEY, body TEXT NOT NULL,
                                       idx INTEGER NOT NULL UNIQUE, acked_seq INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE IF NOT EXISTS hosts (name TEXT PRIMARY KEY, cloud TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
                                          PRIMARY KEY (kind, id));
    CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, cloud TEXT NOT NULL,
                                       kind TEXT NOT NULL, op TEXT NOT NULL, id TEXT NOT NULL,
                                       body TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS outbox_cloud ON outbox (cloud, seq);
  )"));
  return std::unique_ptr<CentralDb>(new CentralDb(std::move(*db)));
}

Result<Snapshot> CentralDb::Load() {
  Snapshot s;
  auto c = db_->Prepare("SELECT name, body, acked_seq FROM clouds");
  while (c->Step()) s.clouds[c->Text(0)] = {json::parse(c->Text(1)).get<model::Cloud>(), c->Int(2)};
  ISTHMUS_RETURN_IF_ERROR(c->status());
  auto h = db_->Prepare("SELECT name, body FROM hosts");
  while (h->Step()) s.hosts[h->Text(0)] = json::parse(h->Text(1)).get<model::Host>();
  ISTHMUS_RETURN_IF_ERROR(h->status());
  auto r = db_->Prepare("SELECT kind, id, body FROM resources");
  while (r->Step()) {
    std::string kind = r->Text(0);
    std::map<std::string, json>* into = kind == "network"      ? &s.networks
                                        : kind == "subnet"     ? &s.subnets
                                        : kind == "port"       ? &s.ports
                                        : kind == "router"     ? &s.routers
                                        : kind == "floatingip" ? &s.floatingips
                                                               : nullptr;
    if (!into) return Internal("unknown resource kind '" + kind + "' in the database");
    (*into)[r->Text(1)] = json::parse(r->Text(2));
  }
  ISTHMUS_RETURN_IF_ERROR(r->status());
  return s;
}

Status CentralDb::Commit(const Mutation& m) {
  return db_->Transaction([&]() -> Status {
    auto run = [](Stmt& st) {
      st.Step();
      return st.status();
    };
    for (const auto& [name, cloud] : m.cloud_upserts) {
      auto q = db_->Prepare(
          "INSERT INTO clouds (name, body, idx) VALUES (?, ?, ?) "
          "ON CONFLICT(name) DO UPDATE SET body = excluded.body");
      q->Bind(1, name).Bind(2, json(cloud).dump()).Bind(3, int64_t{cloud.index});
      ISTHMUS_RETURN_IF_ERROR(run(*q));
    }
    for (const auto& name : m.cloud_deletes) {
      auto q = db_->Prepare("DELETE FROM clouds WHERE name = ?");
      q->Bind(1, name);
      ISTHMUS_RETURN_IF_ERROR(run(*q));
      auto o = db_->Prepare("DELETE FROM outbox WHERE cloud = ?");
      o->Bind(1, name);
      ISTHMUS_RETURN_IF_ERROR(run(*o));
    }
    for (const auto& host : m.host_upserts) {
      auto q = db_->Prepare("INSERT OR REPLACE INTO hosts (name, cloud, body) VALUES (?, ?, ?)");
      q->Bind(1, host.name).Bind(2, host.cloud).Bind(3, json(host).dump());
      ISTHMUS_RETURN_IF_ERROR(run(*q));
    }
    for (const auto& [kind, id, body] : m.upserts) {
      auto q = db_->Prepare("INSERT OR REPLACE INTO resources (kind, id, body) VALUES (?, ?, ?)");
      q->Bind(1, kind).Bind(2, id).Bind(3, body.dump());
      ISTHMUS_RETURN_IF_ERROR(run(*q));
    }
    for (const auto& [kind, id] : m.deletes) {
      auto q = db_->Prepare("DELETE FROM resources WHERE kind = ? AND id = ?");
      q->Bind(1, kind).Bind(2, id);
      ISTHMUS_RETURN_IF_ERROR(run(*q));
    }
    for (const auto& e : m.events) {
      auto q = db_->Prepare("INSERT INTO outbox (cloud, kind, op, id, body) VALUES (?, ?, ?, ?, ?)");
      q->Bind(1, e.cloud).Bind(2, e.kind).Bind(3, e.op).Bind(4, e.id).Bind(5, e.body.dump());
      ISTHMUS_RETURN_IF_ERROR(run(*q));
    }
    return Status::Ok();
  });
}

Result<std::vector<OutboxEvent>> CentralDb::Pending(const std::string& cloud, int64_t after,
                                                    int limit) {
  std::vector<OutboxEvent> out;
  auto q = db_->Prepare(
      "SELECT seq, kind, op, id, body FROM outbox WHERE cloud = ? AND seq > ? ORDER BY seq LIMIT ?");
  q->Bind(1, cloud).Bind(2, after).Bind(3, int64_t{limit});
  while (q->Step())
    out.push_back({q->Int(0), cloud, q->Text(1), q->Text(2), q->Text(3), json::parse(q->Text(4))});
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return out;
}

Status CentralDb::Ack(const std::string& cloud, int64_t seq) {
  return db_->Transaction([&]() -> Status {
    auto q = db_->Prepare("UPDATE clouds SET acked_seq = MAX(acked_seq, ?) WHERE name = ?");
    q->Bind(1, seq).Bind(2, cloud);
    q->Step();
    ISTHMUS_RETURN_IF_ERROR(q->status());
    auto d = db_->Prepare("DELETE FROM outbox WHERE cloud = ? AND seq <= ?");
    d->Bind(1, cloud).Bind(2, seq);
    d->Step();
    return d->status();
  });
}

Result<std::map<std::string, int64_t>> CentralDb::PendingCounts() {
  std::map<std::string, int64_t> out;
  auto q = db_->Prepare("SELECT cloud, COUNT(*) FROM outbox GROUP BY cloud");
  while (q->Step()) out[q->Text(0)] = q->Int(1);
  ISTHMUS_RETURN_IF_ERROR(q->status());
  return out;
}

}  // namespace isthmus::central
