// Central's SQLite schema and the writes of one mutation: resource rows,
// allocation rows and outbox events always go together in one transaction, so
// an acknowledged change is durable and is pushed to every cloud it affects.
// Schema: docs/architecture.md, "Central DB". Not thread-safe (Service locks).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/sqlite.h"
#include "model/resources.h"

namespace isthmus::central {

struct OutboxEvent {
  int64_t seq = 0;
  std::string cloud, kind, op, id;
  nlohmann::json body;
};

struct CloudRow {
  model::Cloud cloud;
  int64_t acked_seq = 0;
};

// Everything central holds, as loaded at start.
struct Snapshot {
  std::map<std::string, CloudRow> clouds;
  std::map<std::string, model::Host> hosts;
  std::map<std::string, nlohmann::json> networks, subnets, ports, routers, floatingips;  // model JSON
};

// One mutation's writes; Commit applies them atomically.
struct Mutation {
  std::vector<std::pair<std::string, model::Cloud>> cloud_upserts;
  std::vector<std::string> cloud_deletes;
  std::vector<model::Host> host_upserts;
  // (kind, id, body) upserts and (kind, id) deletes of networks/subnets/ports/routers/floatingips.
  std::vector<std::tuple<std::string, std::string, nlohmann::json>> upserts;
  std::vector<std::pair<std::string, std::string>> deletes;
  std::vector<OutboxEvent> events;  // seq assigned on commit
};

class CentralDb {
 public:
  static Result<std::unique_ptr<CentralDb>> Open(const std::string& path);
  Result<Snapshot> Load();
  Status Commit(const Mutation& m);
  // Pending events of one cloud after its acknowledged sequence, in order.
  Result<std::vector<OutboxEvent>> Pending(const std::string& cloud, int64_t after, int limit);
  Status Ack(const std::string& cloud, int64_t seq);
  Result<std::map<std::string, int64_t>> PendingCounts();

 private:
  explicit CentralDb(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  std::unique_ptr<Db> db_;
};

}  // namespace isthmus::central
