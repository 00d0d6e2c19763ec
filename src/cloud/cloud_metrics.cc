#include "cloud/cloud_metrics.h"

#include "common/metrics.h"

namespace isthmus::cloud {

void CountEventsApplied(int64_t events, int64_t applied_seq) {
  static auto& applied = metrics::Counter("isthmus_cloud_events_applied_total", "Events from central applied");
  static auto& seq = metrics::Gauge("isthmus_cloud_applied_seq", "The last event sequence number applied");
  applied.Increment(static_cast<double>(events));
  seq.Set(static_cast<double>(applied_seq));
}

void RecordRecompute(size_t hosts, size_t woken, std::chrono::steady_clock::time_point start, size_t patched) {
  static auto& seconds = metrics::Histogram("isthmus_cloud_recompute_seconds",
                                            "Seconds to recompute host states after a batch or a registration",
                                            metrics::SecondsBuckets());
  static auto& recomputed = metrics::Histogram("isthmus_cloud_recompute_hosts",
                                               "Hosts whose state one recompute computed",
                                               metrics::CountBuckets());
  static auto& woken_total = metrics::Counter("isthmus_cloud_hosts_woken_total",
                                              "Host states that changed (a new revision for the agent)");
  static auto& patched_total = metrics::Counter("isthmus_cloud_hosts_patched_total",
                                                "Host states changed by splicing the parts they share with "
                                                "other hosts (groups, a network's entries) into their text, "
                                                "not computed");
  seconds.Observe(metrics::SecondsSince(start));
  recomputed.Observe(static_cast<double>(hosts));
  woken_total.Increment(static_cast<double>(woken));
  patched_total.Increment(static_cast<double>(patched));
}

void CountStateAnswer(bool delta, size_t bytes) {
  static auto& full = metrics::Counter("isthmus_cloud_state_answers_total",
                                       "HostState answers to agents, whole or as a delta", {{"kind", "full"}});
  static auto& deltas = metrics::Counter("isthmus_cloud_state_answers_total",
                                         "HostState answers to agents, whole or as a delta", {{"kind", "delta"}});
  static auto& full_bytes = metrics::Counter("isthmus_cloud_state_answer_bytes_total",
                                             "Bytes of HostState answers to agents", {{"kind", "full"}});
  static auto& delta_bytes = metrics::Counter("isthmus_cloud_state_answer_bytes_total",
                                              "Bytes of HostState answers to agents", {{"kind", "delta"}});
  (delta ? deltas : full).Increment();
  (delta ? delta_bytes : full_bytes).Increment(static_cast<double>(bytes));
}

}  // namespace isthmus::cloud
