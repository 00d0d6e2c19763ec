// Central's Prometheus metrics (docs/architecture.md, "Metrics"): GET /metrics
// on the API port with the request series, the outbox per cloud read at each
// scrape, and what the pusher delivered or failed to.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "central/service.h"
#include "common/http_server.h"

namespace isthmus::central {

// may_scrape: who may read /metrics (docs/trust.md: an operator certificate or
// an admin token).
void ServeCentralMetrics(HttpServer& server, Service& service,
                         std::function<Status(const HttpRequest&)> may_scrape);

// The pusher: `events` events acknowledged by `cloud`; a batch that failed.
void CountEventsPushed(const std::string& cloud, int64_t events);
void CountPushFailure(const std::string& cloud);

}  // namespace isthmus::central
