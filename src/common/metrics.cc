#include "common/metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "common/http.h"

namespace isthmus::metrics {

prometheus::Registry& Registry() {
  // Never destroyed: threads still running at exit may count.
  static auto* registry = new prometheus::Registry();
  return *registry;
}

prometheus::Counter& Counter(const std::string& name, const std::string& help, const prometheus::Labels& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(Registry()).Add(labels);
}

prometheus::Gauge& Gauge(const std::string& name, const std::string& help, const prometheus::Labels& labels) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(Registry()).Add(labels);
}

prometheus::Histogram& Histogram(const std::string& name, const std::string& help,
                                 const std::vector<double>& buckets, const prometheus::Labels& labels) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(Registry()).Add(labels, buckets);
}

const std::vector<double>& SecondsBuckets() {
  static const std::vector<double> buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25,  0.5,    1,     2.5,  5,     10,   30, 60};
  return buckets;
}

const std::vector<double>& CountBuckets() {
  static const std::vector<double> buckets = {0,    1,    2,    5,     10,    20,    50,     100,
                                              200,  500,  1000, 2000,  5000,  10000, 100000};
  return buckets;
}

std::string Exposition() {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, Registry().Collect());
  return out.str();
}

void WriteExposition(httplib::Response& res) {
  res.status = 200;
  res.set_content(Exposition(), "text/plain; version=0.0.4; charset=utf-8");
}

std::string RouteLabel(const std::string& pattern) {
  std::string out;
  int depth = 0;
  bool escaped = false;
  for (char c : pattern) {
    if (escaped) {
      escaped = false;
      if (depth == 0) out += c;
      continue;
    }
    if (c == '\\') {
      escaped = true;
      continue;
    }
    if (c == '(') {
      if (depth++ == 0) out += "{id}";
      continue;
    }
    if (c == ')' && depth > 0) {
      --depth;
      continue;
    }
    if (depth == 0) out += c;
  }
  return out;
}

std::string StatusClass(int status) {
  if (status < 100 || status > 599) return "other";
  return std::to_string(status / 100) + "xx";
}

void ObserveHttp(HttpServer& server, const std::string& prefix) {
  auto& requests = prometheus::BuildCounter()
                       .Name(prefix + "_http_requests_total")
                       .Help("HTTP requests answered, by route template, method and status class")
                       .Register(Registry());
  auto& latency = prometheus::BuildHistogram()
                      .Name(prefix + "_http_request_duration_seconds")
                      .Help("Seconds from a complete request to its answer, by route template and method")
                      .Register(Registry());
  server.SetObserver([&requests, &latency](const std::string& method, const std::string& route, int status,
                                           double seconds) {
    const std::string label = route.empty() ? "none" : RouteLabel(route);
    requests.Add({{"route", label}, {"method", method}, {"status", StatusClass(status)}}).Increment();
    latency.Add({{"route", label}, {"method", method}}, SecondsBuckets()).Observe(seconds);
  });
}

void ServeMetrics(HttpServer& server, const std::string& prefix,
                  std::function<Status(const HttpRequest&)> may_scrape, std::function<void()> before_scrape) {
  ObserveHttp(server, prefix);
  server.Get("/metrics", [may_scrape = std::move(may_scrape), before_scrape = std::move(before_scrape)](
                             const HttpRequest& req, httplib::Response& res) {
    if (Status st = may_scrape(req); !st.ok()) return WriteError(res, st);
    if (before_scrape) before_scrape();
    WriteExposition(res);
  });
}

}  // namespace isthmus::metrics
