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
  std::string kind;  // cloud, host, network, subnet, port, router, floatingip; or snapshot
  std::string op;    // upsert, delete; replace (snapshot)
  std::string id;
  nlohmann::json body;  // snapshot: {"resources": {kind: {id: body}}}
};

// Parses and validates {"events": [...]}; InvalidArgument names the bad field.
Result<std::vector<Event>> ParseEvents(const nlohmann::json& body);

// The ordering rule (docs/architecture.md, "Central -> cloud: events"): seqs of
// a batch are contiguous; a snapshot comes only first; a batch whose first
// event is not a snapshot must start at or below applied + 1 (Conflict names
// the gap otherwise). Nothing of a refused batch is applied.
Status CheckSequence(const std::vector<Event>& events, int64_t applied);

// A host's last state. The DB keeps its revision and the SHA-256 of its JSON
// text (enough to tell, after a restart, whether a state computed again is
// the same); the text itself lives in memory only.
struct StoredState {
  int64_t revision = 0;
  std::string body;    // HostState JSON with revision 0; "" until computed after a load
  std::string digest;  // state::DigestMembers(body).Digest(); saved before member digests: Sha256Hex(body)
};

class CloudDb {
 public:
  static Result<std::unique_ptr<CloudDb>> Open(const std::string& path);

  // Applies the events with seq > applied_seq in one transaction, after
  // CheckSequence; returns the new applied sequence. A snapshot replaces every
  // resource (not the hosts registered here, their DVR MACs, local VLANs or states).
  // flush = false: the commit does not wait for the disk; the next write
  // (the states it changes) or Flush() makes it durable, with one sync for both.
  Result<int64_t> ApplyEvents(const std::vector<Event>& events, bool flush = true);
  // Makes an unflushed ApplyEvents durable, unless a write since did.
  Status Flush();
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
  // The hosts' new states and the revision counter, in one transaction (one
  // fsync for all the hosts of a recompute).
  Status SaveStates(const std::vector<std::pair<std::string, StoredState>>& states, int64_t counter);

 private:
  explicit CloudDb(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  int64_t MetaInt(const std::string& key);
  Status Write(const std::function<Status()>& fn);  // a flushed transaction
  bool unflushed_ = false;  // an ApplyEvents commit not on disk yet
  Status ReplaceResources(const nlohmann::json& resources);  // inside a transaction
  std::unique_ptr<Db> db_;
};

}  // namespace isthmus::cloud
