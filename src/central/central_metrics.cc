#include "central/central_metrics.h"

#include <mutex>
#include <set>

#include "common/metrics.h"

namespace isthmus::central {
namespace {

constexpr char kPending[] = "isthmus_central_outbox_pending";
constexpr char kPendingHelp[] = "Events in the outbox a cloud has not acknowledged yet";
constexpr char kAcked[] = "isthmus_central_outbox_acked_seq";
constexpr char kAckedHelp[] = "The last event sequence number a cloud acknowledged";

constexpr char kFailures[] = "isthmus_central_push_failures_total";
constexpr char kFailuresHelp[] = "Batches of events a cloud did not take whole (unreachable, refused or behind)";

// Sets the outbox gauges from the service; a deleted cloud's series go away.
void RefreshOutbox(Service& service) {
  static std::mutex mu;
  static std::set<std::string> shown;
  std::lock_guard<std::mutex> lock(mu);
  auto& pending = prometheus::BuildGauge().Name(kPending).Help(kPendingHelp).Register(metrics::Registry());
  auto& acked = prometheus::BuildGauge().Name(kAcked).Help(kAckedHelp).Register(metrics::Registry());
  std::set<std::string> now;
  const nlohmann::json outbox = service.OutboxStatus();
  for (const auto& [cloud, o] : outbox.items()) {
    now.insert(cloud);
    pending.Add({{"cloud", cloud}}).Set(o.value("pending", 0.0));
    acked.Add({{"cloud", cloud}}).Set(o.value("acked_seq", 0.0));
    CountEventsPushed(cloud, 0);  // a cloud's counters are shown from the start, at 0
    metrics::Counter(kFailures, kFailuresHelp, {{"cloud", cloud}});
  }
  for (const auto& cloud : shown)
    if (!now.count(cloud)) {
      pending.Remove(&pending.Add({{"cloud", cloud}}));
      acked.Remove(&acked.Add({{"cloud", cloud}}));
    }
  shown = std::move(now);
}

}  // namespace

void ServeCentralMetrics(HttpServer& server, Service& service,
                         std::function<Status(const HttpRequest&)> may_scrape) {
  metrics::ServeMetrics(server, "isthmus_central", std::move(may_scrape), [&service] { RefreshOutbox(service); });
}

void CountEventsPushed(const std::string& cloud, int64_t events) {
  metrics::Counter("isthmus_central_events_pushed_total", "Events a cloud acknowledged", {{"cloud", cloud}})
      .Increment(static_cast<double>(events));
}

void CountPushFailure(const std::string& cloud) {
  metrics::Counter(kFailures, kFailuresHelp, {{"cloud", cloud}}).Increment();
}

}  // namespace isthmus::central
