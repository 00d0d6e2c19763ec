// The cloud controller's durable state in SQLite: the resources central pushed
// (with the sequence number applied, so redelivery is a no-op), the hosts
// registered here with their DVR MACs, local VLANs, each host's last desired
// state and revision, and the outbox of host reports to central.
// Schema: docs/architecture.md, "Cloud DB". Not thread-safe (the controller
// serialises access).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/sqlite.h"
#include "model/resources.h"

namespace isthmus::cloud {

struct Event {
  int64_t seq = 0;
  std::string kind;  // cloud, host, network, subnet, port, router
  std::string op;    // upsert, delete
  std::string id;
  nlohmann::json body;
};

// Parses and validates {"events": [...]}; InvalidArgument names the bad field.
Result<std::vector<Event>> ParseEvents(const nlohmann::json& body);

struct StoredState {
  int64_t revision = 0;
  std::string body;  // HostState JSON without the revision
};

class CloudDb {
 public:
  static Result<std::unique_ptr<CloudDb>> Open(const std::string& path);

  // Applies the events with seq > applied_seq in one transaction; returns the
  // new applied sequence.
  Result<int64_t> ApplyEvents(const std::vector<Event>& events);
  int64_t AppliedSeq();
  // Every stored resource: kind -> id -> body.
  Result<std::map<std::string, std::map<std::string, nlohmann::json>>> LoadResources();

  Status SaveOwnHost(const model::Host& host);  // and queue its report to central
  Result<std::map<std::string, model::Host>> LoadOwnHosts();
  Result<std::vector<std::string>> PendingReports();
  Status ReportDone(const std::string& host, const std::string& dvr_mac, const std::string& vtep);

  Result<std::map<std::string, std::map<std::string, int>>> LoadLvids();  // host -> net -> lvid
  Status SaveLvids(const std::string& host, const std::map<std::string, int>& lvids);

  Result<std::map<std::string, StoredState>> LoadStates();
  int64_t RevisionCounter();
  Status SaveState(const std::string& host, const StoredState& state, int64_t counter);

 private:
  explicit CloudDb(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  int64_t MetaInt(const std::string& key);
  std::unique_ptr<Db> db_;
};

}  // namespace isthmus::cloud
