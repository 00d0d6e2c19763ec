// What the cloud tells central (docs/architecture.md, "Central -> cloud:
// events" and "Port status and agent liveness"): its applied seq once per
// start, each registered host until acknowledged, and its ports' statuses and
// hosts' liveness as they are due.
#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "cloud/controller.h"
#include "common/log.h"

namespace isthmus::cloud {

using nlohmann::json;

// Tells central the seq this cloud applied (docs/architecture.md, "Central ->
// cloud: events"): central resyncs a cloud behind what it acknowledged.
Status Controller::ReportSync(HttpSession& central, TokenSource& tokens) {
  json body = {{"sync", {{"applied_seq", AppliedSeq()}}}};
  auto r = AuthedCall(tokens, central, "PUT", "/v2.0/clouds/" + cloud_ + "/sync", &body);
  Status st = r.ok() ? ReplyStatus(*r) : r.status();
  if (!st.ok()) return st;
  if (r->body.is_object() && r->body.contains("sync") && r->body["sync"].value("resync", false))
    LOG_WARN("central acknowledged up to seq " << r->body["sync"].value("acked_seq", int64_t{0})
                                               << " but this cloud applied up to " << body["sync"]["applied_seq"]
                                               << ": central resyncs it with a snapshot");
  std::lock_guard<std::mutex> lock(mu_);
  sync_reported_ = true;
  return Status::Ok();
}

// Sends central what is due (port_status.h), a batch at a time, until nothing
// is; what a failed call carried stays due.
Status Controller::ReportStatus(HttpSession& central, TokenSource& tokens) {
  for (int batch = 0; batch < 100; ++batch) {
    std::optional<StatusReport> report;
    {
      std::lock_guard<std::mutex> lock(mu_);
      report = statuses_.TakeReport(StatusClock::Now());
    }
    if (!report) return Status::Ok();
    auto r = AuthedCall(tokens, central, "PUT", "/v2.0/clouds/" + cloud_ + "/status", &report->body);
    Status st = r.ok() ? ReplyStatus(*r) : r.status();
    if (!st.ok()) return st;
    std::lock_guard<std::mutex> lock(mu_);
    statuses_.Acknowledge(*report, StatusClock::Now());
  }
  return Status::Ok();
}

void Controller::RunReporter(const Endpoint& central_ep, TokenSource& tokens, const bool& stop) {
  // Statuses are gathered for this long before they go (one call carries
  // every change of that time), and liveness is checked as often.
  constexpr auto kStatusTick = std::chrono::milliseconds(200);
  // One kept connection to central for every report (each is a PUT of what
  // is true now: idempotent), not a TLS handshake per call.
  HttpSession central(central_ep, 5000);
  int backoff_ms = 50;
  while (true) {
    std::vector<model::Host> todo;
    bool sync_due = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto pending = db_->PendingReports();
      if (pending.ok())
        for (const auto& n : *pending)
          if (own_hosts_.count(n)) todo.push_back(own_hosts_[n]);
      sync_due = !sync_reported_;
      if (todo.empty() && !sync_due) {
        reported_.wait_for(lock, kStatusTick,
                           [&] { return shutdown_ || stop || !db_->PendingReports()->empty(); });
        if (shutdown_ || stop) return;
      }
    }
    bool failed = false;
    if (sync_due) {
      // A failure here does not hold up the host reports.
      Status st = ReportSync(central, tokens);
      if (!st.ok()) {
        LOG_WARN("reporting the applied seq to central: " << st.message());
        failed = true;
      }
    }
    for (const auto& h : todo) {
      json body = {{"host", {{"role", h.role}, {"vtep_ip", h.vtep_ip}, {"dvr_mac", h.dvr_mac}}}};
      auto r = AuthedCall(tokens, central, "PUT", "/v2.0/clouds/" + cloud_ + "/hosts/" + h.name, &body);
      Status st = r.ok() ? ReplyStatus(*r) : r.status();
      if (!st.ok()) {
        LOG_WARN("reporting host " << h.name << " to central: " << st.message());
        failed = true;
        break;
      }
      std::lock_guard<std::mutex> lock(mu_);
      db_->ReportDone(h.name, h.dvr_mac, h.vtep_ip);
    }
    // After the hosts: central takes a host's liveness only once it knows the host.
    if (!failed) {
      Status st = ReportStatus(central, tokens);
      if (!st.ok()) {
        LOG_WARN("reporting port statuses and host liveness to central: " << st.message());
        failed = true;
      }
    }
    if (failed) {
      std::unique_lock<std::mutex> lock(mu_);
      reported_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [&] { return shutdown_; });
      if (shutdown_) return;
      backoff_ms = std::min(backoff_ms * 2, 2000);
    } else {
      backoff_ms = 50;
    }
  }
}

}  // namespace isthmus::cloud
