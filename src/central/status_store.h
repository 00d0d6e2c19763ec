// Ports' statuses and hosts' liveness as their clouds report them
// (docs/architecture.md, "Port status and agent liveness"): rows of central's
// DB apart from the resources (a status is never pushed back to the clouds as
// a port update), on their own connection, cached in memory. A port's row goes
// in the transaction that deletes the port (central_db.cc). On PostgreSQL the
// replicas share the tables and read them again when a read finds the cache
// older than a second. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/sql.h"
#include "model/resources.h"

namespace isthmus::central {

// The tables (made by CentralDb::Open and by StatusStore::Open, if missing).
std::string StatusSchema(sql::Dialect d);

struct PortStatusRow {
  std::string cloud, host;  // the cloud that reported it, the host whose agent wires it ("" if none)
  std::string status;       // ACTIVE or DOWN
};

// Times are Unix seconds (0: not known). reported_at is central's own clock
// when the row was last written: liveness ages from it, whatever the clouds' clocks say.
struct AgentRow {
  std::string cloud;
  bool alive = false;
  int64_t heartbeat_at = 0, started_at = 0, created_at = 0, reported_at = 0;
  int64_t down_time = 75;  // the cloud's agent down time, seconds
  // Alive as the cloud last said, and said again within its down time.
  bool AliveAt(int64_t now) const { return alive && now - reported_at <= down_time; }
};

// What a cloud reported in one call (PUT /v2.0/clouds/{cloud}/status).
struct StatusBatch {
  std::string cloud;
  int64_t down_time = 75;
  std::vector<std::pair<std::string, PortStatusRow>> ports;  // port id -> row
  std::vector<std::pair<std::string, AgentRow>> agents;      // host -> row (started_at 0: keep)
};

class StatusStore {
 public:
  static Result<std::unique_ptr<StatusStore>> Open(const std::string& location);
  // Writes the batch in one transaction (stamping reported_at, and created_at
  // on a host's first row), then the cache.
  Status Record(const StatusBatch& batch, int64_t now);
  std::optional<PortStatusRow> Port(const std::string& id);
  std::optional<AgentRow> Agent(const std::string& host);
  // Drops cached rows of ports that no longer exist (their DB rows went with them).
  void Prune(const std::function<bool(const std::string&)>& exists);

  static int64_t NowSeconds();

 private:
  explicit StatusStore(std::unique_ptr<sql::Connection> db) : db_(std::move(db)) {}
  Status LoadLocked();
  void RefreshLocked();  // replicas: read again when the cache is older than a second
  std::mutex mu_;
  std::unique_ptr<sql::Connection> db_;
  std::map<std::string, PortStatusRow> ports_;
  std::map<std::string, AgentRow> agents_;
  std::chrono::steady_clock::time_point loaded_;
};

}  // namespace isthmus::central
