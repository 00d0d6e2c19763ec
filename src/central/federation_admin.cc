// The federation's admin side: jobs (the outbox rows, kept after
// acknowledgement), redo and resource routings. docs/architecture.md,
// "Central API" and "Central DB".
#include <algorithm>

#include "central/federation.h"
#include "central/group_members.h"

namespace isthmus::central {

using nlohmann::json;

Status Federation::StartJobs(const std::string& cloud, int64_t first, int64_t last) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->MarkRunning(cloud, first, last);
}

Status Federation::FailJobs(const std::string& cloud, int64_t first, int64_t last, const std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->MarkFailed(cloud, first, last, error);
}

Result<std::vector<Job>> Federation::ListJobs(const JobFilter& filter) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Jobs(filter);
}

Result<Job> Federation::GetJob(int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->GetJob(seq);
}

Result<Job> Federation::RedoJob(int64_t seq) {
  ISTHMUS_FRESH(RedoJob(seq));
  std::lock_guard<std::mutex> lock(mu_);
  auto job = db_->GetJob(seq);
  if (!job.ok()) return job.status();
  const std::string cloud = job->event.cloud, kind = job->event.kind, id = job->event.id;
  if (!clouds_.count(cloud))
    return Conflict("Job " + std::to_string(seq) + " was for cloud " + cloud + ", which no longer exists");
  if (kind == "snapshot") {  // a fresh snapshot of the cloud, after everything queued for it
    auto last = db_->LastCloudSeq(cloud);
    if (!last.ok()) return last.status();
    auto snap = QueueSnapshotLocked(cloud, *last);
    if (!snap.ok()) return snap.status();
    auto newest = db_->LastSeq(cloud);
    if (!newest.ok()) return newest.status();
    return db_->GetJob(*newest);
  }
  if (kind == kGroupMemberKind) {  // the record as the cloud needs it now, or its delete
    auto members = GroupMembersFor(store_, cloud);
    auto m = members.find(id);
    Change c;
    c.m.events.push_back({0, cloud, kind, m == members.end() ? "delete" : "upsert", id,
                          m == members.end() ? json::object() : json(m->second)});
    ISTHMUS_RETURN_IF_ERROR(Apply(c));
    auto last = db_->LastSeq(cloud);
    if (!last.ok()) return last.status();
    return db_->GetJob(*last);
  }
  auto known = KindNamed(kind);
  if (!known) return Internal("Job " + std::to_string(seq) + " has unknown kind " + kind);
  auto targets = RecipientsOf(store_, *known, id);
  bool upsert = std::find(targets.begin(), targets.end(), cloud) != targets.end();
  Change c;
  Emit(c, *known, upsert ? "upsert" : "delete", id, upsert ? *ModelJson(store_, *known, id) : json::object(),
       {cloud});
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  // Commits happen under mu_: the cloud's newest event is the one just made.
  auto last = db_->LastSeq(cloud);
  if (!last.ok()) return last.status();
  return db_->GetJob(*last);
}

Result<std::vector<Federation::Routing>> Federation::ListRoutings(const std::string& cloud,
                                                            const std::string& resource_type,
                                                            const std::string& top_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto pending = db_->PendingResources();
  if (!pending.ok()) return pending.status();
  std::vector<Routing> out;
  store_.ForEachKind([&](const auto& map) {
    const Kind kind = KindOf<ModelIn<std::decay_t<decltype(map)>>>;
    if (!Traits(kind).neutron || (!resource_type.empty() && resource_type != Name(kind))) return;
    for (const auto& [id, v] : map) {
      if (!top_id.empty() && top_id != id) continue;
      for (const auto& c : RecipientsOf(store_, kind, id)) {
        if (c.empty() || (!cloud.empty() && c != cloud)) continue;
        bool busy = pending->count({c, Name(kind), id}) > 0;
        out.push_back({id, id, c, Name(kind), busy ? "pending" : "synced"});
      }
    }
  });
  return out;
}


}  // namespace isthmus::central
