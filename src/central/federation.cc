// The federation core's common part: loading the cache, the one commit path,
// deletes by kind, and the outbox as the pushers see it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "central/federation.h"
#include "central/group_members.h"
#include "common/log.h"

namespace isthmus::central {

using nlohmann::json;

std::string NewUuid() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^
                                          std::chrono::steady_clock::now().time_since_epoch().count());
  uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<uint32_t>(a >> 32),
                static_cast<uint32_t>((a >> 16) & 0xffff), static_cast<uint32_t>(a & 0xfff),
                static_cast<uint32_t>(((b >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

Status Federation::Load() {
  auto snap = db_->Load();
  if (!snap.ok()) return snap.status();
  for (const auto& [name, row] : snap->clouds) {
    clouds_[name] = row.cloud;
    acked_[name] = row.acked_seq;
  }
  hosts_ = snap->hosts;
  quotas_ = snap->quotas;
  try {
    store_.ForEachKind([&](auto& map) {
      using T = ModelIn<std::decay_t<decltype(map)>>;
      if (!Traits(KindOf<T>).neutron) return;
      if (auto rows = snap->resources.find(Name(KindOf<T>)); rows != snap->resources.end())
        for (const auto& [id, body] : rows->second) map[id] = body.template get<T>();
    });
  } catch (const std::exception& e) {
    return Internal(std::string("corrupt resource in the database: ") + e.what());
  }
  store_.allocation().Rebuild(ports_);
  store_.groups().Rebuild(ports_, store_.All<model::SecurityGroupRule>());
  store_.Lists().Rebuild(store_);
  return Status::Ok();
}

void Federation::WakePushers() {
  ++events_version_;
  events_.notify_all();
}

Status Federation::Apply(Change& c) {
  // The caller's lock_guard holds mu_: borrowed to wait, given back held.
  std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
  SettleRestageLocked();  // a retried request is staged again
  Staged s;
  s.ticket = ++tickets_;
  store_.ForEachKind([&](const auto& map) {
    using T = ModelIn<std::decay_t<decltype(map)>>;
    for (const auto& [key, v] : c.Of<T>()) {
      auto it = map.find(key);
      s.undo.Of<T>()[key] = it == map.end() ? std::nullopt : std::optional<T>(it->second);
    }
  });
  for (const auto& [project, rows] : c.m.quota_sets) {
    auto it = quotas_.find(project);
    s.quotas_before.push_back({project, it == quotas_.end() ? std::nullopt : std::optional<QuotaSet>(it->second)});
    if (rows.empty()) quotas_.erase(project);
    else quotas_[project] = rows;
  }
  AddGroupMemberEvents(store_, c);  // remote group members for the clouds without their network
  Merge(store_, c);
  s.m = std::move(c.m);
  const uint64_t ticket = s.ticket;
  staged_.push_back(std::move(s));
  Status result;
  while (true) {
    if (auto f = failed_.find(ticket); f != failed_.end()) {
      result = f->second;
      failed_.erase(f);
      if (auto o = restage_owed_.find(ticket); o != restage_owed_.end()) {
        owed_epoch_ = o->second;  // the leader waits for this request to stage again
        restage_owed_.erase(o);
      }
      break;
    }
    if (durable_through_ >= ticket) break;
    if (!committing_) CommitStagedLocked(lock, ticket);
    else durable_.wait(lock);
  }
  lock.release();
  return result;
}

namespace {
struct Taken {
  std::vector<Mutation> batch;
  size_t n = 0;
  uint64_t last = 0;
  bool events = false;
};
}  // namespace

void Federation::UndoStagedLocked(const Status& st) {
  for (auto it = staged_.rbegin(); it != staged_.rend(); ++it) {
    Merge(store_, it->undo);
    for (const auto& [project, before] : it->quotas_before) {
      if (before) quotas_[project] = *before;
      else quotas_.erase(project);
    }
    failed_[it->ticket] = st;
  }
  staged_.clear();
}

void Federation::CommitStagedLocked(std::unique_lock<std::mutex>& lock, uint64_t own_ticket) {
  committing_ = true;
  auto take = [&] {  // every staged change, in order
    Taken t;
    for (auto& s : staged_) {
      t.events = t.events || !s.m.events.empty();
      t.batch.push_back(std::move(s.m));
    }
    t.n = staged_.size();
    t.last = t.n ? staged_.back().ticket : 0;
    return t;
  };
  Taken taken = take();
  // Replicas: another replica committed first. With the revision locked (no
  // other commit can land), its rows enter the cache, every staged request
  // fails as Stale and runs again from its start (RetryWhenStale), and what
  // they stage again is committed in this transaction (replica.cc).
  bool caught_up = false;  // other replicas' rows entered the cache (their events may be for our pushers)
  auto on_stale = [&](const ReplicaChanges& up) {
    std::unique_lock<std::mutex> relock(mu_);
    caught_up = true;
    const uint64_t epoch = ++stale_epoch_;
    restaging_ = 0;
    for (const auto& s : staged_)
      if (s.ticket != own_ticket) {
        restage_owed_[s.ticket] = epoch;
        ++restaging_;
      }
    UndoStagedLocked(Stale());
    if (Status m = MergeChangesLocked(up); !m.ok()) LOG_WARN("catching up with the other replicas: " << m.message());
    durable_.notify_all();
    restaged_.wait_for(relock, std::chrono::milliseconds(kRestageWaitMs), [&] { return restaging_ == 0; });
    ++stale_epoch_;  // late ones join the next batch
    restage_owed_.clear();
    taken = take();
    return std::move(taken.batch);
  };
  lock.unlock();
  Status st;
  try {  // nothing may escape with mu_ released and committing_ set
    st = db_->Commit(taken.batch, on_stale);
  } catch (const std::exception& e) {
    st = Internal(std::string("commit failed: ") + e.what());
  }
  // Written (or not): the batch's copies of the rows and events are freed
  // before mu_ is taken again, not while every request waits for it.
  std::vector<Mutation>().swap(taken.batch);
  lock.lock();
  if (st.ok()) {
    staged_.erase(staged_.begin(), staged_.begin() + static_cast<std::ptrdiff_t>(taken.n));
    if (taken.n) durable_through_ = taken.last;
    // The follower skips notifications this replica's revision already covers
    // (Federation::CatchUp), so the pushers hear of caught-up events here.
    if (taken.events || caught_up) WakePushers();
  } else {  // the batch and everything staged on top of it, newest first
    UndoStagedLocked(st);
    // The log did not reach back far enough: load everything again now, so
    // the retries (and the next batch) validate against the other replicas' changes.
    if (IsStale(st))
      if (Status up = CatchUpLocked(); !up.ok()) LOG_WARN("catching up with the other replicas: " << up.message());
  }
  committing_ = false;
  durable_.notify_all();
}

void Federation::WaitUntilDurableLocked() {
  std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
  durable_.wait(lock, [&] { return staged_.empty() && !committing_; });
  lock.release();
}

Result<std::vector<OutboxEvent>> Federation::PendingEvents(const std::string& cloud, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clouds_.find(cloud);
  if (c == clouds_.end()) return NotFound("Cloud " + cloud + " could not be found");
  auto snapshot = db_->PendingSnapshot(cloud);
  if (!snapshot.ok()) return snapshot.status();
  return db_->Pending(cloud, std::max(acked_[cloud], *snapshot - 1), limit);
}

Status Federation::AckEvents(const std::string& cloud, int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clouds_.find(cloud);
  if (c == clouds_.end()) return NotFound("Cloud " + cloud + " could not be found");
  ISTHMUS_RETURN_IF_ERROR(db_->Ack(cloud, seq));
  acked_[cloud] = std::max(acked_[cloud], seq);
  return Status::Ok();
}

uint64_t Federation::WaitForEvents(uint64_t seen, int timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  events_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                   [&] { return shutdown_ || events_version_ != seen; });
  return events_version_;
}

void Federation::Pause(int ms) {
  std::unique_lock<std::mutex> lock(mu_);
  events_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return shutdown_; });
}

bool Federation::shutting_down() {
  std::lock_guard<std::mutex> lock(mu_);
  return shutdown_;
}

void Federation::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  events_.notify_all();
}

Status Federation::Delete(Kind kind, const std::string& id) {
  ISTHMUS_FRESH(Delete(kind, id));
  std::lock_guard<std::mutex> lock(mu_);
  auto st = VisitNeutronKind(kind, [&]<typename T>(std::type_identity<T> t) { return DeleteLocked(t, id); });
  return st ? *st : NotFound("Unknown resource kind " + Name(kind));
}

std::map<std::string, Federation::OutboxCounts> Federation::OutboxCountsByCloud() {
  std::lock_guard<std::mutex> lock(mu_);
  auto counts = db_->PendingCounts();
  std::map<std::string, OutboxCounts> out;
  if (db_->replicated())  // the replica pushing a cloud may be another one: its acks are in the DB
    for (const auto& [n, c] : clouds_)
      if (auto stored = db_->AckedSeq(n); stored.ok()) acked_[n] = std::max(acked_[n], *stored);
  for (const auto& [n, c] : clouds_)
    out[n] = {acked_.count(n) ? acked_.at(n) : 0, counts.ok() && counts->count(n) ? counts->at(n) : 0};
  return out;
}

}  // namespace isthmus::central
