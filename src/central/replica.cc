// The federation's side of replicas (docs/architecture.md, "Replicas"): its
// cache caught up with what other replicas of central committed to the same
// PostgreSQL database (the keys they logged, read again and merged like any
// change, so the allocation and list indexes follow), and the retry of a
// request whose commit found that another replica committed first.
#include <chrono>
#include <random>
#include <thread>

#include "central/federation.h"
#include "common/log.h"

namespace isthmus::central {

thread_local bool Federation::retrying_ = false;

void Federation::BackOff(int attempt) {
  static thread_local std::mt19937 rng(std::random_device{}());
  const int cap = 1 << std::min(attempt, 6);
  std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, cap * 1000)(rng)));
}
thread_local uint64_t Federation::owed_epoch_ = 0;

Status Federation::CatchUp() {
  if (!db_->replicated()) return Status::Ok();
  // Every commit notifies, this replica's own too: those need no catching up,
  // and checking costs no mu_ (LatestRevision has its own connection). Reading
  // the changes with mu_ held stalled every request once per commit.
  auto latest = db_->LatestRevision();
  if (!latest.ok()) return latest.status();
  if (*latest <= db_->revision()) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  WaitUntilDurableLocked();
  if (*latest <= db_->revision()) return Status::Ok();  // it was this replica's commit, now done
  Status st = CatchUpLocked();
  WakePushers();  // another replica may have queued events for a cloud pushed from here
  return st;
}

Result<bool> Federation::CatchUpIfBehind(bool wait) {
  if (!db_->replicated()) return false;
  auto latest = db_->LatestRevision();
  if (!latest.ok()) return latest.status();
  if (*latest <= db_->revision()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (!wait && (committing_ || !staged_.empty())) return true;
  WaitUntilDurableLocked();
  ISTHMUS_RETURN_IF_ERROR(CatchUpLocked());
  return false;
}

Status Federation::CatchUpLocked() {
  auto up = db_->ChangesSince(db_->revision());
  if (!up.ok()) return up.status();
  if (up->reload) return ReloadLocked();
  if (up->revision == db_->revision()) return Status::Ok();
  return MergeChangesLocked(*up);
}

void Federation::SettleRestageLocked() {
  if (!owed_epoch_) return;
  if (owed_epoch_ == stale_epoch_ && restaging_ > 0 && --restaging_ == 0) restaged_.notify_all();
  owed_epoch_ = 0;
}

Status Federation::MergeChangesLocked(const ReplicaChanges& changes) {
  const ReplicaChanges* up = &changes;
  Change c;
  for (const auto& [name, row] : up->clouds) {
    c.Of<model::Cloud>()[name] = row ? std::optional<model::Cloud>(row->cloud) : std::nullopt;
    if (row) acked_[name] = std::max(acked_[name], row->acked_seq);
    else acked_.erase(name);
  }
  for (const auto& [name, host] : up->hosts) c.Of<model::Host>()[name] = host;
  try {
    for (const auto& [key, body] : up->resources) {
      auto kind = KindNamed(key.first);
      if (!kind || !Traits(*kind).neutron) return Internal("unknown resource kind '" + key.first + "' in changes");
      store_.ForEachKind([&](const auto& map) {
        using T = ModelIn<std::decay_t<decltype(map)>>;
        if (KindOf<T> == *kind) c.Of<T>()[key.second] = body ? std::optional<T>(body->template get<T>()) : std::nullopt;
      });
    }
  } catch (const std::exception& e) {
    return Internal(std::string("corrupt resource in the database: ") + e.what());
  }
  for (const auto& [project, rows] : up->quotas) {
    if (rows.empty()) quotas_.erase(project);
    else quotas_[project] = rows;
  }
  Merge(store_, c);
  db_->SetRevision(up->revision);
  return Status::Ok();
}

Status Federation::ReloadLocked() {
  LOG_WARN("this replica fell behind the changes log: loading every row again");
  store_.ForEachKind([](auto& map) { map.clear(); });
  acked_.clear();
  quotas_.clear();
  return Load();
}

}  // namespace isthmus::central
