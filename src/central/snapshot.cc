// Resync of a cloud: the snapshot event that replaces everything a cloud
// received from central with what it should hold now (the fan-out rule of
// Recipients, resource_store.h), queued when the cloud is behind or beside central's record.
// docs/architecture.md, "Central -> cloud: events".
#include <algorithm>
#include <limits>

#include "central/federation.h"
#include "central/group_members.h"
#include "common/log.h"

namespace isthmus::central {

using nlohmann::json;

json Federation::SnapshotBody(const std::string& cloud) const {
  json resources = json::object();
  store_.ForEachKind([&](const auto& map) {
    using T = ModelIn<std::decay_t<decltype(map)>>;
    const Kind kind = KindOf<T>;
    json& of_kind = resources[Name(kind)] = json::object();
    for (const auto& [key, v] : map) {
      auto targets = RecipientsOf(store_, kind, key);
      if (std::find(targets.begin(), targets.end(), cloud) != targets.end()) of_kind[key] = v;
    }
  });
  json& members = resources[kGroupMemberKind] = json::object();
  for (const auto& [id, m] : GroupMembersFor(store_, cloud)) members[id] = m;
  return {{"resources", resources}};
}

Result<int64_t> Federation::QueueSnapshotLocked(const std::string& cloud, int64_t cloud_applied) {
  WaitUntilDurableLocked();  // the snapshot holds committed changes only
  if (!clouds_.count(cloud)) return NotFound("Cloud " + cloud + " could not be found");
  auto pending = db_->PendingSnapshot(cloud);
  if (!pending.ok()) return pending.status();
  if (*pending > cloud_applied) return *pending;  // it will replace what the cloud holds
  if (cloud_applied >= std::numeric_limits<int64_t>::max() - 1)
    return Conflict("cloud " + cloud + " reports applied seq " + std::to_string(cloud_applied) +
                    ", beyond any seq central can send: reset its database");
  auto seq = db_->AppendSnapshot(cloud, cloud_applied, SnapshotBody(cloud));
  if (!seq.ok()) return seq.status();
  LOG_INFO("queued a snapshot of cloud " << cloud << " at seq " << *seq << " (the cloud reports applied seq "
                                          << cloud_applied << ", central acknowledged "
                                          << acked_.at(cloud) << ")");
  WakePushers();
  return seq;
}

Result<int64_t> Federation::QueueSnapshot(const std::string& cloud, int64_t cloud_applied) {
  ISTHMUS_FRESH(QueueSnapshot(cloud, cloud_applied));
  std::lock_guard<std::mutex> lock(mu_);
  return QueueSnapshotLocked(cloud, cloud_applied);
}

Result<Federation::SyncReport> Federation::ReportAppliedSeq(const std::string& cloud, int64_t applied) {
  ISTHMUS_FRESH(ReportAppliedSeq(cloud, applied));
  if (applied < 0) return InvalidArgument("applied_seq must be >= 0");
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clouds_.find(cloud);
  if (c == clouds_.end()) return NotFound("Cloud " + cloud + " could not be found");
  auto last = db_->LastCloudSeq(cloud);
  if (!last.ok()) return last.status();
  int64_t acked = acked_.at(cloud);
  if (db_->replicated()) {  // another replica may push this cloud: its acks are in the DB only
    auto stored = db_->AckedSeq(cloud);
    if (!stored.ok()) return stored.status();
    acked = std::max(acked, *stored);
    acked_[cloud] = acked;
  }
  bool resync = applied < acked || applied > *last;
  if (resync) {
    auto seq = QueueSnapshotLocked(cloud, applied);
    if (!seq.ok()) return seq.status();
  }
  return SyncReport{cloud, applied, acked, resync};
}

}  // namespace isthmus::central
