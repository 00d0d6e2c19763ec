#include "central/status_store.h"

namespace isthmus::central {

std::string StatusSchema(sql::Dialect d) {
  std::string integer = d == sql::Dialect::kPostgres ? "BIGINT" : "INTEGER";
  return "CREATE TABLE IF NOT EXISTS port_status (port_id TEXT PRIMARY KEY, cloud TEXT NOT NULL, "
         "host TEXT NOT NULL, status TEXT NOT NULL);\n"
         "CREATE TABLE IF NOT EXISTS agent_status (host TEXT PRIMARY KEY, cloud TEXT NOT NULL, alive " +
         integer + " NOT NULL, heartbeat_at " + integer + " NOT NULL, started_at " + integer +
         " NOT NULL, created_at " + integer + " NOT NULL, reported_at " + integer + " NOT NULL, down_time " +
         integer + " NOT NULL);\n";
}

int64_t StatusStore::NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<StatusStore>> StatusStore::Open(const std::string& location) {
  auto db = sql::Connect(location);
  if (!db.ok()) return db.status();
  ISTHMUS_RETURN_IF_ERROR((*db)->Exec(StatusSchema((*db)->dialect())));
  std::unique_ptr<StatusStore> s(new StatusStore(std::move(*db)));
  std::lock_guard<std::mutex> lock(s->mu_);
  ISTHMUS_RETURN_IF_ERROR(s->LoadLocked());
  return s;
}

Status StatusStore::LoadLocked() {
  std::map<std::string, PortStatusRow> ports;
  std::map<std::string, AgentRow> agents;
  auto q = db_->Prepare("SELECT port_id, cloud, host, status FROM port_status");
  while (q->Step()) ports[q->Text(0)] = {q->Text(1), q->Text(2), q->Text(3)};
  ISTHMUS_RETURN_IF_ERROR(q->status());
  auto a = db_->Prepare(
      "SELECT host, cloud, alive, heartbeat_at, started_at, created_at, reported_at, down_time FROM agent_status");
  while (a->Step())
    agents[a->Text(0)] = {a->Text(1), a->Int(2) != 0, a->Int(3), a->Int(4), a->Int(5), a->Int(6), a->Int(7)};
  ISTHMUS_RETURN_IF_ERROR(a->status());
  ports_ = std::move(ports);
  agents_ = std::move(agents);
  loaded_ = std::chrono::steady_clock::now();
  return Status::Ok();
}

void StatusStore::RefreshLocked() {
  if (db_->dialect() != sql::Dialect::kPostgres) return;  // one central owns a SQLite file
  if (std::chrono::steady_clock::now() - loaded_ < std::chrono::seconds(1)) return;
  (void)LoadLocked();  // on failure the cache stays as it was (and is tried again on the next read)
}

Status StatusStore::Record(const StatusBatch& b, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  ISTHMUS_RETURN_IF_ERROR(db_->Transaction([&]() -> Status {
    for (const auto& [id, row] : b.ports) {
      auto q = db_->Prepare(
          "INSERT INTO port_status (port_id, cloud, host, status) VALUES (?, ?, ?, ?) ON CONFLICT (port_id) "
          "DO UPDATE SET cloud = excluded.cloud, host = excluded.host, status = excluded.status");
      q->Bind(1, id).Bind(2, row.cloud).Bind(3, row.host).Bind(4, row.status);
      q->Step();
      ISTHMUS_RETURN_IF_ERROR(q->status());
    }
    for (const auto& [host, row] : b.agents) {
      auto q = db_->Prepare(
          "INSERT INTO agent_status (host, cloud, alive, heartbeat_at, started_at, created_at, reported_at, "
          "down_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (host) DO UPDATE SET cloud = excluded.cloud, "
          "alive = excluded.alive, heartbeat_at = excluded.heartbeat_at, started_at = CASE WHEN "
          "excluded.started_at > 0 THEN excluded.started_at ELSE agent_status.started_at END, "
          "reported_at = excluded.reported_at, down_time = excluded.down_time");
      q->Bind(1, host).Bind(2, b.cloud).Bind(3, int64_t{row.alive ? 1 : 0}).Bind(4, row.heartbeat_at);
      q->Bind(5, row.started_at).Bind(6, now).Bind(7, now).Bind(8, b.down_time);
      q->Step();
      ISTHMUS_RETURN_IF_ERROR(q->status());
    }
    return Status::Ok();
  }));
  for (const auto& [id, row] : b.ports) ports_[id] = row;
  for (const auto& [host, row] : b.agents) {
    auto [it, fresh] = agents_.try_emplace(host);
    AgentRow& a = it->second;
    int64_t started = row.started_at > 0 ? row.started_at : a.started_at;
    int64_t created = fresh || a.created_at == 0 ? now : a.created_at;
    a = row;
    a.cloud = b.cloud;
    a.started_at = started;
    a.created_at = created;
    a.reported_at = now;
    a.down_time = b.down_time;
  }
  return Status::Ok();
}

std::optional<PortStatusRow> StatusStore::Port(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  RefreshLocked();
  auto it = ports_.find(id);
  if (it == ports_.end()) return std::nullopt;
  return it->second;
}

std::optional<AgentRow> StatusStore::Agent(const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  RefreshLocked();
  auto it = agents_.find(host);
  if (it == agents_.end()) return std::nullopt;
  return it->second;
}

void StatusStore::Prune(const std::function<bool(const std::string&)>& exists) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = ports_.begin(); it != ports_.end();) it = exists(it->first) ? std::next(it) : ports_.erase(it);
}

}  // namespace isthmus::central
