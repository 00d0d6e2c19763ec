#include "central/pusher.h"

#include <optional>

#include "central/central_metrics.h"
#include "central/push_lease.h"
#include "common/http.h"
#include "common/log.h"

namespace isthmus::central {

void Pusher::Refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  // A thread whose cloud was deleted has ended; a cloud made again by that name gets a new one.
  for (const auto& n : finished_) {
    auto it = threads_.find(n);
    if (it == threads_.end()) continue;
    if (it->second.joinable()) it->second.join();
    threads_.erase(it);
  }
  finished_.clear();
  for (const auto& c : service_.ListClouds())
    if (!threads_.count(c.name))
      threads_[c.name] = std::thread([this, n = c.name] {
        Run(n);
        std::lock_guard<std::mutex> lock(mu_);
        finished_.insert(n);
      });
}

void Pusher::Stop() {
  service_.Shutdown();
  std::map<std::string, std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (auto& [n, t] : threads)  // joined without mu_: an ending thread takes it
    if (t.joinable()) t.join();
  std::lock_guard<std::mutex> lock(mu_);
  finished_.clear();
}

PushVerdict JudgeReply(const std::string& cloud, int64_t first, int64_t last, const Status& reply,
                       std::optional<int64_t> applied) {
  PushVerdict v;
  const std::string batch = "seqs " + std::to_string(first) + ".." + std::to_string(last);
  if (!applied || (!reply.ok() && reply.code() != Code::kConflict)) {
    v.fail_first = first;
    v.error = reply.ok() ? "cloud " + cloud + " answered without an applied_seq" : reply.message();
    return v;
  }
  const int64_t a = *applied;
  v.applied = a;
  if (a >= first && a <= last && reply.ok()) {
    v.ack = a;
    if (a < last) {
      v.fail_first = a + 1;
      v.error = "cloud " + cloud + " applied only up to seq " + std::to_string(a) + " of " + batch;
    }
    return v;
  }
  v.fail_first = first;
  const std::string said = reply.ok() ? "" : " (it answered: " + reply.message() + ")";
  if (a > last) {
    v.resync = true;
    v.error = "cloud " + cloud + " reports applied seq " + std::to_string(a) + " beyond " + batch +
              " that central sent: it holds events central did not send (a forged or foreign push), so it "
              "skipped these" + said + "; resyncing it with a snapshot";
  } else if (a < first - 1 || !reply.ok()) {
    v.resync = true;
    v.error = "cloud " + cloud + " has applied only up to seq " + std::to_string(a) + ", behind seq " +
              std::to_string(first - 1) + " that central counts as delivered (a database restored from a "
              "backup, or lost?)" + said + "; resyncing it with a snapshot";
  } else {
    v.error = "cloud " + cloud + " acknowledged seq " + std::to_string(a) + ": nothing of " + batch + " was applied";
  }
  return v;
}

void Pusher::Run(const std::string& cloud) {
  int backoff_ms = 50;
  uint64_t version = 0;
  auto self = service_.GetCloud(cloud);
  if (!self.ok()) return;
  // Replicas: only the holder of the cloud's lease pushes; the others try to
  // take it every kLeaseRetryMs (docs/architecture.md, "Replicas").
  PushLease lease(service_.db_location(), self->index);
  bool held = false;
  // One kept-alive connection to the cloud (a batch is idempotent: the cloud
  // applies each seq once), made again when its endpoint changes.
  std::optional<HttpSession> session;
  while (!service_.shutting_down()) {
    if (!lease.Hold()) {
      if (held) LOG_INFO("another replica pushes the events of cloud " << cloud << " now");
      held = false;
      if (!service_.GetCloud(cloud).ok()) return;  // the cloud was removed
      service_.Pause(kLeaseRetryMs);
      continue;
    }
    if (!held && lease.shared()) LOG_INFO("this replica pushes the events of cloud " << cloud);
    held = true;
    auto pending = service_.PendingEvents(cloud, 500);
    if (!pending.ok()) return;  // the cloud was removed
    if (pending->empty()) {
      // Other replicas' commits wake it through the follower (replica_follower.h);
      // on SQLite only this process commits.
      version = service_.WaitForEvents(version, lease.shared() ? 1000 : 30000);
      continue;
    }
    auto c = service_.GetCloud(cloud);
    if (!c.ok()) return;
    auto ep = Endpoint::Parse(c->endpoint);
    nlohmann::json body = {{"events", nlohmann::json::array()}};
    for (const auto& e : *pending)
      body["events"].push_back(
          {{"seq", e.cloud_seq}, {"kind", e.kind}, {"op", e.op}, {"id", e.id}, {"body", e.body}});
    // The batch's jobs: RUNNING now; SUCCESS with the ack, FAIL (attempts + 1) otherwise.
    const int64_t first = pending->front().cloud_seq, last = pending->back().cloud_seq;
    service_.StartJobs(cloud, first, last);
    Status st = ep.status();
    std::optional<int64_t> applied;
    if (st.ok()) {
      if (!session || session->endpoint().ToString() != ep->ToString()) session.emplace(*ep, 10000);
      auto reply = session->Call("POST", "/v1/federation/events", &body);
      st = reply.ok() ? ReplyStatus(*reply) : reply.status();
      if (reply.ok() && reply->body.is_object() && reply->body.contains("applied_seq") &&
          reply->body["applied_seq"].is_number_integer())
        applied = reply->body["applied_seq"].get<int64_t>();
    }
    PushVerdict v = JudgeReply(cloud, first, last, st, applied);
    if (v.ack) service_.AckEvents(cloud, v.ack);
    if (v.ack) CountEventsPushed(cloud, v.ack - first + 1);
    if (v.resync) {
      auto snap = service_.QueueSnapshot(cloud, v.applied);
      if (!snap.ok()) v.error += ", which failed: " + snap.status().message();
    }
    if (!v.fail_first) {
      backoff_ms = 50;
      continue;
    }
    service_.FailJobs(cloud, v.fail_first, last, v.error);
    CountPushFailure(cloud);
    LOG_WARN("pushing " << pending->size() << " events to " << cloud << ": " << v.error << "; retrying in "
                        << backoff_ms << " ms");
    // New commits do not cut the backoff short: the cloud is down either way.
    service_.Pause(backoff_ms);
    backoff_ms = std::min(backoff_ms * 2, 2000);
  }
}

}  // namespace isthmus::central
