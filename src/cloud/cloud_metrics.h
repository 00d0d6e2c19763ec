// A cloud controller's Prometheus metrics (docs/architecture.md, "Metrics"):
// events applied, and each recompute's hosts, hosts woken and time. The
// controller records them; cloud_main serves them on GET /metrics.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace isthmus::cloud {

// A batch from central moved the applied seq by `events`, to `applied_seq`.
void CountEventsApplied(int64_t events, int64_t applied_seq);
// A recompute (after a batch or a registration) computed `hosts` hosts' states,
// patched the groups of `patched` more (GroupPatcher), and woke (published a
// new revision to) `woken` of them all.
void RecordRecompute(size_t hosts, size_t woken, std::chrono::steady_clock::time_point start, size_t patched = 0);

// A long-poll answered with a HostState: a delta (what changed since the
// agent's revision) or the whole state, of `bytes`.
void CountStateAnswer(bool delta, size_t bytes);

}  // namespace isthmus::cloud
