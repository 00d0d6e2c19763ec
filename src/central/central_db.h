// Central's schema and the writes of one mutation: resource rows, allocation
// rows and outbox events always go together in one transaction, so an
// acknowledged change is durable and is pushed to every cloud it affects. The
// same SQL runs on SQLite and PostgreSQL (sql::Connection); only the DDL differs.
// Schema: docs/architecture.md, "Central DB". Thread-safe: one call at a time
// (a recursive mutex), so a group commit runs while central reads the outbox.
// On PostgreSQL several centrals may share the database (replicas): every
// commit is fenced by the federation revision and logs what it wrote
// (docs/architecture.md, "Replicas").
#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/sql.h"
#include "model/resources.h"

namespace isthmus::central {

// seq numbers every job (the admin API's job id) across clouds; cloud_seq
// numbers one cloud's events 1, 2, 3, ... with no gap: what the cloud sees as
// "seq" and what acked_seq counts (docs/architecture.md, "Central -> cloud").
// kind "snapshot" (op "replace", id = the cloud) is a resync: body holds every
// resource the cloud should have (snapshot.cc).
struct OutboxEvent {
  int64_t seq = 0;
  std::string cloud, kind, op, id;
  nlohmann::json body;
  int64_t cloud_seq = 0;
};

// A job: one outbox row, kept after the cloud acknowledged it (docs/architecture.md,
// "Central DB"). status: NEW, RUNNING (being sent), SUCCESS (acknowledged),
// FAIL (the last send failed; the pusher retries). Pending = not SUCCESS.
struct Job {
  OutboxEvent event;  // body is not loaded by ListJobs/GetJob
  std::string status, last_error, created_at, updated_at;
  int64_t attempts = 0;
};

struct JobFilter {
  std::string cloud, status, kind, id;  // empty: any
  int64_t limit = 1000;
};

// Acknowledged jobs kept per cloud (older ones are pruned when an ack lands).
inline constexpr int64_t kJobsKept = 10000;

struct CloudRow {
  model::Cloud cloud;
  int64_t acked_seq = 0;
};

// Everything central holds, as loaded at start.
struct Snapshot {
  std::map<std::string, CloudRow> clouds;
  std::map<std::string, model::Host> hosts;
  // The `resources` table: kind name (a Neutron kind, resource_kind.h) -> id -> model JSON.
  std::map<std::string, std::map<std::string, nlohmann::json>> resources;
  // project -> resource -> limit: the quotas set apart from the defaults (quota.h).
  std::map<std::string, std::map<std::string, int64_t>> quotas;
  int64_t revision = 0;  // the federation revision these rows are at (replicas; 0 on SQLite)
};

// What other replicas committed after a revision (CentralDb::ChangesSince):
// the current rows of every key they wrote, as of `revision`.
struct ReplicaChanges {
  int64_t revision = 0;
  bool reload = false;  // the log no longer reaches back that far: load everything again
  std::map<std::string, std::optional<CloudRow>> clouds;  // nullopt: deleted
  std::map<std::string, model::Host> hosts;
  std::map<std::pair<std::string, std::string>, std::optional<nlohmann::json>> resources;  // (kind, id)
  std::map<std::string, std::map<std::string, int64_t>> quotas;  // project -> its rows (empty: defaults)
};

// What a fenced write answers when another replica committed since this
// one's cache last caught up: nothing was written; catch up and retry.
Status Stale();
bool IsStale(const Status& st);
// Replicas (replica_log.cc): the tables of the revision and its log, and the
// channel every commit notifies.
const std::string& ReplicaSchema();
extern const char* const kChangesChannel;

// One mutation's writes; Commit applies them atomically.
struct Mutation {
  std::vector<std::pair<std::string, model::Cloud>> cloud_upserts;
  std::vector<std::string> cloud_deletes;
  std::vector<model::Host> host_upserts;
  // (kind, id, body) upserts and (kind, id) deletes of networks/subnets/ports/routers/floatingips.
  std::vector<std::tuple<std::string, std::string, nlohmann::json>> upserts;
  std::vector<std::pair<std::string, std::string>> deletes;
  std::vector<OutboxEvent> events;  // seq assigned on commit
  // A project's quotas replaced whole: (project, resource -> limit); an empty
  // map puts the project back to the defaults.
  std::vector<std::pair<std::string, std::map<std::string, int64_t>>> quota_sets;
};

class CentralDb {
 public:
  // location: a SQLite file path, or a libpq URL postgresql://user@host:port/dbname.
  static Result<std::unique_ptr<CentralDb>> Open(const std::string& location);
  Result<Snapshot> Load();
  Status Commit(const Mutation& m);
  // A group commit: every mutation in order, in one transaction (all or nothing).
  // Replicas: when another replica committed since revision(), on_stale gets
  // what it wrote, inside the transaction and with the revision row locked (no
  // replica commits meanwhile), and returns the batch to commit instead,
  // validated again on those rows. Without on_stale that is Stale.
  using StaleHandler = std::function<std::vector<Mutation>(const ReplicaChanges&)>;
  Status Commit(const std::vector<Mutation>& batch, const StaleHandler& on_stale = nullptr);
  // Tests: runs inside each commit's transaction after its writes; an error
  // rolls the commit back and is returned.
  void SetCommitHook(std::function<Status()> hook);
  // Pending events of one cloud with cloud_seq > after, in order.
  Result<std::vector<OutboxEvent>> Pending(const std::string& cloud, int64_t after, int limit);
  // Marks the cloud's events up to cloud_seq `seq` SUCCESS; keeps the newest `keep` of them.
  Status Ack(const std::string& cloud, int64_t seq, int64_t keep = kJobsKept);
  // The cloud's newest cloud_seq (its event counter; 0 if none or no such cloud).
  Result<int64_t> LastCloudSeq(const std::string& cloud);
  // cloud_seq of the cloud's newest snapshot not yet acknowledged, 0 if none.
  Result<int64_t> PendingSnapshot(const std::string& cloud);
  // Queues a snapshot event at cloud_seq max(newest, above) + 1; returns that cloud_seq.
  Result<int64_t> AppendSnapshot(const std::string& cloud, int64_t above, const nlohmann::json& body);
  Result<std::map<std::string, int64_t>> PendingCounts();
  // The cloud's acked_seq as stored (0 if no such cloud).
  Result<int64_t> AckedSeq(const std::string& cloud);

  // Replicas (PostgreSQL only; on SQLite one central owns the file).
  bool replicated() const { return replicated_; }
  // The revision this process's cache is at: commits are fenced against it.
  int64_t revision() const { return revision_; }
  void SetRevision(int64_t revision) { revision_ = revision; }
  // The database's revision now (its own connection: never waits for a commit).
  Result<int64_t> LatestRevision();
  // The rows written by commits after `revision`, read in one snapshot.
  Result<ReplicaChanges> ChangesSince(int64_t revision);
  // The location Open was given (pushers open their own connections to it).
  const std::string& location() const { return location_; }

  // Jobs (the admin API). A batch is the cloud's pending events with cloud_seq in [first, last].
  Status MarkRunning(const std::string& cloud, int64_t first, int64_t last);
  Status MarkFailed(const std::string& cloud, int64_t first, int64_t last, const std::string& error);
  Result<std::vector<Job>> Jobs(const JobFilter& filter);  // newest first
  Result<Job> GetJob(int64_t seq);                          // NotFound if pruned or never made
  Result<int64_t> LastSeq(const std::string& cloud);        // newest event of the cloud, 0 if none
  // (cloud, kind, id) of every pending event.
  Result<std::set<std::tuple<std::string, std::string, std::string>>> PendingResources();

 private:
  explicit CentralDb(std::unique_ptr<sql::Connection> db) : db_(std::move(db)) {}
  Status Migrate();
  // Inside a commit's transaction (replicas): locks the revision row, Stale
  // if it moved past revision_; returns it.
  Result<int64_t> Fence(sql::Connection& db);
  Result<int64_t> LockRevision(sql::Connection& db);  // Fence without the comparison
  Status LoadRows(Snapshot& s);
  // Logs the keys the batch wrote under revisions after `base`; returns the new revision.
  Result<int64_t> LogChanges(sql::Connection& db, const std::vector<Mutation>& batch, int64_t base);
  Status ReadChanges(sql::Connection& db, ReplicaChanges& out, int64_t from);
  Status InsertEvent(sql::Connection& db, const OutboxEvent& e, const std::string& now);
  Status Write(sql::Connection& db, const Mutation& m, const std::string& now);  // inside a transaction
  std::recursive_mutex mu_;
  std::function<Status()> commit_hook_;
  std::unique_ptr<sql::Connection> db_;
  std::string location_;
  bool replicated_ = false;
  std::atomic<int64_t> revision_{0};
  std::mutex probe_mu_;
  std::unique_ptr<sql::Connection> probe_;  // LatestRevision's connection (replicas)
  std::recursive_mutex commit_mu_;
  std::unique_ptr<sql::Connection> commit_db_;  // commits' connection (replicas; SQLite: db_)
};

}  // namespace isthmus::central
