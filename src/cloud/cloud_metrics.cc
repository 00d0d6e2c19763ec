#include "cloud/cloud_metrics.h"

#include "common/metrics.h"

namespace isthmus::cloud {

void CountEventsApplied(int64_t events, int64_t applied_seq) {
  static auto& applied = metrics::Counter("isthmus_cloud_events_applied_total", "Events from central applied");
  static auto& seq = metrics::Gauge("isthmus_cloud_applied_seq", "The last event sequence number applied");
  applied.Increment(static_cast<double>(events));
  seq.Set(static_cast<double>(applied_seq));
}

void RecordRecompute(size_t hosts, size_t woken, std::chrono::steady_clock::time_point start) {
  static auto& seconds = metrics::Histogram("isthmus_cloud_recompute_seconds",
                                            "Seconds to recompute host states after a batch or a registration",
                                            metrics::SecondsBuckets());
  static auto& recomputed = metrics::Histogram("isthmus_cloud_recompute_hosts",
                                               "Hosts whose state one recompute computed",
                                               metrics::CountBuckets());
  static auto& woken_total = metrics::Counter("isthmus_cloud_hosts_woken_total",
                                              "Host states that changed (a new revision for the agent)");
  seconds.Observe(metrics::SecondsSince(start));
  recomputed.Observe(static_cast<double>(hosts));
  woken_total.Increment(static_cast<double>(woken));
}

}  // namespace isthmus::cloud
