#include "central/pusher.h"

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

void Pusher::Run(const std::string& cloud) {
  int backoff_ms = 50;
  uint64_t version = 0;
  while (!service_.shutting_down()) {
    auto pending = service_.PendingEvents(cloud, 500);
    if (!pending.ok()) return;  // the cloud was removed
    if (pending->empty()) {
      version = service_.WaitForEvents(version, 30000);
      continue;
    }
    auto c = service_.GetCloud(cloud);
    if (!c.ok()) return;
    auto ep = Endpoint::Parse(c->endpoint);
    nlohmann::json body = {{"events", nlohmann::json::array()}};
    for (const auto& e : *pending)
      body["events"].push_back({{"seq", e.seq}, {"kind", e.kind}, {"op", e.op}, {"id", e.id}, {"body", e.body}});
    // The batch's jobs: RUNNING now; SUCCESS with the ack, FAIL (attempts + 1) otherwise.
    const int64_t first = pending->front().seq, last = pending->back().seq;
    service_.StartJobs(cloud, first, last);
    Status st = ep.status();
    int64_t applied = 0;
    if (st.ok()) {
      auto reply = HttpCall(*ep, "POST", "/v1/federation/events", &body, 10000);
      st = reply.ok() ? ReplyStatus(*reply) : reply.status();
      if (st.ok()) applied = reply->body.value("applied_seq", int64_t{0});
    }
    // A cloud that reports more than it was sent got events from elsewhere
    // (another central, a forged push): only what was sent counts as acknowledged,
    // or an event committed after this reply would never be sent.
    if (st.ok() && applied > last) {
      LOG_WARN("cloud " << cloud << " reports applied seq " << applied << " but was sent up to " << last
                        << ": events reached it from elsewhere");
      applied = last;
    }
    if (st.ok() && applied >= pending->front().seq) {
      service_.AckEvents(cloud, applied);
      backoff_ms = 50;
      continue;
    }
    if (st.ok()) st = Internal("cloud acknowledged seq " + std::to_string(applied));
    service_.FailJobs(cloud, first, last, st.message());
    LOG_WARN("pushing " << pending->size() << " events to " << cloud << ": " << st.message()
                        << "; retrying in " << backoff_ms << " ms");
    // New commits do not cut the backoff short: the cloud is down either way.
    service_.Pause(backoff_ms);
    backoff_ms = std::min(backoff_ms * 2, 2000);
  }
}

}  // namespace isthmus::central
