// Prometheus metrics of an isthmus daemon (prometheus-cpp's core library): one
// registry per process, so instrumented code needs no plumbing, its text
// exposition for GET /metrics, and the HTTP request metrics every daemon's
// server records. docs/architecture.md ("Metrics") lists every metric.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/http_server.h"

namespace isthmus::metrics {

// The process's registry (like the Go and Python clients' default registry):
// each daemon is its own process, so its /metrics shows only its own series.
prometheus::Registry& Registry();

// The series `name{labels}`, made on first use; the same name always gets the
// same help and (histograms) buckets. Cheap enough per request or event
// (a lock and a hash), but callers on a hot path may keep the reference.
prometheus::Counter& Counter(const std::string& name, const std::string& help,
                             const prometheus::Labels& labels = {});
prometheus::Gauge& Gauge(const std::string& name, const std::string& help,
                         const prometheus::Labels& labels = {});
prometheus::Histogram& Histogram(const std::string& name, const std::string& help,
                                 const std::vector<double>& buckets,
                                 const prometheus::Labels& labels = {});

// Bucket bounds in seconds: 1 ms .. 60 s (HTTP calls, recomputes, agent passes).
const std::vector<double>& SecondsBuckets();
// Bucket bounds for counts (hosts per batch): 0, 1, 2, 5, ... 100,000.
const std::vector<double>& CountBuckets();

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Every series of the registry in the text exposition format (version 0.0.4).
std::string Exposition();
// A 200 with Exposition() and the format's content type.
void WriteExposition(httplib::Response& res);

// The route label of a server's route pattern: each capture group becomes
// `{id}` ("/v2.0/ports/([^/]+)" -> "/v2.0/ports/{id}"), so label values are
// bounded by the routes, never by the paths clients send.
std::string RouteLabel(const std::string& pattern);
// The status label of an HTTP status: "2xx", "4xx", ...
std::string StatusClass(int status);

// Counts every request `server` answers, as
//   <prefix>_http_requests_total{route, method, status}
//   <prefix>_http_request_duration_seconds{route, method}
// (prefix "isthmus_central", ...); a path no route matches is route "none".
void ObserveHttp(HttpServer& server, const std::string& prefix);

// ObserveHttp, and GET /metrics on `server`: a caller may_scrape refuses gets
// its error; before_scrape (optional) refreshes gauges read from state.
void ServeMetrics(HttpServer& server, const std::string& prefix,
                  std::function<Status(const HttpRequest&)> may_scrape,
                  std::function<void()> before_scrape = nullptr);

}  // namespace isthmus::metrics
